import type { Database } from '../../db/client.js';
import { type EventRow, toEvent, type TandemEvent } from '../events/store.js';

export interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  secret: string;
  event_types: string[];
  description: string;
  active: boolean;
  created_at: Date | string;
}

export interface Claimed {
  deliveryId: string;
  attempts: number;
  endpoint: { id: string; url: string; secret: string };
  event: TandemEvent;
}

export function createWebhookStore(db: Database) {
  async function createEndpoint(e: { tenantId: string; url: string; secret: string; eventTypes: string[]; description: string }) {
    const { rows } = await db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (tenant_id, url, secret, event_types, description) VALUES ($1, $2, $3, $4::text[], $5) RETURNING *`,
      [e.tenantId, e.url, e.secret, e.eventTypes, e.description],
    );
    return rows[0]!;
  }
  async function listEndpoints(tenantId: string) {
    const { rows } = await db.query<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND active ORDER BY created_at`, [tenantId]);
    return rows;
  }
  async function getEndpoint(tenantId: string, id: string) {
    const { rows } = await db.query<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 AND active`, [tenantId, id]);
    return rows[0];
  }
  /** Deactivates; its pending deliveries are dropped, the log stays. */
  async function removeEndpoint(tenantId: string, id: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query(`UPDATE webhook_endpoints SET active = false WHERE tenant_id = $1 AND id = $2 AND active RETURNING 1`, [tenantId, id]);
      if (rows.length) await tx.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint removed' WHERE endpoint_id = $1 AND status = 'pending'`, [id]);
      return rows.length === 1;
    });
  }

  /**
   * Claims due deliveries with a lease (their next attempt moves `leaseSeconds` ahead), so no
   * transaction stays open during HTTP; a crashed instance's claims come due again.
   */
  async function claimDue(limit: number, leaseSeconds: number): Promise<Claimed[]> {
    const { rows } = await db.query<EventRow & { delivery_id: string; attempts: number; endpoint_id: string; url: string; secret: string }>(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
         FROM due WHERE d.id = due.id RETURNING d.id, d.event_id, d.endpoint_id, d.attempts
       )
       SELECT c.id::text AS delivery_id, c.attempts, w.id AS endpoint_id, w.url, w.secret,
              e.id::text AS id, e.type, e.tenant_id, e.room_id, e.page_key, e.room_seq, e.actor_type, e.actor_id, e.data, e.created_at
       FROM claimed c JOIN webhook_endpoints w ON w.id = c.endpoint_id JOIN events e ON e.id = c.event_id`,
      [limit, leaseSeconds],
    );
    return rows.map((r) => ({ deliveryId: r.delivery_id, attempts: r.attempts, endpoint: { id: r.endpoint_id, url: r.url, secret: r.secret }, event: toEvent(r) }));
  }

  async function recordAttempt(a: { deliveryId: string; ok: boolean; status: number | null; error: string | null; durationMs: number; retryInSeconds: number | null }) {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms) VALUES ($1, $2, $3, $4)`, [a.deliveryId, a.status, a.error, a.durationMs]);
      await tx.query(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_status = $2, last_error = $3,
           status = CASE WHEN $4::boolean THEN 'delivered' WHEN $5::float8 IS NULL THEN 'failed' ELSE 'pending' END,
           delivered_at = CASE WHEN $4::boolean THEN now() ELSE NULL END,
           next_attempt_at = CASE WHEN $5::float8 IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $5::float8) END
         WHERE id = $1 AND status = 'pending'`,
        [a.deliveryId, a.status, a.error, a.ok, a.retryInSeconds],
      );
    });
  }

  async function nextDueInMs(): Promise<number | null> {
    const { rows } = await db.query<{ ms: string | null }>(
      `SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::text AS ms FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return rows[0]?.ms == null ? null : Math.max(0, Number(rows[0].ms));
  }

  async function deliveries(tenantId: string, endpointId: string, o: { status?: string | undefined; beforeId?: number | undefined; limit: number }) {
    const { rows } = await db.query<{
      id: string; event_id: string; event_type: string; status: string; attempts: number; next_attempt_at: Date; last_attempt_at: Date | null;
      last_status: number | null; last_error: string | null; delivered_at: Date | null; created_at: Date;
      log: Array<{ at: string; status: number | null; error: string | null; durationMs: number }> | null;
    }>(
      `SELECT d.id::text AS id, d.event_id::text AS event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at,
              d.last_status, d.last_error, d.delivered_at, d.created_at,
              (SELECT json_agg(json_build_object('at', a.at, 'status', a.status, 'error', a.error, 'durationMs', a.duration_ms) ORDER BY a.id)
                 FROM webhook_attempts a WHERE a.delivery_id = d.id) AS log
       FROM webhook_deliveries d
       WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND ($3::text IS NULL OR d.status = $3) AND ($4::bigint IS NULL OR d.id < $4)
       ORDER BY d.id DESC LIMIT $5`,
      [tenantId, endpointId, o.status ?? null, o.beforeId ?? null, o.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.event_type,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.status === 'pending' ? new Date(r.next_attempt_at).toISOString() : null,
      lastAttemptAt: r.last_attempt_at && new Date(r.last_attempt_at).toISOString(),
      lastStatus: r.last_status,
      lastError: r.last_error,
      deliveredAt: r.delivered_at && new Date(r.delivered_at).toISOString(),
      createdAt: new Date(r.created_at).toISOString(),
      log: (r.log ?? []).map((l) => ({ ...l, at: new Date(l.at).toISOString() })),
    }));
  }

  /** A failed delivery of an active endpoint, due again now (one more attempt); false if there is none. */
  async function retryFailed(tenantId: string, deliveryId: string): Promise<boolean> {
    const { rows } = await db.query(
      `UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now()
         FROM webhook_endpoints e
        WHERE d.id = $2 AND d.tenant_id = $1 AND d.status = 'failed' AND e.id = d.endpoint_id AND e.active
        RETURNING d.id`,
      [tenantId, deliveryId],
    );
    return rows.length > 0;
  }

  return { createEndpoint, listEndpoints, getEndpoint, removeEndpoint, claimDue, recordAttempt, nextDueInMs, deliveries, retryFailed };
}
export type WebhookStore = ReturnType<typeof createWebhookStore>;
