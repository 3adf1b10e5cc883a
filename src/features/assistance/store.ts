import type { RoomPermissions } from '../../auth/permissions.js';
import type { Database, Queryable } from '../../db/client.js';
import type { AssistanceState, AssistanceStatus } from './machine.js';
import type { AssistanceView } from './messages.js';
import { iso } from '../../db/rows.js';

export interface AssistanceRow {
  id: string;
  tenantId: string;
  roomId: string;
  pageKey: string;
  pageUrl: string;
  pageTitle: string;
  field: string | null;
  message: string;
  urgency: 'normal' | 'urgent';
  topic: string | null;
  requesterId: string;
  requesterName: string | null;
  helperId: string | null;
  helperName: string | null;
  status: AssistanceStatus;
  state: AssistanceState;
  tried: string[];
  offers: number;
  createdAt: Date;
  firstOfferedAt: Date | null;
  acceptedAt: Date | null;
  resolvedAt: Date | null;
}

const SELECT = `SELECT a.id, a.tenant_id AS "tenantId", a.room_id AS "roomId", a.page_key AS "pageKey", a.page_url AS "pageUrl",
  a.page_title AS "pageTitle", a.field, a.message, a.urgency, a.topic, a.requester_id AS "requesterId", ur.display_name AS "requesterName",
  a.helper_id AS "helperId", uh.display_name AS "helperName", a.status, a.state, a.tried, a.offers,
  a.created_at AS "createdAt", a.first_offered_at AS "firstOfferedAt", a.accepted_at AS "acceptedAt", a.resolved_at AS "resolvedAt"
  FROM assistance_requests a
  LEFT JOIN users ur ON ur.tenant_id = a.tenant_id AND ur.id = a.requester_id
  LEFT JOIN users uh ON uh.tenant_id = a.tenant_id AND uh.id = a.helper_id`;

const ms = (d: Date | null) => (d === null ? null : new Date(d).getTime());

export function toAssistanceView(r: AssistanceRow): AssistanceView {
  const created = ms(r.createdAt)!;
  const accepted = ms(r.acceptedAt);
  const resolved = ms(r.resolvedAt);
  const offered = ms(r.firstOfferedAt);
  return {
    id: r.id,
    roomId: r.roomId,
    pageKey: r.pageKey,
    pageUrl: r.pageUrl,
    pageTitle: r.pageTitle,
    field: r.field,
    message: r.message,
    urgency: r.urgency,
    topic: r.topic,
    requester: { id: r.requesterId, name: r.requesterName ?? r.requesterId },
    helper: r.helperId ? { id: r.helperId, name: r.helperName ?? r.helperId } : null,
    status: r.status,
    state: r.state as unknown as Record<string, unknown>,
    tried: r.tried,
    offers: r.offers,
    createdAt: iso(r.createdAt)!,
    acceptedAt: iso(r.acceptedAt),
    resolvedAt: iso(r.resolvedAt),
    timings: {
      toAcceptMs: accepted === null ? null : accepted - created,
      toResolveMs: resolved === null ? null : resolved - created,
      firstOfferMs: offered === null ? null : offered - created,
    },
  };
}

export function createAssistanceStore(db: Database) {
  async function insert(
    q: Queryable,
    r: { tenantId: string; roomId: string; pageKey: string; pageUrl: string; pageTitle: string; field: string | null; message: string; urgency: string; topic: string | null; requesterId: string },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO assistance_requests (tenant_id, room_id, page_key, page_url, page_title, field, message, urgency, topic, requester_id, status, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', '{"status":"open"}'::jsonb) RETURNING id`,
      [r.tenantId, r.roomId, r.pageKey, r.pageUrl, r.pageTitle, r.field, r.message, r.urgency, r.topic, r.requesterId],
    );
    return rows[0]!.id;
  }

  async function get(q: Queryable, tenantId: string, id: string, lock = false): Promise<AssistanceRow | undefined> {
    if (lock) await q.query(`SELECT 1 FROM assistance_requests WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    const { rows } = await q.query<AssistanceRow>(`${SELECT} WHERE a.tenant_id = $1 AND a.id = $2`, [tenantId, id]);
    return rows[0];
  }

  /** Stores the next state; the timestamps of the lifecycle are set once, by the database clock. */
  async function update(q: Queryable, id: string, s: AssistanceState, tried: string[]): Promise<void> {
    const helper = s.status === 'offered' || s.status === 'accepted' || s.status === 'resolved' ? s.helperId : null;
    await q.query(
      `UPDATE assistance_requests SET status = $2, state = $3::jsonb, helper_id = $4, tried = $5::text[], version = version + 1, updated_at = now(),
         offers = offers + (CASE WHEN $2 = 'offered' THEN 1 ELSE 0 END),
         first_offered_at = CASE WHEN $2 = 'offered' THEN COALESCE(first_offered_at, now()) ELSE first_offered_at END,
         accepted_at = CASE WHEN $2 = 'accepted' THEN now() ELSE accepted_at END,
         resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE resolved_at END,
         cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END
       WHERE id = $1`,
      [id, s.status, JSON.stringify(s), helper, tried],
    );
  }

  /** Requests each helper holds now (offered or accepted). */
  async function loads(q: Queryable, tenantId: string): Promise<Map<string, number>> {
    const { rows } = await q.query<{ helperId: string; n: number }>(
      `SELECT helper_id AS "helperId", count(*)::int AS n FROM assistance_requests
       WHERE tenant_id = $1 AND status IN ('offered', 'accepted') AND helper_id IS NOT NULL GROUP BY helper_id`,
      [tenantId],
    );
    return new Map(rows.map((r) => [r.helperId, r.n]));
  }

  /** Who accepted requests on this record before, most recent first. */
  async function pastHelpers(q: Queryable, tenantId: string, pageKey: string): Promise<string[]> {
    const { rows } = await q.query<{ helperId: string }>(
      `SELECT helper_id AS "helperId" FROM assistance_requests WHERE tenant_id = $1 AND page_key = $2 AND accepted_at IS NOT NULL AND helper_id IS NOT NULL
       ORDER BY accepted_at DESC LIMIT 20`,
      [tenantId, pageKey],
    );
    return [...new Set(rows.map((r) => r.helperId))];
  }

  async function cursors(q: Queryable, tenantId: string): Promise<Record<string, string>> {
    const { rows } = await q.query<{ tier: string; userId: string }>(`SELECT tier, user_id AS "userId" FROM routing_cursors WHERE tenant_id = $1`, [tenantId]);
    return Object.fromEntries(rows.map((r) => [r.tier, r.userId]));
  }

  async function setCursor(q: Queryable, tenantId: string, tier: string, userId: string): Promise<void> {
    await q.query(
      `INSERT INTO routing_cursors (tenant_id, tier, user_id) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, tier) DO UPDATE SET user_id = EXCLUDED.user_id`,
      [tenantId, tier, userId],
    );
  }

  /** Loads, past helpers on this record and round-robin cursors, in one round trip. */
  async function routingContext(q: Queryable, tenantId: string, pageKey: string) {
    const { rows } = await q.query<{ loads: Record<string, number> | null; past: string[] | null; cursors: Record<string, string> | null }>(
      `SELECT
         (SELECT jsonb_object_agg(helper_id, n) FROM (SELECT helper_id, count(*)::int AS n FROM assistance_requests
            WHERE tenant_id = $1 AND status IN ('offered', 'accepted') AND helper_id IS NOT NULL GROUP BY helper_id) l) AS loads,
         (SELECT array_agg(helper_id ORDER BY at DESC) FROM (SELECT helper_id, max(accepted_at) AS at FROM assistance_requests
            WHERE tenant_id = $1 AND page_key = $2 AND accepted_at IS NOT NULL AND helper_id IS NOT NULL GROUP BY helper_id ORDER BY at DESC LIMIT 20) p) AS past,
         (SELECT jsonb_object_agg(tier, user_id) FROM routing_cursors WHERE tenant_id = $1) AS cursors`,
      [tenantId, pageKey],
    );
    const r = rows[0]!;
    return { loads: new Map(Object.entries(r.loads ?? {})), pastHelpers: r.past ?? [], cursors: r.cursors ?? {} };
  }

  async function list(tenantId: string, f: { status?: readonly string[] | undefined; requesterId?: string | undefined; helperId?: string | undefined; limit: number }) {
    const params: unknown[] = [tenantId];
    let where = 'a.tenant_id = $1';
    if (f.status?.length) {
      params.push(f.status);
      where += ` AND a.status = ANY($${params.length}::text[])`;
    }
    if (f.requesterId) {
      params.push(f.requesterId);
      where += ` AND a.requester_id = $${params.length}`;
    }
    if (f.helperId) {
      params.push(f.helperId);
      where += ` AND a.helper_id = $${params.length}`;
    }
    params.push(f.limit);
    const { rows } = await db.query<AssistanceRow>(`${SELECT} WHERE ${where} ORDER BY a.created_at DESC, a.id LIMIT $${params.length}`, params);
    return rows;
  }

  /** Helpers, experts and fallback users of a tenant: everyone routing may consider. */
  async function candidates(q: Queryable, tenantId: string, roles: string[]) {
    const { rows } = await q.query<{ userId: string; name: string; roles: string[]; expertise: string[]; perms: RoomPermissions }>(
      `SELECT id AS "userId", display_name AS name, roles, expertise, perms FROM users
       WHERE tenant_id = $1 AND (cardinality(expertise) > 0 OR roles && $2::text[])`,
      [tenantId, roles],
    );
    return rows;
  }

  return { insert, get, update, loads, pastHelpers, cursors, routingContext, setCursor, list, candidates };
}
export type AssistanceStore = ReturnType<typeof createAssistanceStore>;
