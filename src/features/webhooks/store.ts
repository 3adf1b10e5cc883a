import { and, asc, desc, eq, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { events, webhookAttempts, webhookDeliveries as deliveries, webhookEndpoints as endpoints } from '../../db/schema/index.js';
import { toEvent, type TandemEvent } from '../../db/event-row.js';

export type EndpointRow = typeof endpoints.$inferSelect;

export interface Claimed {
  deliveryId: string;
  attempts: number;
  endpoint: { id: string; url: string; secret: string };
  event: TandemEvent;
}

const now = sql`now()`;
const inSeconds = (s: number) => sql`now() + make_interval(secs => ${s}::float8)`;

export function createWebhookStore(db: Database) {
  async function createEndpoint(e: { tenantId: string; url: string; secret: string; eventTypes: string[]; description: string }): Promise<EndpointRow> {
    const [row] = await db.orm.insert(endpoints).values(e).returning();
    return row!;
  }
  async function listEndpoints(tenantId: string): Promise<EndpointRow[]> {
    return db.orm.select().from(endpoints).where(and(eq(endpoints.tenantId, tenantId), eq(endpoints.active, true))).orderBy(asc(endpoints.createdAt));
  }
  async function getEndpoint(tenantId: string, id: string): Promise<EndpointRow | undefined> {
    const [row] = await db.orm.select().from(endpoints).where(and(eq(endpoints.tenantId, tenantId), eq(endpoints.id, id), eq(endpoints.active, true)));
    return row;
  }
  /** Deactivates; its pending deliveries are dropped, the log stays. */
  async function removeEndpoint(tenantId: string, id: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      const gone = await tx.orm
        .update(endpoints)
        .set({ active: false })
        .where(and(eq(endpoints.tenantId, tenantId), eq(endpoints.id, id), eq(endpoints.active, true)))
        .returning({ id: endpoints.id });
      if (gone.length) await tx.orm.update(deliveries).set({ status: 'failed', lastError: 'endpoint removed' }).where(and(eq(deliveries.endpointId, id), eq(deliveries.status, 'pending')));
      return gone.length === 1;
    });
  }

  /**
   * Claims due deliveries with a lease (their next attempt moves `leaseSeconds` ahead), so no
   * transaction stays open during HTTP; a crashed instance's claims come due again.
   */
  async function claimDue(limit: number, leaseSeconds: number): Promise<Claimed[]> {
    const due = db.orm
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now)))
      .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    // One statement claims: rows another instance holds are skipped, not waited for.
    const claimed = await db.orm.update(deliveries).set({ nextAttemptAt: inSeconds(leaseSeconds) }).where(inArray(deliveries.id, due)).returning({ id: deliveries.id });
    if (claimed.length === 0) return [];
    const rows = await db.orm
      .select({ id: deliveries.id, attempts: deliveries.attempts, endpoint: { id: endpoints.id, url: endpoints.url, secret: endpoints.secret }, event: events })
      .from(deliveries)
      .innerJoin(endpoints, eq(endpoints.id, deliveries.endpointId))
      .innerJoin(events, eq(events.id, deliveries.eventId))
      .where(inArray(deliveries.id, claimed.map((c) => c.id)));
    return rows.map((r) => ({ deliveryId: String(r.id), attempts: r.attempts, endpoint: r.endpoint, event: toEvent(r.event) }));
  }

  async function recordAttempt(a: { deliveryId: string; ok: boolean; status: number | null; error: string | null; durationMs: number; retryInSeconds: number | null }) {
    const id = Number(a.deliveryId);
    await db.transaction(async (tx) => {
      await tx.orm.insert(webhookAttempts).values({ deliveryId: id, status: a.status, error: a.error, durationMs: a.durationMs });
      await tx.orm
        .update(deliveries)
        .set({
          attempts: sql`${deliveries.attempts} + 1`,
          lastAttemptAt: now,
          lastStatus: a.status,
          lastError: a.error,
          status: a.ok ? 'delivered' : a.retryInSeconds === null ? 'failed' : 'pending',
          deliveredAt: a.ok ? now : null,
          ...(a.retryInSeconds === null ? {} : { nextAttemptAt: inSeconds(a.retryInSeconds) }),
        })
        .where(and(eq(deliveries.id, id), eq(deliveries.status, 'pending')));
    });
  }

  async function nextDueInMs(): Promise<number | null> {
    const [row] = await db.orm
      .select({ ms: sql<string | null>`(extract(epoch FROM min(${deliveries.nextAttemptAt}) - now()) * 1000)::text` })
      .from(deliveries)
      .where(eq(deliveries.status, 'pending'));
    return row?.ms == null ? null : Math.max(0, Number(row.ms));
  }

  async function deliveryLog(tenantId: string, endpointId: string, o: { status?: string | undefined; beforeId?: number | undefined; limit: number }) {
    const where: SQL[] = [eq(deliveries.tenantId, tenantId), eq(deliveries.endpointId, endpointId)];
    if (o.status) where.push(eq(deliveries.status, o.status));
    if (o.beforeId) where.push(lt(deliveries.id, o.beforeId));
    const rows = await db.orm.select().from(deliveries).where(and(...where)).orderBy(desc(deliveries.id)).limit(o.limit);
    const attempts = rows.length === 0 ? [] : await db.orm.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, rows.map((r) => r.id))).orderBy(asc(webhookAttempts.id));
    const log = new Map<number, Array<{ at: string; status: number | null; error: string | null; durationMs: number }>>();
    for (const t of attempts) {
      const entry = { at: iso(t.at)!, status: t.status, error: t.error, durationMs: t.durationMs };
      const list = log.get(t.deliveryId);
      if (list) list.push(entry);
      else log.set(t.deliveryId, [entry]);
    }
    return rows.map((r) => ({
      id: String(r.id),
      eventId: String(r.eventId),
      eventType: r.eventType,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
      lastAttemptAt: iso(r.lastAttemptAt),
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      deliveredAt: iso(r.deliveredAt),
      createdAt: iso(r.createdAt)!,
      log: log.get(r.id) ?? [],
    }));
  }

  /** A failed delivery of an active endpoint, due again now (one more attempt); false if there is none. */
  async function retryFailed(tenantId: string, deliveryId: string): Promise<boolean> {
    const active = db.orm.select({ id: endpoints.id }).from(endpoints).where(eq(endpoints.active, true));
    const rows = await db.orm
      .update(deliveries)
      .set({ status: 'pending', nextAttemptAt: now })
      // The id as text cast in SQL: an 18-digit id is exact there, not in a JS number.
      .where(and(eq(deliveries.id, sql<number>`${deliveryId}::bigint`), eq(deliveries.tenantId, tenantId), eq(deliveries.status, 'failed'), inArray(deliveries.endpointId, active)))
      .returning({ id: deliveries.id });
    return rows.length > 0;
  }

  return { createEndpoint, listEndpoints, getEndpoint, removeEndpoint, claimDue, recordAttempt, nextDueInMs, deliveries: deliveryLog, retryFailed };
}
export type WebhookStore = ReturnType<typeof createWebhookStore>;
