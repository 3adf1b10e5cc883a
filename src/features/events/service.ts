/**
 * The durable per-tenant event log and outbox.
 *
 *   app.events.publish(q: Queryable, e: {
 *     tenantId: string; type: string; roomId?: string | null; pageKey?: string | null;
 *     actor: { type: 'user' | 'app' | 'system'; id: string }; data: Record<string, unknown>;
 *   }): Promise<TandemEvent>
 *
 * Pass the transaction the change commits in (`app.db.transaction(async (tx) => …)`): the event
 * exists iff the change committed. One statement writes the event (with a gap-free position in
 * its room's log when roomId is set) and one pending webhook delivery per subscribed endpoint.
 * A commit watcher follows the transaction and wakes every instance's dispatchers once it has
 * committed; a poll tick (EVENTS_POLL_MS) backs it up. Callers remember nothing else.
 * Event ids are stable strings; webhook receivers and stream clients deduplicate on them.
 *
 *   app.events.publishMany(q, events[]) — the same for a batch (chat's group commit), one statement.
 *   app.events.roomLog(tenantId, roomId, afterSeq, limit?) — what a reconnecting client missed.
 *   app.events.onWake(fn) — dispatchers subscribe; fn(tenantId | null).
 */
import type { Logger } from '../../ports/log.js';
import type { Conn, Database, Queryable } from '../../db/client.js';
import * as store from './store.js';
import type { EventActor, TandemEvent } from '../../db/event-row.js';
import { nextSeq, roomSeqKey } from '../../db/seqs.js';
import type { PublishInput, TenantCursor } from './store.js';
import type { Waker } from './wake.js';

export type { PublishInput, TenantCursor } from './store.js';
export type { EventActor, TandemEvent };

export type Events = ReturnType<typeof createEvents>;

export function createEvents(db: Database, waker: Waker, opts: { retentionSeconds: number; log: Logger }) {
  /** Writes the event in `q`'s transaction; `roomSeq` only when the caller already took the room's next position. */
  async function publish(q: Queryable, e: PublishInput & { roomSeq?: number }): Promise<TandemEvent> {
    if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(e.type) || e.type.length > 100) {
      throw new Error(`event type "${e.type}" must be lowercase dotted words`);
    }
    const { event, tx } = await store.insertEvent(q, e, e.roomSeq ?? null);
    waker.track(tx, e.tenantId);
    return event;
  }

  /**
   * Many events in one statement (same transaction rules as `publish`), returned in input order.
   * Room events must carry their `roomSeq` (taken by the caller in the same transaction).
   */
  async function publishMany(q: Queryable, es: Array<PublishInput & { roomSeq: number | null }>): Promise<TandemEvent[]> {
    if (es.length === 0) return [];
    for (const e of es) {
      if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(e.type) || e.type.length > 100) throw new Error(`event type "${e.type}" must be lowercase dotted words`);
      if (e.roomId && e.roomSeq === null) throw new Error('publishMany: a room event needs its roomSeq');
    }
    const { events, tx } = await store.insertEvents(q, es);
    track(tx, es.map((e) => e.tenantId));
    return events;
  }

  /** For a statement that wrote events itself (through store.eventsFrom): its transaction is followed like publish's. */
  function track(tx: string, tenantIds: Iterable<string>) {
    for (const t of new Set(tenantIds)) waker.track(tx, t);
  }

  /** Takes the room's next log position inside `q`'s transaction (for rows that must carry it, e.g. messages). */
  const nextRoomSeq = (q: Conn, roomId: string) => nextSeq(q, roomSeqKey(roomId));

  /**
   * The room's events after `afterSeq`. `complete` is false when older events were pruned
   * or the gap is larger than `limit`: the client should reload instead of patching.
   */
  async function roomLog(tenantId: string, roomId: string, afterSeq: number, limit = 500) {
    const [events, head] = await Promise.all([store.readRoom(db, tenantId, roomId, afterSeq, limit), store.roomHead(db, roomId)]);
    let complete = events.length < limit || events.at(-1)?.roomSeq === head;
    if (complete && afterSeq < head) {
      const first = events[0]?.roomSeq;
      if (first === undefined || first !== afterSeq + 1) complete = false;
    }
    return { events, head, complete };
  }

  return {
    publish,
    publishMany,
    track,
    nextRoomSeq,
    roomLog,
    roomHead: (roomId: string) => store.roomHead(db, roomId),
    readTenant: (tenantId: string, after: TenantCursor, limit = 500) => store.readTenant(db, tenantId, after, limit),
    currentCursor: () => store.currentCursor(db),
    cursorOf: (tenantId: string, eventId: string) => store.cursorOf(db, tenantId, eventId),
    oldestCursor: (tenantId: string) => store.oldestCursor(db, tenantId),
    prune: () => store.prune(db, opts.retentionSeconds),
    onWake: (fn: (tenantId: string | null) => void) => waker.subscribe(fn),
    nudge: (tenantId: string | null) => waker.nudge(tenantId),
  };
}
