import { performance } from 'node:perf_hooks';
import { mayRead, type RoomPermissions } from '../../auth/permissions.js';
import type { Config } from '../../config.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { Broadcast } from '../../ports/broadcast.js';
import { type Caller, pagePerms, type SystemCaller, systemCaller, type UserCaller } from '../../ports/caller.js';
import type { Logger } from '../../ports/log.js';
import { appendAudit, recordWorkEvent, workHistory } from '../../db/audit.js';
import type { Events } from '../events/service.js';
import type { Notifications } from '../notifications/service.js';
import type { NotificationText } from '../notifications/messages.js';
import type { PresenceLookup } from '../presence/api.js';
import type { Rooms } from '../rooms/service.js';
import type { AfterCommit, DueTimer, Timers } from '../timers/service.js';
import { type AssistanceActor, type AssistanceEvent, decideAssistance, holderOf, isActive } from './machine.js';
import type { AssistanceView } from './messages.js';
import { type PresenceState, route, type RoutingCandidate, type RoutingDecision } from './routing.js';
import { type AssistanceRow, createAssistanceStore, toAssistanceView } from './store.js';

export const OFFER_TIMER = 'assistance.offer';


export interface AssistanceDeps {
  db: Database;
  rooms: Rooms;
  broadcast: Broadcast;
  timers: Timers;
  events: Events;
  notifications: Notifications;
  presence: PresenceLookup;
  config: Config['work'];
  log: Logger;
  now?: () => number;
  /** Seconds one routing decision took (gathering candidates, presence, loads, and the policy). */
  observeDecision?: (seconds: number) => void;
}

export interface CreateHelp {
  roomId: string;
  field?: string | null | undefined;
  message: string;
  urgency: 'normal' | 'urgent';
  topic?: string | null | undefined;
}

/** Who moves a request: a user (directly, or a business app on a user's behalf) or the system (routing, timers). */
type WorkActor = UserCaller | SystemCaller;
export type Assistance = ReturnType<typeof createAssistance>;

const auditActor = (a: WorkActor) => ({ type: a.kind, id: a.id });
const EVENT_NAMES: Record<string, string> = { open: 'reopened', offered: 'offered', queued: 'queued', accepted: 'accepted', resolved: 'resolved', cancelled: 'cancelled' };

export function createAssistance(d: AssistanceDeps) {
  const store = createAssistanceStore(d.db);
  const now = d.now ?? Date.now;
  const policy = { helperRole: d.config.helperRole, fallbackRole: d.config.fallbackRole };
  const candidateCache = new Map<string, { at: number; users: Promise<Array<RoutingCandidate & { name: string; perms: RoomPermissions }>>; refreshing?: boolean }>();
  const CANDIDATE_TTL = 5_000;

  /**
   * The tenant's possible helpers, cached. A stale entry is served while a refresh runs in the
   * background, so no routing decision waits for the directory scan. Pass the open transaction
   * for a cold load: PGlite runs one transaction at a time, so a query beside it would wait forever.
   */
  function candidates(tenantId: string, q: Conn = d.db) {
    const hit = candidateCache.get(tenantId);
    if (hit && now() - hit.at < CANDIDATE_TTL) return hit.users;
    if (hit && !hit.refreshing) {
      hit.refreshing = true;
      const users = store.candidates(d.db, tenantId, [policy.helperRole, policy.fallbackRole]);
      users.then(
        () => candidateCache.get(tenantId) === hit && candidateCache.set(tenantId, { at: now(), users }),
        () => void (hit.refreshing = false),
      );
      return hit.users;
    }
    if (hit) return hit.users;
    const users = store.candidates(q, tenantId, [policy.helperRole, policy.fallbackRole]);
    users.catch(() => candidateCache.delete(tenantId));
    candidateCache.set(tenantId, { at: now(), users });
    return users;
  }

  /** A user who might help and is not in the cached candidate list makes it reload. */
  async function userSeen(u: { tenantId: string; userId: string; roles: readonly string[]; expertise: readonly string[] }) {
    const hit = candidateCache.get(u.tenantId);
    if (!hit || !(u.expertise.length > 0 || u.roles.includes(policy.helperRole) || u.roles.includes(policy.fallbackRole))) return;
    const list = await hit.users.catch(() => []);
    const known = list.find((c) => c.userId === u.userId);
    if (!known || known.roles.join() !== u.roles.join() || known.expertise.join() !== u.expertise.join()) candidateCache.delete(u.tenantId);
  }

  const canHelp = (u: { roles: readonly string[]; expertise?: readonly string[] }, topic: string | null) =>
    u.roles.includes(policy.helperRole) || u.roles.includes(policy.fallbackRole) || (topic !== null && (u.expertise ?? []).includes(topic));

  /** Every user who sees a request in the helper queue: the helper and fallback roles, if they may read its page. */
  async function queueAudience(tenantId: string, pageKey: string, q?: Conn): Promise<string[]> {
    return (await candidates(tenantId, q))
      .filter((c) => (c.roles.includes(policy.helperRole) || c.roles.includes(policy.fallbackRole)) && mayRead(c.perms, pageKey))
      .map((c) => c.userId);
  }

  /** Reading or acting on a request needs read on its page first; roles and expertise come on top. Unreadable answers as missing. */
  function readable(row: AssistanceRow | undefined | null, viewer: Caller): AssistanceRow {
    if (!row || !mayRead(pagePerms(viewer), row.pageKey)) throw new AppError('not_found', 'No such assistance request');
    return row;
  }

  function emitUpdate(view: AssistanceView, tenantId: string, extra: string[] = []) {
    const users = new Set([view.requester.id, ...(view.helper ? [view.helper.id] : []), ...extra]);
    d.broadcast.send({ tenantId, users: [...users] }, 'work:help', { request: view });
  }

  async function create(actor: UserCaller, input: CreateHelp): Promise<AssistanceView> {
    const tenantId = actor.tenantId;
    const room = await d.rooms.store.get(tenantId, input.roomId);
    if (!room || !mayRead(actor.user.perms, room.pageKey)) throw new AppError('not_found', 'No such room');
    const { row, after } = await d.db.transaction(async (tx) => {
      const id = await store.insert(tx, {
        tenantId,
        roomId: room.id,
        pageKey: room.pageKey,
        pageUrl: room.url ?? '',
        pageTitle: room.title ?? '',
        field: input.field ?? null,
        message: input.message,
        urgency: input.urgency,
        topic: input.topic ?? null,
        requesterId: actor.id,
      });
      await recordWorkEvent(tx, { tenantId, subjectType: 'assistance', subjectId: id, from: null, to: 'open', actor: auditActor(actor), note: input.message });
      const created = (await store.get(tx, tenantId, id))!;
      await record(tx, created, 'assistance.created', actor, { message: input.message });
      return routeIn(tx, created);
    });
    await after();
    return toAssistanceView(row);
  }

  /** Audit + webhook event of one move. */
  async function record(tx: Conn, row: AssistanceRow, type: string, actor: WorkActor, extra: Record<string, unknown> = {}) {
    const data = { requestId: row.id, status: row.status, requesterId: row.requesterId, helperId: row.helperId, urgency: row.urgency, topic: row.topic, field: row.field, ...extra };
    await appendAudit(tx, { tenantId: row.tenantId, actor: auditActor(actor), action: type, subject: `assistance:${row.id}`, roomId: row.roomId, data });
    await d.events.publish(tx, { tenantId: row.tenantId, type, roomId: row.roomId, pageKey: row.pageKey, actor: auditActor(actor), data });
  }

  /** Routes an open request inside `tx`: offers it to the best candidate, or queues it. */
  async function routeIn(tx: Conn, row: AssistanceRow): Promise<{ row: AssistanceRow; after: AfterCommit; decision: RoutingDecision }> {
    const tenantId = row.tenantId;
    const t0 = performance.now();
    const all = await candidates(tenantId, tx);
    // Only people some tier could pick need a presence lookup.
    const tried = new Set(row.tried);
    const users = all.filter(
      (c) =>
        c.userId !== row.requesterId &&
        !tried.has(c.userId) &&
        ((row.topic !== null && c.expertise.includes(row.topic)) || c.roles.includes(policy.helperRole) || c.roles.includes(policy.fallbackRole)) &&
        // A helper is offered only pages they may read.
        mayRead(c.perms, row.pageKey),
    );
    const [statuses, ctx] = await Promise.all([d.presence.statuses(tenantId, users.map((u) => u.userId)), store.routingContext(tx, tenantId, row.pageKey)]);
    const { loads, pastHelpers, cursors } = ctx;
    const decision = route({
      requesterId: row.requesterId,
      topic: row.topic,
      urgent: row.urgency === 'urgent',
      candidates: users,
      presence: (id) => statuses.get(id) ?? 'offline',
      load: (id) => loads.get(id) ?? 0,
      pastHelpers,
      tried: row.tried,
      cursors,
      policy,
    });
    d.observeDecision?.((performance.now() - t0) / 1000);
    const system = systemCaller(tenantId, 'routing');
    const at = now();
    const ev: AssistanceEvent =
      decision.kind === 'offer' ? { type: 'offer', helperId: decision.helperId, tier: decision.tier, deadline: at + d.config.offerTimeoutMs } : { type: 'queue' };
    const next = await apply(tx, row, ev, { kind: 'system' }, system, at, decision.reason);
    if (decision.kind === 'offer') {
      await store.setCursor(tx, tenantId, decision.tier, decision.helperId);
      await d.timers.schedule(tx, { kind: OFFER_TIMER, key: row.id, dueAt: at + d.config.offerTimeoutMs, tenantId, payload: { helperId: decision.helperId, offers: next.offers } });
      await d.notifications.notify(tx, {
        tenantId,
        userId: decision.helperId,
        type: 'assistance',
        urgent: row.urgency === 'urgent',
        title: `${row.requesterName ?? row.requesterId} asks for help on ${row.pageTitle || row.pageKey}`.slice(0, 300),
        text: { key: 'help_offer', params: { name: (row.requesterName ?? row.requesterId).slice(0, 300), page: (row.pageTitle || row.pageKey).slice(0, 300) } },
        body: row.message.slice(0, 4000),
        link: { roomId: row.roomId, pageKey: row.pageKey, ...(row.pageUrl ? { url: row.pageUrl.slice(0, 2048) } : {}), ...(row.field ? { field: row.field } : {}) },
        actor: { type: 'user', id: row.requesterId },
        data: { requestId: row.id, offer: true },
      });
    }
    const view = toAssistanceView(next);
    const after: AfterCommit = async () => {
      if (decision.kind === 'offer') {
 d.broadcast.send({ tenantId, users: [decision.helperId] }, 'work:offer', { request: view, reason: decision.reason, expiresAt: new Date(at + d.config.offerTimeoutMs).toISOString() });
        emitUpdate(view, tenantId);
      } else {
        emitUpdate(view, tenantId, await queueAudience(tenantId, row.pageKey));
      }
    };
    return { row: next, after, decision };
  }

  /** Decides and stores one move; throws the machine's refusal untouched. */
  async function apply(tx: Conn, row: AssistanceRow, ev: AssistanceEvent, actor: AssistanceActor, who: WorkActor, at: number, note = ''): Promise<AssistanceRow> {
    const decision = decideAssistance({ requesterId: row.requesterId, state: row.state, tried: row.tried }, ev, actor, at);
    if (!decision.ok) throw new AppError(decision.code, decision.message, { status: row.status, action: ev.type });
    await store.update(tx, row.id, decision.to, decision.tried);
    await recordWorkEvent(tx, { tenantId: row.tenantId, subjectType: 'assistance', subjectId: row.id, from: decision.from, to: decision.to.status, actor: auditActor(who), note });
    const next = (await store.get(tx, row.tenantId, row.id))!;
    const type = ev.type === 'timeout' ? 'assistance.timed_out' : ev.type === 'decline' ? 'assistance.declined' : `assistance.${EVENT_NAMES[decision.to.status]}`;
    await record(tx, next, type, who, ev.type === 'decline' || ev.type === 'timeout' ? { previousHelperId: holderOf(row.state) } : {});
    return next;
  }

  /** A person's move: accept, decline, resolve or cancel. */
  async function act(actor: UserCaller, id: string, action: 'accept' | 'decline' | 'resolve' | 'cancel'): Promise<AssistanceView> {
    const tenantId = actor.tenantId;
    const { row, after } = await d.db.transaction(async (tx) => {
      const row = readable(await store.get(tx, tenantId, id, true), actor);
      const who: AssistanceActor = { kind: 'user', userId: actor.id, canHelp: canHelp(actor.user, row.topic) };
      const wasQueued = row.status === 'queued' || row.status === 'open';
      const previousHolder = holderOf(row.state);
      const next = await apply(tx, row, { type: action }, who, actor, now());
      const afters: AfterCommit[] = [];
      switch (action) {
        case 'decline': {
          await d.timers.cancel(tx, OFFER_TIMER, id);
          const routed = await routeIn(tx, next);
          afters.push(() => emitUpdate(toAssistanceView(routed.row), tenantId, previousHolder ? [previousHolder] : []), routed.after);
          return { row: routed.row, after: async () => void (await Promise.all(afters.map((f) => f()))) };
        }
        case 'accept':
          await d.timers.cancel(tx, OFFER_TIMER, id);
          await notify(tx, next, next.requesterId, `${actor.name} is helping you`, actor, { key: 'help_accepted', params: { name: actor.name ?? actor.id } });
          break;
        case 'resolve':
          await notify(tx, next, actor.id === next.requesterId ? next.helperId! : next.requesterId, `${actor.name} marked the help request resolved`, actor, { key: 'help_resolved', params: { name: actor.name ?? actor.id } });
          break;
        case 'cancel':
          await d.timers.cancel(tx, OFFER_TIMER, id);
          if (previousHolder) await notify(tx, next, previousHolder, `${actor.name} cancelled the help request`, actor, { key: 'help_cancelled', params: { name: actor.name ?? actor.id } });
          break;
      }
      const view = toAssistanceView(next);
      const audience = wasQueued || next.status === 'cancelled' ? await queueAudience(tenantId, next.pageKey, tx) : [];
      return { row: next, after: () => emitUpdate(view, tenantId, [...audience, ...(previousHolder ? [previousHolder] : [])]) };
    });
    await after();
    return toAssistanceView(row);
  }

  async function notify(tx: Conn, row: AssistanceRow, userId: string, title: string, actor: WorkActor, text: NotificationText) {
    await d.notifications.notify(tx, {
      tenantId: row.tenantId,
      userId,
      type: 'assistance',
      title: title.slice(0, 300),
      text,
      body: row.message.slice(0, 4000),
      link: { roomId: row.roomId, pageKey: row.pageKey, ...(row.pageUrl ? { url: row.pageUrl.slice(0, 2048) } : {}) },
      actor: auditActor(actor),
      data: { requestId: row.id, status: row.status },
    });
  }

  /** The offer timer: the offer was not answered in time, so routing moves on. */
  async function offerTimedOut(t: DueTimer, tx: Conn): Promise<AfterCommit | void> {
    if (!t.tenantId) return;
    const row = await store.get(tx, t.tenantId, t.key, true);
    const p = t.payload as { helperId?: string; offers?: number };
    if (!row || row.state.status !== 'offered' || row.state.helperId !== p.helperId || row.offers !== p.offers) return; // answered meanwhile
    const previous = row.state.helperId;
    const next = await apply(tx, row, { type: 'timeout' }, { kind: 'system' }, systemCaller(t.tenantId, 'offer-timer'), Math.max(now(), row.state.deadline));
    const routed = await routeIn(tx, next);
    const tenantId = t.tenantId;
    return async () => {
      d.broadcast.send({ tenantId, users: [previous] }, 'work:help', { request: toAssistanceView(routed.row) });
      await routed.after();
    };
  }

  async function get(viewer: Caller, id: string) {
    const row = readable(await store.get(d.db, viewer.tenantId, id), viewer);
    if (viewer.kind === 'user' && viewer.id !== row.requesterId && viewer.id !== row.helperId && !canHelp(viewer.user, row.topic)) {
      throw new AppError('not_found', 'No such assistance request');
    }
    return { ...toAssistanceView(row), history: await workHistory(d.db, viewer.tenantId, id) };
  }

  /** The helper queue: requests nobody has taken (queued, or still being routed). */
  async function queue(viewer: Caller) {
    if (viewer.kind === 'user' && !canHelp(viewer.user, null)) throw new AppError('forbidden', `Only users with the ${policy.helperRole} or ${policy.fallbackRole} role see the helper queue`);
    const rows = await store.list(viewer.tenantId, { status: ['queued', 'open'], limit: 200 });
    return rows.filter((r) => mayRead(pagePerms(viewer), r.pageKey)).map(toAssistanceView).reverse();
  }

  /** What the overlay shows a user: offers to answer, their own requests, requests they help with, the queue. */
  async function inbox(user: UserCaller) {
    const tenantId = user.tenantId;
    const [mine, helping] = await Promise.all([
      store.list(tenantId, { requesterId: user.id, status: ['open', 'offered', 'queued', 'accepted'], limit: 20 }),
      store.list(tenantId, { helperId: user.id, status: ['offered', 'accepted'], limit: 20 }),
    ]);
    const seen = (r: AssistanceRow) => mayRead(user.user.perms, r.pageKey);
    return {
      offers: helping.filter((r) => r.status === 'offered' && seen(r)).map(toAssistanceView),
      helping: helping.filter((r) => r.status === 'accepted' && seen(r)).map(toAssistanceView),
      mine: mine.filter(seen).map(toAssistanceView),
      queue: canHelp(user.user, null) ? await queue(user) : [],
    };
  }

  const list = async (viewer: Caller, f: Parameters<typeof store.list>[1]) =>
    (await store.list(viewer.tenantId, f)).filter((r) => mayRead(pagePerms(viewer), r.pageKey)).map(toAssistanceView);

  return { create, act, get, list, queue, inbox, offerTimedOut, userSeen, canHelp, isActive, candidates, store, routeIn };
}
