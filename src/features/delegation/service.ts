import { mayRead, rightsFor } from '../../auth/permissions.js';
import type { Config } from '../../config.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { Broadcast } from '../../ports/broadcast.js';
import { type Caller, need, pagePerms, type SystemCaller, type UserCaller } from '../../ports/caller.js';
import type { Logger } from '../../ports/log.js';
import { appendAudit, recordWorkEvent, workHistory } from '../../db/audit.js';
import type { Directory } from '../../ports/directory.js';
import type { Events } from '../events/service.js';
import type { Notifications } from '../notifications/service.js';
import type { Rooms } from '../rooms/service.js';
import type { AfterCommit, Timers } from '../timers/service.js';
import { type LockCache } from './locks.js';
import { decide, type DelegationAction, type DelegationActor, fieldHold, isOpen } from './machine.js';
import type { DelegationView, FieldValue } from './messages.js';
import { createDelegationStore, FieldAlreadyDelegated, toView, type DelegationRow } from './store.js';

export const EXPIRE_TIMER = 'delegation.expire';

/** Who moves a work item: a user (directly, or a business app on a user's behalf: `via`) or the system (timers). */
export type WorkActor = UserCaller | SystemCaller;

export interface DelegationDeps {
  db: Database;
  rooms: Rooms;
  directory: Directory;
  broadcast: Broadcast;
  timers: Timers;
  events: Events;
  notifications: Notifications;
  locks: LockCache;
  config: Config['work'];
  log: Logger;
  now?: () => number;
}

export interface CreateDelegation {
  roomId: string;
  fields: string[];
  assigneeId: string;
  note: string;
  dueAt?: string | null | undefined;
  values: Record<string, FieldValue>;
  meta: Record<string, { label: string; kind: string }>;
}

export type Delegations = ReturnType<typeof createDelegations>;

const machineActor = (a: WorkActor): DelegationActor => (a.kind === 'system' ? { kind: 'system' } : { kind: 'user', userId: a.id, roles: a.user.roles });
const auditActor = (a: WorkActor) => ({ type: a.kind, id: a.id });
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Delegations: create, transition (one machine), list; notifies, audits and publishes every move. */
export function createDelegations(d: DelegationDeps) {
  const store = createDelegationStore(d.db);
  const now = d.now ?? Date.now;
  const rules = { approverRole: d.config.approverRole };

  /**
   * Those of `userIds` who may read the page now, by the rights of their last token (the
   * directory's): a party who lost read on the page hears nothing more of its delegations.
   * Read on `q`: inside a move's transaction its own connection (PGlite has only the one).
   */
  async function readers(q: Conn, tenantId: string, pageKey: string, userIds: Iterable<string>): Promise<string[]> {
    const ids = [...new Set(userIds)];
    const may = new Set((await store.permsOf(q, tenantId, ids)).filter((u) => mayRead(u.perms, pageKey)).map((u) => u.id));
    return ids.filter((id) => may.has(id));
  }

  /** Broadcasts the delegation to its room and to the tabs of both parties who may read its page (one frame, deduplicated by Socket.IO). */
  async function broadcast(view: DelegationView, tenantId: string) {
    const users = await readers(d.db, tenantId, view.pageKey, [view.delegator.id, view.assignee.id]);
    d.broadcast.send({ tenantId, rooms: [view.roomId], users }, 'work:delegation', { delegation: view });
  }

  async function create(actor: UserCaller, input: CreateDelegation): Promise<DelegationView> {
    const tenantId = actor.tenantId;
    const room = await d.rooms.store.get(tenantId, input.roomId);
    if (!room || !mayRead(actor.user.perms, room.pageKey)) throw new AppError('not_found', 'No such room');
    if (!rightsFor(actor.user.perms, room.pageKey).includes('write')) {
      throw new AppError('forbidden', `You have no write permission on page "${room.pageKey}", so you cannot delegate its fields`);
    }
    if (input.assigneeId === actor.id) throw new AppError('bad_request', 'You cannot delegate fields to yourself');
    const assignee = await d.directory.get(tenantId, input.assigneeId);
    if (!assignee) throw new AppError('not_found', `No user "${input.assigneeId}" in this tenant`);
    if (!mayRead(assignee.perms, room.pageKey)) {
      throw new AppError('validation_failed', `${assignee.displayName} cannot read this page, so they cannot work on its fields; delegate to someone who can`, {
        assigneeId: assignee.id,
      });
    }
    let dueAt: Date | null = null;
    if (input.dueAt) {
      dueAt = new Date(input.dueAt);
      if (dueAt.getTime() <= now()) throw new AppError('validation_failed', 'The due time must be in the future');
    }
    const values: Record<string, FieldValue> = {};
    for (const f of input.fields) if (f in input.values) values[f] = input.values[f]!;
    const fields = input.fields.map((name) => ({ name, label: input.meta[name]?.label ?? '', kind: input.meta[name]?.kind ?? 'other' }));

    let id: string;
    try {
      id = await d.db.transaction(async (tx) => {
        const id = await store.insert(tx, {
          tenantId,
          roomId: room.id,
          pageKey: room.pageKey,
          pageUrl: room.url ?? '',
          pageTitle: room.title ?? '',
          delegatorId: actor.id,
          assigneeId: assignee.id,
          fields,
          values,
          note: input.note.trim(),
          dueAt,
          state: { status: 'pending' },
        });
        await recordWorkEvent(tx, { tenantId, subjectType: 'delegation', subjectId: id, from: null, to: 'pending', actor: auditActor(actor), note: input.note });
        const row = (await store.get(tx, tenantId, id))!;
        await sideEffects(tx, row, null, actor, input.note);
        if (dueAt) await d.timers.schedule(tx, { kind: EXPIRE_TIMER, key: id, dueAt, tenantId });
        return id;
      });
    } catch (err) {
      if (err instanceof FieldAlreadyDelegated) {
        const h = await store.holder(d.db, room.id, err.field);
        throw new AppError('conflict', `Field "${err.field}" is already in an open delegation${h ? ` (${h.status}, to ${h.assigneeId})` : ''}`, { field: err.field });
      }
      throw err;
    }
    const row = (await store.get(d.db, tenantId, id))!;
    await d.locks.invalidate(room.id);
    const view = toView(row);
    await broadcast(view, tenantId);
    return view;
  }

  /** Audit, webhook event and notification of one move, in the move's transaction. */
  async function sideEffects(tx: Conn, row: DelegationRow, from: string | null, actor: WorkActor, note: string) {
    const to = row.status;
    const type = from === null ? 'delegation.created' : `delegation.${to}`;
    const data = { delegationId: row.id, from, to, fields: row.fields.map((f) => f.name), delegatorId: row.delegatorId, assigneeId: row.assigneeId, note, dueAt: row.dueAt ? new Date(row.dueAt).toISOString() : null };
    await appendAudit(tx, { tenantId: row.tenantId, actor: auditActor(actor), action: type, subject: `delegation:${row.id}`, roomId: row.roomId, data: { ...data, via: actor.via ?? null } });
    await d.events.publish(tx, { tenantId: row.tenantId, type, roomId: row.roomId, pageKey: row.pageKey, actor: auditActor(actor), data });
    const who = actor.kind === 'user' ? (actor.name ?? actor.id) : 'Tandem';
    const fieldsText = plural(row.fields.length, 'field');
    const page = row.pageTitle || row.pageKey;
    // The other party: the assignee hears the delegator's moves and vice versa; expiry tells both.
    const recipients = new Set<string>();
    if (actor.kind === 'system') [row.delegatorId, row.assigneeId].forEach((u) => recipients.add(u));
    else if (actor.id === row.assigneeId) recipients.add(row.delegatorId);
    else {
      recipients.add(row.assigneeId);
      if (actor.id !== row.delegatorId) recipients.add(row.delegatorId);
    }
    const titles: Record<string, string> = {
      pending: `${who} delegated ${fieldsText} of ${page} to you`,
      accepted: `${who} accepted your delegation on ${page}`,
      declined: `${who} declined your delegation on ${page}`,
      submitted: `${who} submitted the delegated ${fieldsText} of ${page} for approval`,
      approved: `${who} approved your work on ${page}`,
      rejected: `${who} sent the delegated ${fieldsText} of ${page} back`,
      cancelled: `${who} cancelled the delegation on ${page}`,
      expired: `The delegation on ${page} expired`,
    };
    for (const userId of await readers(tx, row.tenantId, row.pageKey, recipients)) {
      await d.notifications.notify(tx, {
        tenantId: row.tenantId,
        userId,
        type: 'delegation',
        title: titles[to]!.slice(0, 300),
        text: { key: `delegation_${to}`, params: { name: who.slice(0, 300), n: row.fields.length, page: page.slice(0, 300) } },
        body: note.slice(0, 4000),
        link: { roomId: row.roomId, pageKey: row.pageKey, ...(row.pageUrl ? { url: row.pageUrl.slice(0, 2048) } : {}), ...(row.fields[0] ? { field: row.fields[0].name } : {}) },
        actor: auditActor(actor),
        data: { delegationId: row.id, status: to, fields: row.fields.map((f) => f.name) },
      });
    }
  }

  /**
   * One move of the machine inside `tx`: lock, decide, store, audit, publish, notify. A
   * refusal throws before anything is written. Returns what to do after commit.
   */
  async function transitionIn(
    tx: Conn,
    actor: WorkActor,
    id: string,
    action: DelegationAction,
    opts: { note?: string | undefined; values?: Record<string, FieldValue> | undefined; at?: number } = {},
  ): Promise<{ view: DelegationView; after: AfterCommit }> {
    const tenantId = actor.tenantId;
    const row = await store.get(tx, tenantId, id, true);
    // Acting needs read on the page first (unreadable answers as missing); the machine's role rules come on top.
    if (!row || !mayRead(pagePerms(actor), row.pageKey)) throw new AppError('not_found', 'No such delegation');
    const facts = { delegatorId: row.delegatorId, assigneeId: row.assigneeId, dueAt: row.dueAt ? new Date(row.dueAt).getTime() : null, state: row.state };
    const decision = decide(facts, { action, note: opts.note }, machineActor(actor), rules, opts.at ?? now());
    if (!decision.ok) throw new AppError(decision.code, decision.message, { status: row.status, action });
    let submitted: Record<string, unknown> | undefined;
    if (action === 'submit') {
      submitted = {};
      const names = new Set(row.fields.map((f) => f.name));
      for (const [k, v] of Object.entries(opts.values ?? {})) if (names.has(k)) submitted[k] = v;
    }
    await store.update(tx, id, decision.to, submitted);
    if (!isOpen(decision.to.status)) {
      await store.release(tx, id);
      if (action !== 'expire') await d.timers.cancel(tx, EXPIRE_TIMER, id);
    }
    const note = (opts.note ?? '').trim();
    await recordWorkEvent(tx, { tenantId, subjectType: 'delegation', subjectId: id, from: decision.from, to: decision.to.status, actor: auditActor(actor), note });
    const updated = (await store.get(tx, tenantId, id))!;
    await sideEffects(tx, updated, decision.from, actor, note);
    const view = toView(updated);
    return {
      view,
      after: async () => {
        await d.locks.invalidate(row.roomId);
        await broadcast(view, tenantId);
      },
    };
  }

  async function transition(
    actor: WorkActor,
    id: string,
    action: DelegationAction,
    opts: { note?: string | undefined; values?: Record<string, FieldValue> | undefined } = {},
  ): Promise<DelegationView> {
    const { view, after } = await d.db.transaction((tx) => transitionIn(tx, actor, id, action, opts));
    await after();
    return view;
  }

  /** Whoever may read the page sees its delegations; nobody else, whatever their role (the parties and approvers included). */
  async function get(viewer: Caller, id: string) {
    const row = await store.get(d.db, viewer.tenantId, id);
    if (!row || !mayRead(pagePerms(viewer), row.pageKey)) throw new AppError('not_found', 'No such delegation');
    return { ...toView(row), history: await workHistory(d.db, viewer.tenantId, id) };
  }

  async function list(viewer: Caller, f: Parameters<typeof store.list>[1]) {
    return (await store.list(viewer.tenantId, f)).filter((r) => mayRead(pagePerms(viewer), r.pageKey)).map(toView);
  }

  /** The open delegations of the caller's room (the join answer). */
  async function openInRoom(c: Caller) {
    return (await store.openInRoom(c.tenantId, need(c, 'read').roomId)).map(toView);
  }

  /** The field write guard (registered with rooms): only the assignee writes a held field; nobody while under review. */
  async function guard(w: { tenantId: string; roomId: string; field: string; userId: string }) {
    const lock = (await d.locks.get(w.roomId)).get(w.field);
    if (!lock) return;
    const hold = fieldHold(lock.status);
    if (hold === 'free' || (hold === 'assignee' && lock.assigneeId === w.userId)) return;
    const details = { field: w.field, delegationId: lock.delegationId, assignee: { id: lock.assigneeId, name: lock.assigneeName }, status: lock.status };
    if (hold === 'frozen') {
      throw new AppError('forbidden', `"${w.field}" was submitted by ${lock.assigneeName} and is under review; it cannot be changed until it is approved or sent back`, details);
    }
    throw new AppError('forbidden', `"${w.field}" is delegated to ${lock.assigneeName}; only they may change it until the delegation is approved`, details);
  }

  return { create, transition, transitionIn, get, list, openInRoom, guard, broadcast, rules };
}
