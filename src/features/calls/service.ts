/**
 * Calls between the people on a page: ringing, accepting, leaving, and relaying WebRTC signals
 * (offer, answer, ICE) between the legs of one call. The media never touch the server; what does
 * is checked like every other message: the sender reads the page and is in the call, the target
 * is another leg of it, the tenant is the caller's, the rate is bounded.
 */
import type { SendLimit } from '../../auth/send-limit.js';
import type { Config } from '../../config.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { Broadcast } from '../../ports/broadcast.js';
import { mayRead } from '../../auth/permissions.js';
import { type Caller, need, pagePerms, systemCaller, type UserCaller } from '../../ports/caller.js';
import type { Logger } from '../../ports/log.js';
import { appendAudit } from '../../db/audit.js';
import type { Events } from '../events/service.js';
import type { UserStatus } from '../presence/messages.js';
import type { AfterCommit, DueTimer, Timers } from '../timers/service.js';
import { iceServersFor } from './ice.js';
import { type CallDecision, type CallEvent, type CallFacts, decideCall, type Leg, startCall } from './machine.js';
import type { CallView } from './messages.js';
import { type CallRow, type CallStore, toCallView } from './store.js';

export const RING_TIMER = 'call.ring';

/** Who is on a page now, and their presence status (what presence announced). */
export interface CallPeople {
  inRoom(tenantId: string, roomId: string): Promise<Array<{ userId: string; name: string }>>;
  /** Ids of the connections presence knows in the room (a crashed instance's expire after PRESENCE_TTL_MS). */
  connections(tenantId: string, roomId: string): Promise<Set<string>>;
  statuses(tenantId: string, userIds: readonly string[]): Promise<Map<string, UserStatus>>;
}
/** The help request a call is made from (assistance's store, read only). */
export interface HelpLookup {
  get(tenantId: string, id: string): Promise<{ roomId: string; requesterId: string; helperId: string | null; status: string; urgency: 'normal' | 'urgent' } | undefined>;
}

export interface CallDeps {
  db: Database;
  store: CallStore;
  events: Events;
  timers: Timers;
  broadcast: Broadcast;
  people: CallPeople;
  help: HelpLookup;
  /** Signals per user (ICE candidates come in bursts). */
  signalLimit: SendLimit;
  /** Rings per user. */
  ringLimit: SendLimit;
  config: Config['calls'];
  log: Logger;
  now?: () => number;
}

export type Skipped = { userId: string; reason: 'dnd' | 'absent' };
export type Calls = ReturnType<typeof createCalls>;

export function createCalls(d: CallDeps) {
  const now = d.now ?? Date.now;
  const max = d.config.maxParticipants;
  const ice = (userId: string) => iceServersFor(d.config, userId, now());
  const actorOf = (c: Caller) => ({ type: c.kind, id: c.id });
  const limitKey = (c: Caller) => `${c.tenantId}\u0000call:${c.id}`;

  /** Everyone the call concerns: the people in it and the people it rings (all their tabs). */
  const audienceOf = (r: CallRow) => [...new Set([r.callerId, ...r.facts.invitees.map((i) => i.userId), ...r.facts.legs.map((l) => l.userId)])];

  /** Audit + webhook event of one move, in its transaction. */
  async function record(tx: Conn, r: CallRow, type: string, c: Caller, extra: Record<string, unknown> = {}) {
    const data = { callId: r.id, status: r.facts.phase.status, callerId: r.callerId, helpRequestId: r.helpRequestId, urgent: r.urgent, participants: r.facts.participants, ...extra };
    await appendAudit(tx, { tenantId: r.tenantId, actor: actorOf(c), action: type, subject: `call:${r.id}`, roomId: r.roomId, data });
    await d.events.publish(tx, { tenantId: r.tenantId, type, roomId: r.roomId, pageKey: r.pageKey, actor: actorOf(c), data });
  }

  /** Records what a decision did (joined, left, started, ended) and keeps the ring timer in step. */
  async function recordDecision(tx: Conn, r: CallRow, dec: Extract<CallDecision, { ok: true }>, c: Caller, before: CallFacts) {
    if (dec.started) await record(tx, r, 'call.started', c);
    if (dec.joined && !dec.started) await record(tx, r, 'call.joined', c, { userId: dec.joined.userId });
    if (dec.left) await record(tx, r, 'call.left', c, { userId: dec.left.userId });
    for (const i of r.facts.invitees) {
      const was = before.invitees.find((b) => b.userId === i.userId)?.answer;
      if (was === 'ringing' && i.answer === 'declined') await record(tx, r, 'call.declined', c, { userId: i.userId });
    }
    if (dec.ended) {
      const p = r.facts.phase;
      const durationMs = p.status === 'ended' && p.startedAt !== null ? p.endedAt - p.startedAt : 0;
      await record(tx, r, 'call.ended', c, { reason: dec.ended, durationMs });
    }
    if (dec.ended || !r.facts.invitees.some((i) => i.answer === 'ringing')) await d.timers.cancel(tx, RING_TIMER, r.id);
  }

  /** Applies one move to a locked call; throws the machine's refusal untouched. */
  async function move(tx: Conn, r: CallRow, ev: CallEvent, c: Caller): Promise<{ row: CallRow; dec: Extract<CallDecision, { ok: true }> }> {
    const dec = decideCall(r.facts, ev, max, now());
    if (!dec.ok) throw new AppError(dec.code, dec.message, { callId: r.id, status: r.facts.phase.status });
    const row = { ...r, facts: dec.next };
    if (!dec.changed) return { row, dec };
    await d.store.update(tx, r.id, dec.next);
    await recordDecision(tx, row, dec, c, r.facts);
    return { row, dec };
  }

  /**
   * Legs whose connection is gone without leaving (their instance crashed: no disconnect ran)
   * leave now, so a dead leg neither fills the mesh nor keeps the room's call alive for ever.
   */
  async function withoutGhosts(tx: Conn, r: CallRow, live: Set<string> | null): Promise<CallRow> {
    if (!live) return r;
    for (const leg of r.facts.legs) {
      if (live.has(leg.connId) || r.facts.phase.status === 'ended') continue;
      r = (await move(tx, r, { type: 'leave', connId: leg.connId }, systemCaller(r.tenantId, 'connection-gone'))).row;
    }
    return r;
  }

  /** The room's connections, when presence can be trusted to list them: it must know the asking one (else it is behind, or Redis is out). */
  async function liveConnections(tenantId: string, roomId: string, asking: string): Promise<Set<string> | null> {
    const conns = await d.people.connections(tenantId, roomId).catch(() => null);
    return conns?.has(asking) ? conns : null;
  }

  const announce = (r: CallRow) => d.broadcast.send({ tenantId: r.tenantId, users: audienceOf(r) }, 'call:update', { call: toCallView(r) });

  /** The call a room-scoped message names: in the caller's tenant and in the room it reads. */
  async function callIn(q: Conn, c: UserCaller, callId: string, lock: boolean): Promise<CallRow> {
    const room = need(c, 'read');
    const r = await d.store.get(q, c.tenantId, callId, lock);
    if (!r || r.roomId !== room.roomId) throw new AppError('not_found', 'No such call on this page');
    return r;
  }

  /** Whom a ring reaches: the other party of an accepted help request, the people named, or everyone else on the page. */
  async function targetsOf(c: UserCaller, roomId: string, input: { helpRequestId?: string | undefined; userIds?: string[] | undefined }) {
    let wanted: string[] | null = input.userIds ?? null;
    let urgent = false;
    if (input.helpRequestId) {
      const h = await d.help.get(c.tenantId, input.helpRequestId);
      if (!h || h.roomId !== roomId) throw new AppError('not_found', 'No such help request on this page');
      if (c.id !== h.requesterId && c.id !== h.helperId) throw new AppError('forbidden', 'Only the person asking for help and their helper call from a help request');
      if (h.status !== 'accepted' || !h.helperId) throw new AppError('invalid_transition', 'A help request can be called once a helper has accepted it');
      wanted = [c.id === h.requesterId ? h.helperId : h.requesterId];
      urgent = h.urgency === 'urgent';
    }
    const present = new Map((await d.people.inRoom(c.tenantId, roomId)).map((p) => [p.userId, p.name]));
    present.delete(c.id);
    const asked = (wanted ?? [...present.keys()]).filter((u) => u !== c.id);
    const skipped: Skipped[] = asked.filter((u) => !present.has(u)).map((userId) => ({ userId, reason: 'absent' as const }));
    const here = asked.filter((u) => present.has(u));
    // Do-not-disturb holds every ring but an urgent help request's.
    const statuses = urgent ? new Map<string, UserStatus>() : await d.people.statuses(c.tenantId, here);
    const rung = here.filter((u) => statuses.get(u) !== 'dnd').map((userId) => ({ userId, name: present.get(userId)! }));
    for (const u of here) if (statuses.get(u) === 'dnd') skipped.push({ userId: u, reason: 'dnd' });
    return { rung, skipped, urgent, asked };
  }

  /** Starts a call (or, from inside one, rings more people into it). Nobody is connected until they accept. */
  async function ring(c: UserCaller, connId: string, input: { roomId: string; helpRequestId?: string | undefined; userIds?: string[] | undefined }) {
    const room = need(c, 'read');
    await d.ringLimit.take(limitKey(c), 'call invitations');
    const { rung, skipped, urgent, asked } = await targetsOf(c, room.roomId, input);
    if (rung.length === 0) {
      const why = skipped.map((s) => `${s.userId} ${s.reason === 'dnd' ? 'is in do-not-disturb' : 'is not on this page'}`).join(', ');
      throw new AppError('conflict', asked.length === 0 ? 'Nobody else is on this page to call' : `Nobody could be rung: ${why}`, { skipped });
    }
    const leg: Leg = { connId, userId: c.id, name: c.name ?? c.id, joinedAt: now() };
    const conns = await liveConnections(c.tenantId, room.roomId, connId);
    const { row, after } = await d.db.transaction(async (tx) => {
      const found = await d.store.live(tx, c.tenantId, room.roomId, true);
      const pruned = found && (await withoutGhosts(tx, found, conns));
      const live = pruned && pruned.facts.phase.status !== 'ended' ? pruned : undefined;
      let row: CallRow;
      if (live) {
        if (!live.facts.legs.some((l) => l.connId === connId)) throw new AppError('conflict', 'A call is already going on on this page', { callId: live.id });
        row = (await move(tx, live, { type: 'invite', connId, users: rung }, c)).row;
      } else {
        const dec = startCall(leg, rung, max, now());
        if (!dec.ok) throw new AppError(dec.code, dec.message);
        const made = await d.store.insert(tx, { tenantId: c.tenantId, roomId: room.roomId, pageKey: room.pageKey, callerId: c.id, helpRequestId: input.helpRequestId ?? null, urgent, facts: dec.next });
        if (!made) throw new AppError('conflict', 'A call was just started on this page; join it instead');
        row = made;
      }
      await record(tx, row, 'call.ringing', c, { invited: rung.map((u) => u.userId) });
      await d.timers.cancel(tx, RING_TIMER, row.id);
      await d.timers.schedule(tx, { kind: RING_TIMER, key: row.id, dueAt: now() + d.config.ringTimeoutMs, tenantId: c.tenantId });
      const after = () => {
        if (pruned && !live) announce(pruned);
        ringOut(row, c, rung.map((u) => u.userId));
      };
      return { row, after };
    });
    after();
    return { call: toCallView(row), rung: rung.map((u) => u.userId), skipped, ...ice(c.id) };
  }

  function ringOut(r: CallRow, c: UserCaller, userIds: string[]) {
    d.broadcast.send({ tenantId: r.tenantId, users: userIds }, 'call:ring', { call: toCallView(r), from: { userId: c.id, name: c.name ?? c.id }, urgent: r.urgent });
    announce(r);
  }

  /** Joins a call one was rung for; the answer lists the legs to send offers to. */
  async function accept(c: UserCaller, connId: string, callId: string) {
    const conns = await liveConnections(c.tenantId, need(c, 'read').roomId, connId);
    const { row } = await d.db.transaction(async (tx) => {
      const r = await withoutGhosts(tx, await callIn(tx, c, callId, true), conns);
      return move(tx, r, { type: 'accept', leg: { connId, userId: c.id, name: c.name ?? c.id, joinedAt: now() } }, c);
    });
    announce(row);
    return { call: toCallView(row), peers: toCallView(row).legs.filter((l) => l.connId !== connId), ...ice(c.id) };
  }

  async function decline(c: UserCaller, callId: string) {
    const { row } = await d.db.transaction(async (tx) => move(tx, await callIn(tx, c, callId, true), { type: 'decline', userId: c.id }, c));
    announce(row);
    return { call: toCallView(row) };
  }

  /** Hangs up this connection's leg; the call ends when fewer than two are left. */
  async function leave(c: UserCaller, connId: string, callId: string) {
    const { row } = await d.db.transaction(async (tx) => move(tx, await callIn(tx, c, callId, true), { type: 'leave', connId }, c));
    announce(row);
    return { call: toCallView(row) };
  }

  /**
   * A connection left a page (navigated away, closed the tab, lost its right to read it):
   * its leg of the room's call, if it has one, ends with it.
   */
  async function connectionLeft(c: UserCaller, connId: string, roomId: string) {
    const live = await d.store.live(d.db, c.tenantId, roomId);
    if (!live?.facts.legs.some((l) => l.connId === connId)) return;
    const moved = await d.db.transaction(async (tx) => {
      const r = await d.store.get(tx, c.tenantId, live.id, true);
      if (!r || !r.facts.legs.some((l) => l.connId === connId)) return null;
      return move(tx, r, { type: 'leave', connId }, c);
    });
    if (moved) announce(moved.row);
  }

  /** Relays an offer, answer or ICE candidate to one other leg of the call; nothing else reaches anyone. */
  async function signal(c: UserCaller, connId: string, m: { callId: string; to: string; description?: { type: 'offer' | 'answer'; sdp: string } | undefined; candidate?: Record<string, unknown> | undefined }) {
    const r = await callIn(d.db, c, m.callId, false);
    if (r.facts.phase.status === 'ended') throw new AppError('invalid_transition', 'This call has ended', { callId: r.id });
    if (!r.facts.legs.some((l) => l.connId === connId)) throw new AppError('forbidden', 'Join the call before signalling into it');
    if (m.to === connId || !r.facts.legs.some((l) => l.connId === m.to)) throw new AppError('not_found', 'No such participant in this call');
    await d.signalLimit.take(limitKey(c), 'call signals');
    const payload = { callId: r.id, from: connId, userId: c.id, name: c.name ?? c.id, ...(m.description ? { description: m.description } : { candidate: m.candidate }) };
    d.broadcast.send({ tenantId: c.tenantId, connections: [m.to] }, 'call:signal', payload);
    return {};
  }

  /** The ring timer: whoever was still being rung missed it; a call nobody answered ends. */
  async function ringTimedOut(t: DueTimer, tx: Conn): Promise<AfterCommit | void> {
    if (!t.tenantId) return;
    const r = await d.store.get(tx, t.tenantId, t.key, true);
    if (!r || r.facts.phase.status === 'ended') return;
    const { row, dec } = await move(tx, r, { type: 'timeout' }, systemCaller(t.tenantId, 'ring-timer'));
    if (dec.changed) return () => announce(row);
  }

  /** The room's live call (for a page that was reloaded), or null. */
  async function state(c: UserCaller) {
    const room = need(c, 'read');
    const live = await d.store.live(d.db, c.tenantId, room.roomId);
    return { call: live ? toCallView(live) : null, maxParticipants: max };
  }

  async function history(c: Caller, f: { roomId?: string | undefined; limit: number }): Promise<CallView[]> {
    // A user sees the calls of the pages they may read; an API key sees its tenant's.
    return (await d.store.list(d.db, c.tenantId, f)).filter((r) => mayRead(pagePerms(c), r.pageKey)).map(toCallView);
  }

  return { ring, accept, decline, leave, signal, connectionLeft, ringTimedOut, state, history, iceServers: ice };
}
