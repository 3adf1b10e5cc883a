import { and, asc, eq, gt, inArray, lt, min, notExists, sql } from 'drizzle-orm';
import type { Conn, Queryable } from '../../db/client.js';
import { EVENT_COLUMNS, toEvent, type EventActor, type EventRow, type TandemEvent } from '../../db/event-row.js';
import { events, streamSeqs, webhookDeliveries } from '../../db/schema/index.js';
import { eventsFrom } from '../../db/outbox.js';
import { roomSeqKey } from '../../db/seqs.js';

export interface PublishInput {
  tenantId: string;
  /** Dotted, e.g. `chat.message.created`; webhooks and stream filters match on it. */
  type: string;
  roomId?: string | null;
  pageKey?: string | null;
  actor: EventActor;
  data: Record<string, unknown>;
}

/** A position in a tenant's log: (transaction id, event id), see `readTenant`. */
export interface TenantCursor {
  tx: string;
  id: number;
}

/**
 * One statement: the event row (with its room position unless given) and one pending webhook
 * delivery per subscribed endpoint (the outbox). Returns the writing transaction's id, which the
 * commit watcher (wake.ts) follows. No NOTIFY here: Postgres serializes the commits of every
 * transaction that issued one, which would cap the whole system at one commit at a time.
 * Raw SQL on purpose: three data-modifying CTEs (position, event, outbox) in one round trip on
 * every publish, inside the caller's transaction; the builder would take three.
 */
export async function insertEvent(q: Queryable, e: PublishInput, roomSeq: number | null): Promise<{ event: TandemEvent; tx: string }> {
  const { rows } = await q.query<EventRow>(
    `WITH seq AS (
       INSERT INTO stream_seqs (key, seq)
       SELECT 'r:' || $3::text, 1 WHERE $3::text IS NOT NULL AND $8::bigint IS NULL
       ON CONFLICT (key) DO UPDATE SET seq = stream_seqs.seq + 1
       RETURNING seq
     ), ev AS (
       INSERT INTO events (tenant_id, type, room_id, page_key, room_seq, actor_type, actor_id, data)
       VALUES ($1, $2, $3::text::uuid, $4, COALESCE($8::bigint, (SELECT seq FROM seq)), $5, $6, $7::jsonb)
       RETURNING ${EVENT_COLUMNS}
     ), outbox AS (
       INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type)
       SELECT $1, w.id, ev.id::bigint, $2 FROM webhook_endpoints w, ev
       WHERE w.tenant_id = $1 AND w.active AND EXISTS (
         SELECT 1 FROM unnest(w.event_types) p
         WHERE p = '*' OR p = $2 OR (right(p, 2) = '.*' AND starts_with($2, left(p, -1)))
       )
     )
     SELECT ev.*, pg_current_xact_id()::text AS tx FROM ev`,
    [e.tenantId, e.type, e.roomId ?? null, e.pageKey ?? null, e.actor.type, e.actor.id, JSON.stringify(e.data), roomSeq],
    'events_insert',
  );
  return { event: toEvent(rows[0]!), tx: rows[0]!.tx! };
}

/**
 * Many events in one statement, with their webhook deliveries (the outbox), in input order: ids
 * are taken in `ord` order, and rows come back sorted by id. `data` is returned as given (not
 * re-read from jsonb), so it must be plain JSON. Every room event must carry its
 * room position (`roomSeq`), taken by the caller in the same transaction (chat takes a whole
 * batch's positions at once); events outside rooms pass roomId null. Returns the transaction id
 * for the commit watcher.
 * Raw SQL on purpose: it is the event statement of chat's group commit (`npm run bench 30`), the
 * same multi-row `unnest` shape as chat's and the op log's batch inserts.
 */
export async function insertEvents(q: Queryable, es: Array<PublishInput & { roomSeq: number | null }>): Promise<{ events: TandemEvent[]; tx: string }> {
  const { rows } = await q.query<{ id: string; room_seq: string | null; created_at: Date | string; tx: string }>(
    `WITH input AS (
       SELECT ord, tenant_id, type, room_id, page_key, room_seq, actor_type, actor_id, data::jsonb AS data
         FROM unnest($1::int[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[])
           AS u(ord, tenant_id, type, room_id, page_key, room_seq, actor_type, actor_id, data)
     ), ${eventsFrom('input')}
     SELECT ev.id::text AS id, ev.room_seq::text AS room_seq, ev.created_at, pg_current_xact_id()::text AS tx FROM ev ORDER BY ev.id`,
    [
      es.map((_, i) => i),
      es.map((e) => e.tenantId),
      es.map((e) => e.type),
      es.map((e) => e.roomId ?? null),
      es.map((e) => e.pageKey ?? null),
      es.map((e) => e.roomSeq),
      es.map((e) => e.actor.type),
      es.map((e) => e.actor.id),
      es.map((e) => JSON.stringify(e.data)),
    ],
    'events_insert_batch',
  );
  if (rows.length !== es.length) throw new Error('insertEvents: not every event was written');
  // Ids are taken in `ord` order, so sorted by id the rows line up with the input; the room
  // positions check it (a mismatch fails the caller's transaction).
  const events = rows.map((r, i): TandemEvent => {
    const e = es[i]!;
    if ((r.room_seq === null ? null : Number(r.room_seq)) !== e.roomSeq) throw new Error('insertEvents: events came back out of input order');
    return {
      id: r.id,
      type: e.type,
      tenantId: e.tenantId,
      roomId: e.roomId ?? null,
      pageKey: e.pageKey ?? null,
      roomSeq: e.roomSeq,
      actor: { type: e.actor.type, id: e.actor.id },
      data: e.data,
      createdAt: new Date(r.created_at).toISOString(),
    };
  });
  return { events, tx: rows[0]?.tx ?? '' };
}

/** A room's log after `afterSeq`, in order. Room positions commit in order, so no horizon is needed. */
export async function readRoom(q: Conn, tenantId: string, roomId: string, afterSeq: number, limit: number): Promise<TandemEvent[]> {
  const rows = await q.orm
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.roomId, roomId), gt(events.roomSeq, afterSeq)))
    .orderBy(asc(events.roomSeq))
    .limit(limit);
  return rows.map(toEvent);
}

export async function roomHead(q: Conn, roomId: string): Promise<number> {
  const [row] = await q.orm.select({ seq: streamSeqs.seq }).from(streamSeqs).where(eq(streamSeqs.key, roomSeqKey(roomId)));
  return row?.seq ?? 0;
}

export async function oldestRoomSeq(q: Conn, roomId: string): Promise<number | null> {
  const [row] = await q.orm.select({ s: min(events.roomSeq) }).from(events).where(eq(events.roomId, roomId));
  return row?.s ?? null;
}

/** Commit horizon: every transaction older than this one has ended (committed or not). */
const horizon = sql`pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * A tenant's log after a cursor, ordered by (transaction id, id). Only events of transactions
 * older than every transaction still running are returned: nothing can later appear before a
 * position already handed out, so a cursor never skips an event that commits late.
 */
export async function readTenant(q: Conn, tenantId: string, after: TenantCursor, limit: number): Promise<Array<TandemEvent & { cursor: TenantCursor }>> {
  const rows = await q.orm
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), sql`(${events.tx}, ${events.id}) > (${after.tx}::xid8, ${after.id}::bigint)`, lt(events.tx, horizon)))
    .orderBy(asc(events.tx), asc(events.id))
    .limit(limit);
  return rows.map((r) => ({ ...toEvent(r), cursor: { tx: r.tx, id: r.id } }));
}

/** The cursor just before anything not yet visible: a fresh subscriber starts here. */
export async function currentCursor(q: Queryable): Promise<TenantCursor> {
  // Raw: no table, only the snapshot function.
  const { rows } = await q.query<{ tx: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS tx`);
  return { tx: rows[0]!.tx, id: 0 };
}

/** Where to resume after event `eventId` of this tenant; undefined if it is unknown (or pruned). */
export async function cursorOf(q: Conn, tenantId: string, eventId: string): Promise<TenantCursor | undefined> {
  if (!/^\d{1,18}$/.test(eventId)) return undefined;
  // The id cast in SQL: an 18-digit id is exact there, not in a JS number.
  const [row] = await q.orm
    .select({ tx: events.tx, id: events.id })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.id, sql<number>`${eventId}::bigint`)));
  return row;
}

export async function oldestCursor(q: Conn, tenantId: string): Promise<TenantCursor> {
  const [row] = await q.orm.select({ tx: events.tx, id: events.id }).from(events).where(eq(events.tenantId, tenantId)).orderBy(asc(events.tx), asc(events.id)).limit(1);
  // Just before the oldest retained event.
  return row ? { tx: row.tx, id: row.id - 1 } : { tx: '0', id: 0 };
}

/** Drops events past retention that no webhook delivery still waits for. */
export async function prune(q: Conn, retentionSeconds: number, batch = 1000): Promise<number> {
  const waitedFor = q.orm
    .select({ one: sql`1` })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, events.id), eq(webhookDeliveries.status, 'pending')));
  const old = q.orm
    .select({ id: events.id })
    .from(events)
    .where(and(lt(events.createdAt, sql`now() - make_interval(secs => ${retentionSeconds})`), notExists(waitedFor)))
    .orderBy(asc(events.id))
    .limit(batch);
  const gone = await q.orm.delete(events).where(inArray(events.id, old)).returning({ id: events.id });
  return gone.length;
}

/** Status of transactions by id: 'committed', 'aborted' or 'in progress' (null when too old to know). */
export async function xactStatus(q: Queryable, txs: string[]): Promise<Map<string, string | null>> {
  // Raw: a function over a list, no table.
  const { rows } = await q.query<{ tx: string; status: string | null }>(`SELECT x AS tx, pg_xact_status(x::xid8) AS status FROM unnest($1::text[]) x`, [txs]);
  return new Map(rows.map((r) => [r.tx, r.status]));
}

/** The channel instances wake each other on when events commit (payload: the tenant id). */
export const WAKE_CHANNEL = 'tandem_events';

// Raw: LISTEN and pg_notify are not queries the builder writes.
export async function listenForWakes(q: Queryable): Promise<void> {
  await q.query(`LISTEN ${WAKE_CHANNEL}`);
}

export async function notifyWakes(q: Queryable, tenants: string[]): Promise<void> {
  await q.query(`SELECT pg_notify('${WAKE_CHANNEL}', t) FROM unnest($1::text[]) t`, [tenants]);
}
