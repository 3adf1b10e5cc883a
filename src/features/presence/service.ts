import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { Broadcast } from '../../ports/broadcast.js';
import type { Connection } from '../../ports/connection.js';
import type { Logger } from '../../ports/log.js';
import type { JoinContext, LeaveReason } from '../rooms/service.js';
import type { LiveStore } from './live.js';
import type { OnlineUser, Participant, PresenceCaret, PresenceJoinAnswer, PresenceStatus, PresenceUpdate, UserStatus } from './messages.js';
import { type CaretQueue, createCaretQueue } from './carets.js';
import { createStatusReads } from './status.js';
import {
  colorFor,
  type ConnRecord,
  defaultUserState,
  effectiveStatus,
  onlineUsers,
  participantsOf,
  roomCounts,
  roomsOf,
  shortSid,
} from './presence.js';
import type { VisitStore } from './store.js';

export type StatusListener = (tenantId: string, userId: string, status: UserStatus, previous: UserStatus) => void | Promise<void>;

export interface PresenceDeps {
  broadcast: Broadcast;
  instanceId: string;
  live: LiveStore;
  visits: VisitStore;
  log: Logger;
  config: Config['presence'];
  now?: () => number;
}

/** This instance's view of one of its own connections. */
interface LocalConn {
  conn: Connection;
  rec: ConnRecord;
  /** Caret moved since the record was last written (written with the next heartbeat). */
  dirty: boolean;
  /** Store writes for this connection, one at a time, in order. */
  chain: Promise<unknown>;
  caret: CaretQueue;
}

export type Presence = ReturnType<typeof createPresence>;

/**
 * Presence: who is in each room, what they focus and where their caret is, their status.
 * Every instance writes its own connections to the live store and heartbeats them; any
 * instance may claim an expired connection (grace ended, or its instance died) and announce
 * the leave, exactly once. Broadcasts go through Socket.IO rooms (the Redis adapter crosses
 * instances).
 */
export function createPresence(deps: PresenceDeps) {
  const { broadcast, live, visits, log, config } = deps;
  const now = deps.now ?? Date.now;
  const local = new Map<string, LocalConn>();
  /** Last activity reported on this instance, per tenant+user: idle checks skip users active lately. */
  const lastLocalActivity = new Map<string, number>();
  const statusListeners: StatusListener[] = [];
  const userKey = (t: string, u: string) => `${t}\u0000${u}`;

  const run = <T>(lc: LocalConn, fn: () => Promise<T>): Promise<T> => {
    const p = lc.chain.then(fn);
    lc.chain = p.catch(() => undefined);
    return p;
  };

  function ensureLocal(conn: Connection): LocalConn {
    let lc = local.get(conn.id);
    if (lc) return lc;
    const u = conn.user;
    const rec: ConnRecord = {
      connId: conn.id,
      tenantId: u.tenantId,
      userId: u.userId,
      name: u.name,
      avatar: u.avatar ?? null,
      instanceId: deps.instanceId,
      connectedAt: now(),
      disconnectedAt: null,
      rooms: {},
    };
    const created: LocalConn = {
      conn,
      rec,
      dirty: false,
      chain: Promise.resolve(),
      caret: createCaretQueue({
        perSecond: config.caretPerSecond,
        now,
        send(roomId, caret) {
          const entry = rec.rooms[roomId];
          if (!entry) return;
          entry.caret = caret;
          broadcast.send({ tenantId: rec.tenantId, rooms: [roomId], except: rec.connId }, 'presence:caret', { roomId, userId: rec.userId, sid: shortSid(rec.connId), ...caret });
        },
        // Stored with the next heartbeat, not on every move.
        sent: () => void (created.dirty = true),
      }),
    };
    lc = created;
    local.set(conn.id, lc);
    void run(lc, () => live.put(created.rec, now() + config.ttlMs));
    return lc;
  }

  /** This instance's own connections are fresher than their stored copies (carets are stored lazily). */
  const withLocal = (conns: ConnRecord[]) => conns.map((c) => local.get(c.connId)?.rec ?? c);
  const { userState, statusMap, versionedState } = createStatusReads({ live, now, idleMs: config.idleMs, withLocal });

  /** Recomputes a user's status and announces it if it changed; the compare-and-set picks one announcer. */
  async function reconcile(tenantId: string, userId: string): Promise<UserStatus> {
    const conns = await live.userConns(tenantId, userId);
    const state = await userState(tenantId, userId);
    const status = effectiveStatus(state, conns.length > 0, now(), config.idleMs);
    if (status === state.announced) return status;
    const r = await live.updateUser(tenantId, userId, { announced: status }, state, state.announced);
    if (r.applied) await announceStatus(tenantId, userId, status, state.announced, conns);
    return status;
  }

  /**
   * `conns` were read after the state the status comes from (manual, lastActive) was written: if
   * they show no room, a join that comes later reads that state itself, so no room needs telling.
   */
  async function announceStatus(tenantId: string, userId: string, status: UserStatus, previous: UserStatus, conns: ConnRecord[]) {
    // The user's own tabs, plus whoever watches the tenant. Not the whole tenant: N users
    // connecting would cost N² messages.
    broadcast.send({ tenantId, users: [userId], statusWatchers: true }, 'presence:status', { userId, status, previous });
    if (status !== 'offline' && roomsOf(conns).length > 0) {
      const state = await versionedState(tenantId, userId);
      for (const roomId of roomsOf(state.conns)) {
        const participant = state.participantIn(roomId);
        if (participant) broadcast.toRoom(tenantId, roomId, 'presence:update', { roomId, participant });
      }
    }
    for (const fn of statusListeners) {
      try {
        await fn(tenantId, userId, status, previous);
      } catch (err) {
        log.error({ err, tenantId, userId }, 'presence status listener failed');
      }
    }
  }

  /** After a connection left a room: "left" if it was the person's last one there, else an update. */
  async function afterRoomExit(tenantId: string, userId: string, roomId: string) {
    const state = await versionedState(tenantId, userId);
    const participant = state.participantIn(roomId);
    if (participant) {
      broadcast.toRoom(tenantId, roomId, 'presence:update', { roomId, participant });
      return;
    }
    // Versioned too: a "left" wins over an older snapshot that still lists the person.
    broadcast.toRoom(tenantId, roomId, 'presence:leave', { roomId, userId, version: state.version });
    await visits.close(tenantId, roomId, userId, new Date(now())).catch((err) => log.warn({ err }, 'closing a visit failed'));
  }

  /** Writes this connection's record and tells the room about the person's new merged state. */
  async function publish(lc: LocalConn, roomId: string) {
    lc.dirty = false;
    await live.put(lc.rec, now() + config.ttlMs);
    const { tenantId, userId } = lc.rec;
    const participant = (await versionedState(tenantId, userId)).participantIn(roomId);
    if (participant) broadcast.send({ tenantId: tenantId, rooms: [roomId], except: lc.rec.connId }, 'presence:update', { roomId, participant });
    return participant;
  }

  // ---- hooks from the gateway and rooms -------------------------------------------------

  async function connected(conn: Connection) {
    const lc = ensureLocal(conn);
    const { tenantId, userId } = lc.rec;
    lastLocalActivity.set(userKey(tenantId, userId), now());
    await run(lc, async () => {
      await live.updateUser(tenantId, userId, { lastActive: now() }, defaultUserState(now()));
      await reconcile(tenantId, userId);
    });
  }

  async function joined(ctx: JoinContext): Promise<PresenceJoinAnswer> {
    const lc = ensureLocal(ctx.conn);
    const { tenantId, userId } = lc.rec;
    const roomId = ctx.room.id;
    return run(lc, async () => {
      const before = await live.userConns(tenantId, userId);
      const rooms = new Set(roomsOf(before));
      if (!rooms.has(roomId) && rooms.size >= config.maxRoomsPerUser) {
        throw new AppError('rate_limited', `A user may be in at most ${config.maxRoomsPerUser} rooms at once; close a tab first`);
      }
      const wasPresent = before.some((c) => c.rooms[roomId]);
      lc.rec.rooms[roomId] = { pageKey: ctx.membership.pageKey, joinedAt: now(), focus: null, typing: false, caret: null };
      lc.dirty = false;
      await live.put(lc.rec, now() + config.ttlMs);
      // One version for the joiner's broadcast and the whole snapshot, taken before reading it.
      const version = await live.nextVersion(tenantId);
      const all = withLocal(await live.roomConns(tenantId, roomId));
      const statuses = await statusMap(tenantId, [...new Set(all.map((c) => c.userId))]);
      const participants = participantsOf(roomId, all, (id) => statuses.get(id) ?? 'available', version);
      const me = participants.find((p) => p.userId === userId);
      if (me) broadcast.send({ tenantId: tenantId, rooms: [roomId], except: ctx.conn.id }, wasPresent ? 'presence:update' : 'presence:join', { roomId, participant: me });
      if (!wasPresent) await visits.open(tenantId, roomId, userId, new Date(now()));
      return { participants, self: { color: colorFor(roomId, userId) }, version };
    });
  }

  async function left(conn: Connection, roomId: string, reason: LeaveReason) {
    // A dropped connection keeps its rooms through the grace period (see disconnected).
    if (reason === 'disconnect') return;
    const lc = local.get(conn.id);
    if (!lc || !lc.rec.rooms[roomId]) return;
    await run(lc, async () => {
      delete lc.rec.rooms[roomId];
      lc.caret.drop(roomId);
      await live.put(lc.rec, now() + config.ttlMs);
      await live.unindexRoom(lc.rec.tenantId, roomId, lc.rec.connId);
      await afterRoomExit(lc.rec.tenantId, lc.rec.userId, roomId);
    });
  }

  async function disconnected(conn: Connection) {
    const lc = local.get(conn.id);
    if (!lc) return;
    local.delete(conn.id);
    lc.caret.stop();
    await run(lc, async () => {
      lc.rec.disconnectedAt = now();
      // Kept through the grace period: a reload or reconnect shows no leave/join pair.
      await live.put(lc.rec, now() + config.graceMs);
      const { tenantId, userId } = lc.rec;
      const state = await versionedState(tenantId, userId);
      for (const roomId of Object.keys(lc.rec.rooms)) {
        const participant = state.participantIn(roomId);
        if (participant) broadcast.toRoom(tenantId, roomId, 'presence:update', { roomId, participant });
      }
    });
  }

  // ---- socket messages ------------------------------------------------------------------

  async function update(conn: Connection, msg: PresenceUpdate): Promise<{ participant: Participant | null }> {
    const lc = ensureLocal(conn);
    const entry = lc.rec.rooms[msg.roomId];
    if (!entry) throw new AppError('not_found', 'You have not joined this room; send room:join first');
    return run(lc, async () => {
      if (msg.focus !== undefined) {
        entry.focus = msg.focus;
        if (msg.focus === null || entry.caret?.field !== msg.focus) entry.caret = null;
      }
      if (msg.typing !== undefined) entry.typing = msg.typing;
      return { participant: await publish(lc, msg.roomId) };
    });
  }

  /** Coalesced per connection (carets.ts): at most `caretPerSecond` broadcasts, the latest position wins, the last one always goes out. */
  function caret(conn: Connection, msg: PresenceCaret): { queued: boolean } {
    const lc = local.get(conn.id);
    if (!lc || !lc.rec.rooms[msg.roomId]) throw new AppError('not_found', 'You have not joined this room; send room:join first');
    return lc.caret.post(msg.roomId, { field: msg.field, anchor: msg.anchor, head: msg.head });
  }

  async function activity(conn: Connection): Promise<{ status: UserStatus }> {
    const lc = ensureLocal(conn);
    const { tenantId, userId } = lc.rec;
    lastLocalActivity.set(userKey(tenantId, userId), now());
    return run(lc, async () => {
      await live.updateUser(tenantId, userId, { lastActive: now() }, defaultUserState(now()));
      return { status: await reconcile(tenantId, userId) };
    });
  }

  async function setStatus(conn: Connection, status: PresenceStatus): Promise<{ status: UserStatus }> {
    const lc = ensureLocal(conn);
    const { tenantId, userId } = lc.rec;
    lastLocalActivity.set(userKey(tenantId, userId), now());
    return run(lc, async () => {
      await live.updateUser(tenantId, userId, { manual: status, lastActive: now() }, defaultUserState(now()));
      return { status: await reconcile(tenantId, userId) };
    });
  }

  // ---- timers -----------------------------------------------------------------------------

  async function heartbeat() {
    const items: Array<{ tenantId: string; connId: string }> = [];
    const dirty: LocalConn[] = [];
    for (const lc of local.values()) {
      if (lc.dirty) dirty.push(lc);
      else items.push({ tenantId: lc.rec.tenantId, connId: lc.rec.connId });
    }
    await live.touch(items, now() + config.ttlMs);
    for (const lc of dirty) {
      lc.dirty = false;
      await run(lc, () => live.put(lc.rec, now() + config.ttlMs));
    }
  }

  /** Claims expired connections (grace over, or their instance died) and checks local users for idleness. */
  async function sweep() {
    for (;;) {
      const claimed = await live.claimExpired(now(), 500);
      for (const rec of claimed) {
        const stillLocal = local.get(rec.connId);
        if (stillLocal && stillLocal.rec.disconnectedAt === null) {
          // Our own live connection expired (the event loop stalled past the TTL): put it back.
          await live.put(stillLocal.rec, now() + config.ttlMs);
          continue;
        }
        for (const roomId of Object.keys(rec.rooms)) await afterRoomExit(rec.tenantId, rec.userId, roomId);
        await reconcile(rec.tenantId, rec.userId);
      }
      if (claimed.length < 500) break;
    }
    const users = new Set<string>();
    for (const lc of local.values()) {
      const k = userKey(lc.rec.tenantId, lc.rec.userId);
      if (users.has(k)) continue;
      users.add(k);
      const last = lastLocalActivity.get(k) ?? 0;
      if (now() - last >= config.idleMs) await reconcile(lc.rec.tenantId, lc.rec.userId);
    }
    for (const k of lastLocalActivity.keys()) if (!users.has(k)) lastLocalActivity.delete(k);
  }

  const timers: NodeJS.Timeout[] = [];
  const guarded = (name: string, fn: () => Promise<void>) => {
    let running = false;
    return () => {
      if (running) return;
      running = true;
      fn()
        .catch((err) => log.warn({ err }, `presence ${name} failed`))
        .finally(() => (running = false));
    };
  };

  // ---- queries for REST and other features ---------------------------------------------

  async function participants(tenantId: string, roomId: string): Promise<Participant[]> {
    // Read-only: labelled with the current version, read before the state (see versionedState).
    const version = await live.currentVersion(tenantId);
    const conns = withLocal(await live.roomConns(tenantId, roomId));
    const statuses = await statusMap(tenantId, [...new Set(conns.map((c) => c.userId))]);
    return participantsOf(roomId, conns, (id) => statuses.get(id) ?? 'available', version);
  }

  async function getStatus(tenantId: string, userId: string): Promise<UserStatus> {
    const conns = await live.userConns(tenantId, userId);
    return effectiveStatus(await userState(tenantId, userId), conns.length > 0, now(), config.idleMs);
  }

  async function online(tenantId: string): Promise<OnlineUser[]> {
    const conns = await live.tenantConns(tenantId);
    const statuses = await statusMap(tenantId, [...new Set(conns.map((c) => c.userId))]);
    return onlineUsers(conns, (id) => statuses.get(id) ?? 'available');
  }

  async function activeRooms(tenantId: string): Promise<Array<{ roomId: string; participants: number }>> {
    return roomCounts(await live.tenantConns(tenantId));
  }

  return {
    live,
    visits,
    // hooks
    connected,
    joined,
    left,
    disconnected,
    // socket messages
    update,
    caret,
    activity,
    setStatus,
    // for other features (stable names)
    getStatus,
    onStatusChange: (fn: StatusListener) => void statusListeners.push(fn),
    online,
    participants,
    activeRooms,
    /** Forces a heartbeat and a sweep now (tests, shutdown). */
    async tick() {
      await heartbeat();
      await sweep();
    },
    start() {
      timers.push(setInterval(guarded('heartbeat', heartbeat), config.heartbeatMs).unref());
      timers.push(setInterval(guarded('sweep', sweep), config.sweepMs).unref());
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const lc of local.values()) lc.caret.stop();
    },
  };
}
