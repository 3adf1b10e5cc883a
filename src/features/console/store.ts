import { asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Conn } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { apiKeys, assistanceRequests, auditLog, delegations, fieldConflicts, rooms, tenants, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';

/** Read-only views across tenants for the operator console; each list is bounded. */
export function createConsoleStore(db: Conn) {
  /** Child rows by their parent's id, each list in the order the query returned it. */
  function groupBy<R, K>(rows: R[], key: (r: R) => K) {
    const out = new Map<K, R[]>();
    for (const r of rows) {
      const list = out.get(key(r));
      if (list) list.push(r);
      else out.set(key(r), [r]);
    }
    return out;
  }

  return {
    async tenants() {
      const ts = await db.orm.select().from(tenants).orderBy(asc(tenants.createdAt)).limit(200);
      const keys = ts.length === 0 ? [] : await db.orm.select().from(apiKeys).where(inArray(apiKeys.tenantId, ts.map((t) => t.id))).orderBy(asc(apiKeys.createdAt));
      const byTenant = groupBy(keys, (k) => k.tenantId);
      return ts.map((t) => ({
        id: t.id,
        name: t.name,
        createdAt: iso(t.createdAt),
        apiKeys: (byTenant.get(t.id) ?? []).map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, revoked: k.revokedAt !== null, lastUsedAt: iso(k.lastUsedAt) })),
      }));
    },
    async rooms(ids: string[]) {
      if (ids.length === 0) return new Map<string, { pageKey: string; title: string | null; url: string | null }>();
      const rows = await db.orm.select({ id: rooms.id, pageKey: rooms.pageKey, title: rooms.title, url: rooms.url }).from(rooms).where(inArray(rooms.id, ids));
      return new Map(rows.map(({ id, ...room }) => [id, room]));
    },
    async openDelegations() {
      const rows = await db.orm
        .select()
        .from(delegations)
        .where(inArray(delegations.status, ['pending', 'accepted', 'submitted']))
        .orderBy(asc(delegations.createdAt))
        .limit(200);
      return rows.map((r) => ({
        id: r.id,
        tenantId: r.tenantId,
        pageKey: r.pageKey,
        from: r.delegatorId,
        to: r.assigneeId,
        status: r.status,
        fields: (r.fields as Array<{ name: string }>).map((f) => f.name),
        dueAt: iso(r.dueAt),
        createdAt: iso(r.createdAt),
      }));
    },
    async openHelpRequests() {
      const rows = await db.orm
        .select()
        .from(assistanceRequests)
        .where(inArray(assistanceRequests.status, ['open', 'offered', 'queued', 'accepted']))
        .orderBy(asc(assistanceRequests.createdAt))
        .limit(200);
      return rows.map((r) => ({
        id: r.id,
        tenantId: r.tenantId,
        pageKey: r.pageKey,
        message: r.message,
        urgency: r.urgency,
        requester: r.requesterId,
        status: r.status,
        helper: r.helperId,
        // How far it escalated: offers made, helpers tried, the routing tier it is at.
        escalation: { offers: r.offers, tried: r.tried, tier: (r.state as { tier?: string } | null)?.tier ?? null },
        createdAt: iso(r.createdAt),
      }));
    },
    async webhooks() {
      const endpoints = await db.orm.select().from(webhookEndpoints).where(eq(webhookEndpoints.active, true)).orderBy(asc(webhookEndpoints.createdAt)).limit(100);
      if (endpoints.length === 0) return [];
      // The last 10 deliveries of each endpoint: ranked per endpoint, newest first.
      const ranked = db.orm
        .select({
          id: webhookDeliveries.id,
          endpointId: webhookDeliveries.endpointId,
          eventType: webhookDeliveries.eventType,
          status: webhookDeliveries.status,
          attempts: webhookDeliveries.attempts,
          lastStatus: webhookDeliveries.lastStatus,
          lastError: webhookDeliveries.lastError,
          createdAt: webhookDeliveries.createdAt,
          n: sql<number>`row_number() OVER (PARTITION BY ${webhookDeliveries.endpointId} ORDER BY ${webhookDeliveries.id} DESC)`.as('n'),
        })
        .from(webhookDeliveries)
        .where(inArray(webhookDeliveries.endpointId, endpoints.map((e) => e.id)))
        .as('ranked');
      const recent = await db.orm.select().from(ranked).where(lte(ranked.n, 10)).orderBy(desc(ranked.id));
      const byEndpoint = groupBy(recent, (d) => d.endpointId);
      return endpoints.map((e) => ({
        id: e.id,
        tenantId: e.tenantId,
        url: e.url,
        eventTypes: e.eventTypes,
        deliveries: (byEndpoint.get(e.id) ?? []).map((d) => ({
          id: String(d.id),
          eventType: d.eventType,
          status: d.status,
          attempts: d.attempts,
          lastStatus: d.lastStatus,
          lastError: d.lastError,
          createdAt: iso(d.createdAt),
        })),
      }));
    },
    async recentAudit() {
      const rows = await db.orm.select().from(auditLog).orderBy(desc(auditLog.id)).limit(50);
      return rows.map((r) => ({ id: String(r.id), tenantId: r.tenantId, actor: `${r.actorType}:${r.actorId}`, action: r.action, subject: r.subject, at: iso(r.at) }));
    },
    async recentConflicts() {
      const rows = await db.orm
        .select({ c: fieldConflicts, pageKey: rooms.pageKey })
        .from(fieldConflicts)
        .innerJoin(rooms, eq(rooms.id, fieldConflicts.roomId))
        .orderBy(desc(fieldConflicts.createdAt))
        .limit(50);
      return rows.map(({ c, pageKey }) => ({ id: c.id, tenantId: c.tenantId, pageKey, field: c.field, user: c.userId, against: c.theirAuthor, resolution: c.resolution, createdAt: iso(c.createdAt) }));
    },
  };
}
