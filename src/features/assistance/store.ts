import type { RoomPermissions } from '../../auth/permissions.js';
import { and, arrayOverlaps, asc, count, desc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Conn, Database } from '../../db/client.js';
import { assistanceRequests, routingCursors, users } from '../../db/schema/index.js';
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

const ur = alias(users, 'ur');
const uh = alias(users, 'uh');
const a = assistanceRequests;
/** A request with the requester's and helper's display names (null for someone the directory never saw). */
const withNames = (q: Conn) =>
  q.orm
    .select({
      id: a.id,
      tenantId: a.tenantId,
      roomId: a.roomId,
      pageKey: a.pageKey,
      pageUrl: a.pageUrl,
      pageTitle: a.pageTitle,
      field: a.field,
      message: a.message,
      urgency: a.urgency,
      topic: a.topic,
      requesterId: a.requesterId,
      requesterName: ur.displayName,
      helperId: a.helperId,
      helperName: uh.displayName,
      status: a.status,
      state: a.state,
      tried: a.tried,
      offers: a.offers,
      createdAt: a.createdAt,
      firstOfferedAt: a.firstOfferedAt,
      acceptedAt: a.acceptedAt,
      resolvedAt: a.resolvedAt,
    })
    .from(a)
    .leftJoin(ur, and(eq(ur.tenantId, a.tenantId), eq(ur.id, a.requesterId)))
    .leftJoin(uh, and(eq(uh.tenantId, a.tenantId), eq(uh.id, a.helperId)));

// urgency, status and state are the machine's: stored from AssistanceState, so read back as one.
const asRows = (rows: Awaited<ReturnType<typeof withNames>>) => rows as AssistanceRow[];

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

const now = sql`now()`;

export function createAssistanceStore(db: Database) {
  async function insert(
    q: Conn,
    r: { tenantId: string; roomId: string; pageKey: string; pageUrl: string; pageTitle: string; field: string | null; message: string; urgency: string; topic: string | null; requesterId: string },
  ): Promise<string> {
    const [row] = await q.orm
      .insert(a)
      .values({ ...r, status: 'open', state: { status: 'open' } })
      .returning({ id: a.id });
    return row!.id;
  }

  async function get(q: Conn, tenantId: string, id: string, lock = false): Promise<AssistanceRow | undefined> {
    const which = and(eq(a.tenantId, tenantId), eq(a.id, id));
    if (lock) await q.orm.select({ id: a.id }).from(a).where(which).for('update');
    const [row] = asRows(await withNames(q).where(which));
    return row;
  }

  /** Stores the next state; the timestamps of the lifecycle are set once, by the database clock. */
  async function update(q: Conn, id: string, s: AssistanceState, tried: string[]): Promise<void> {
    const helper = s.status === 'offered' || s.status === 'accepted' || s.status === 'resolved' ? s.helperId : null;
    await q.orm
      .update(a)
      .set({
        status: s.status,
        state: s,
        helperId: helper,
        tried,
        version: sql`${a.version} + 1`,
        updatedAt: now,
        ...(s.status === 'offered' ? { offers: sql`${a.offers} + 1`, firstOfferedAt: sql`COALESCE(${a.firstOfferedAt}, now())` } : {}),
        ...(s.status === 'accepted' ? { acceptedAt: now } : {}),
        ...(s.status === 'resolved' ? { resolvedAt: now } : {}),
        ...(s.status === 'cancelled' ? { cancelledAt: now } : {}),
      })
      .where(eq(a.id, id));
  }

  /** Requests each helper holds now (offered or accepted). */
  async function loads(q: Conn, tenantId: string): Promise<Map<string, number>> {
    const rows = await q.orm
      .select({ helperId: sql<string>`${a.helperId}`, n: count() })
      .from(a)
      .where(and(eq(a.tenantId, tenantId), inArray(a.status, ['offered', 'accepted']), isNotNull(a.helperId)))
      .groupBy(a.helperId);
    return new Map(rows.map((r) => [r.helperId, r.n]));
  }

  /** Who accepted requests on this record before, most recent first. */
  async function pastHelpers(q: Conn, tenantId: string, pageKey: string): Promise<string[]> {
    const rows = await q.orm
      .select({ helperId: sql<string>`${a.helperId}` })
      .from(a)
      .where(and(eq(a.tenantId, tenantId), eq(a.pageKey, pageKey), isNotNull(a.acceptedAt), isNotNull(a.helperId)))
      .orderBy(desc(a.acceptedAt))
      .limit(20);
    return [...new Set(rows.map((r) => r.helperId))];
  }

  async function cursors(q: Conn, tenantId: string): Promise<Record<string, string>> {
    const rows = await q.orm.select({ tier: routingCursors.tier, userId: routingCursors.userId }).from(routingCursors).where(eq(routingCursors.tenantId, tenantId));
    return Object.fromEntries(rows.map((r) => [r.tier, r.userId]));
  }

  async function setCursor(q: Conn, tenantId: string, tier: string, userId: string): Promise<void> {
    await q.orm
      .insert(routingCursors)
      .values({ tenantId, tier, userId })
      .onConflictDoUpdate({ target: [routingCursors.tenantId, routingCursors.tier], set: { userId } });
  }

  /** Loads, past helpers on this record and round-robin cursors, in one round trip. */
  async function routingContext(q: Conn, tenantId: string, pageKey: string) {
    // Raw: three aggregates in one statement (one round trip inside the routing transaction); the builder needs three.
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
    const where = and(
      eq(a.tenantId, tenantId),
      f.status?.length ? inArray(a.status, [...f.status]) : undefined,
      f.requesterId ? eq(a.requesterId, f.requesterId) : undefined,
      f.helperId ? eq(a.helperId, f.helperId) : undefined,
    );
    return asRows(await withNames(db).where(where).orderBy(desc(a.createdAt), asc(a.id)).limit(f.limit));
  }

  /** Helpers, experts and fallback users of a tenant: everyone routing may consider. */
  async function candidates(q: Conn, tenantId: string, roles: string[]): Promise<Array<{ userId: string; name: string; roles: string[]; expertise: string[]; perms: RoomPermissions }>> {
    return q.orm
      .select({ userId: users.id, name: users.displayName, roles: users.roles, expertise: users.expertise, perms: users.perms })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), or(sql`cardinality(${users.expertise}) > 0`, roles.length ? arrayOverlaps(users.roles, roles) : undefined)));
  }

  return { insert, get, update, loads, pastHelpers, cursors, routingContext, setCursor, list, candidates };
}
export type AssistanceStore = ReturnType<typeof createAssistanceStore>;
