import type { Queryable } from '../../db/client.js';

/** Read-only views across tenants for the operator console; each list is bounded. */
export function createConsoleStore(db: Queryable) {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    async tenants() {
      const { rows } = await db.query<{ id: string; name: string; created_at: Date; keys: Array<{ id: string; name: string; prefix: string; revoked: boolean; last_used_at: string | null }> | null }>(
        `SELECT t.id, t.name, t.created_at,
                (SELECT json_agg(json_build_object('id', k.id, 'name', k.name, 'prefix', k.prefix, 'revoked', k.revoked_at IS NOT NULL, 'last_used_at', k.last_used_at) ORDER BY k.created_at)
                   FROM api_keys k WHERE k.tenant_id = t.id) AS keys
           FROM tenants t ORDER BY t.created_at LIMIT 200`,
      );
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: iso(r.created_at), apiKeys: (r.keys ?? []).map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, revoked: k.revoked, lastUsedAt: k.last_used_at })) }));
    },
    async rooms(ids: string[]) {
      if (ids.length === 0) return new Map<string, { pageKey: string; title: string | null; url: string | null }>();
      const { rows } = await db.query<{ id: string; page_key: string; title: string | null; url: string | null }>(`SELECT id, page_key, title, url FROM rooms WHERE id = ANY($1::uuid[])`, [ids]);
      return new Map(rows.map((r) => [r.id, { pageKey: r.page_key, title: r.title, url: r.url }]));
    },
    async openDelegations() {
      const { rows } = await db.query<{ id: string; tenant_id: string; page_key: string; delegator_id: string; assignee_id: string; status: string; due_at: Date | null; created_at: Date; fields: Array<{ name: string }> }>(
        `SELECT id, tenant_id, page_key, delegator_id, assignee_id, status, due_at, created_at, fields FROM delegations
          WHERE status IN ('pending', 'accepted', 'submitted') ORDER BY created_at LIMIT 200`,
      );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, pageKey: r.page_key, from: r.delegator_id, to: r.assignee_id, status: r.status, fields: r.fields.map((f) => f.name), dueAt: iso(r.due_at), createdAt: iso(r.created_at) }));
    },
    async openHelpRequests() {
      const { rows } = await db.query<{ id: string; tenant_id: string; page_key: string; message: string; urgency: string; requester_id: string; status: string; helper_id: string | null; offers: number; tried: string[]; state: { tier?: string }; created_at: Date }>(
        `SELECT id, tenant_id, page_key, message, urgency, requester_id, status, helper_id, offers, tried, state, created_at FROM assistance_requests
          WHERE status IN ('open', 'offered', 'queued', 'accepted') ORDER BY created_at LIMIT 200`,
      );
      return rows.map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        pageKey: r.page_key,
        message: r.message,
        urgency: r.urgency,
        requester: r.requester_id,
        status: r.status,
        helper: r.helper_id,
        // How far it escalated: offers made, helpers tried, the routing tier it is at.
        escalation: { offers: r.offers, tried: r.tried, tier: r.state?.tier ?? null },
        createdAt: iso(r.created_at),
      }));
    },
    async webhooks() {
      const { rows } = await db.query<{ id: string; tenant_id: string; url: string; event_types: string[]; deliveries: Array<{ id: string; event_type: string; status: string; attempts: number; last_status: number | null; last_error: string | null; created_at: string }> | null }>(
        `SELECT e.id, e.tenant_id, e.url, e.event_types,
                (SELECT json_agg(x ORDER BY x.id DESC) FROM (
                   SELECT d.id::text AS id, d.event_type, d.status, d.attempts, d.last_status, d.last_error, d.created_at
                     FROM webhook_deliveries d WHERE d.endpoint_id = e.id ORDER BY d.id DESC LIMIT 10) x) AS deliveries
           FROM webhook_endpoints e WHERE e.active ORDER BY e.created_at LIMIT 100`,
      );
      return rows.map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        url: r.url,
        eventTypes: r.event_types,
        deliveries: (r.deliveries ?? []).map((d) => ({ id: d.id, eventType: d.event_type, status: d.status, attempts: d.attempts, lastStatus: d.last_status, lastError: d.last_error, createdAt: iso(d.created_at) })),
      }));
    },
    async recentAudit() {
      const { rows } = await db.query<{ id: string; tenant_id: string; actor_type: string; actor_id: string; action: string; subject: string | null; at: Date }>(
        `SELECT id::text AS id, tenant_id, actor_type, actor_id, action, subject, at FROM audit_log ORDER BY id DESC LIMIT 50`,
      );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, actor: `${r.actor_type}:${r.actor_id}`, action: r.action, subject: r.subject, at: iso(r.at) }));
    },
    async recentConflicts() {
      const { rows } = await db.query<{ id: string; tenant_id: string; page_key: string; field: string; user_id: string; their_author: string | null; resolution: string | null; created_at: Date }>(
        `SELECT c.id, c.tenant_id, r.page_key, c.field, c.user_id, c.their_author, c.resolution, c.created_at
           FROM field_conflicts c JOIN rooms r ON r.id = c.room_id ORDER BY c.created_at DESC LIMIT 50`,
      );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, pageKey: r.page_key, field: r.field, user: r.user_id, against: r.their_author, resolution: r.resolution, createdAt: iso(r.created_at) }));
    },
  };
}
