import { randomUUID } from 'node:crypto';
import type { SendLimit } from '../../auth/send-limit.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { Broadcast } from '../../ports/broadcast.js';
import type { Caller } from '../../ports/caller.js';
import type { Events, TandemEvent } from '../events/service.js';
import { isTextKind } from '../fields/messages.js';
import type { Notifications } from '../notifications/service.js';
import { type Author, authorOf, bodyProblem, envelope, type RoomRef, roomRefOf } from '../rooms/conversation.js';
import { moveRange, type TextRange } from './anchor.js';
import type { Comment, Thread } from './messages.js';
import { type CommentStore, toComment } from './store.js';

export type Comments = ReturnType<typeof createComments>;

/** Field comments: threads anchored to a field (and optionally a text range that follows co-editing). */
export function createComments(deps: { db: Database; store: CommentStore; events: Events; notifications: Notifications; limiter: SendLimit; broadcast: Broadcast; maxChars: number }) {
  const { db, store, events } = deps;

  function checkBody(body: string) {
    const p = bodyProblem(body, deps.maxChars);
    if (p) throw new AppError('validation_failed', p.replace('message', 'comment'));
  }

  const broadcast = (ref: RoomRef, e: TandemEvent) => deps.broadcast.toRoom(ref.tenantId, ref.roomId, 'room:event', envelope(e));

  const publish = (tx: Conn, ref: RoomRef, type: string, actor: Author, comment: Comment) =>
    events.publish(tx, { tenantId: ref.tenantId, type, roomId: ref.roomId, pageKey: ref.pageKey, actor: { type: actor.type, id: actor.id }, data: { comment } });

  /** Brings a stored range to the field's current version (and remembers the result). */
  async function current(c: Comment): Promise<Comment> {
    if (!c.range) return c;
    const ops = await store.opsAfter(db, c.roomId, c.field, c.range.version);
    if (ops.length === 0) return c;
    const moved = moveRange(c.range, ops);
    if (moved?.version !== c.range.version || moved === null) await store.saveRange(c.id, moved);
    return { ...c, range: moved };
  }

  async function create(c: Caller, input: { field: string; body: string; parentId?: string | undefined; range?: TextRange | undefined }) {
    const ref = roomRefOf(c, 'comment');
    const author = authorOf(c);
    checkBody(input.body);
    let field = input.field;
    let root: Comment | undefined;
    if (input.parentId) {
      const r = await store.get(db, ref.tenantId, ref.roomId, input.parentId);
      if (!r) throw new AppError('not_found', 'No such comment in this room to reply to');
      root = toComment(r);
      if (root.parentId) throw new AppError('validation_failed', 'Reply to the thread root, not to a reply');
      if (root.deleted) throw new AppError('conflict', 'That comment was deleted');
      if (input.range) throw new AppError('validation_failed', 'Only a thread root carries a text range');
      field = root.field;
    }
    const f = await store.field(db, ref.roomId, field);
    if (!f) throw new AppError('not_found', `The form of this room has no field "${field}"`);
    let range: TextRange | null = null;
    if (input.range) {
      if (!isTextKind(f.kind)) throw new AppError('validation_failed', `Field "${field}" is not a text field; comment on the field without a range`);
      if (input.range.version > f.version) throw new AppError('validation_failed', `Range version ${input.range.version} is ahead of the field (version ${f.version})`);
      range = moveRange(input.range, await store.opsAfter(db, ref.roomId, field, input.range.version));
    }
    await deps.limiter.take(`${ref.tenantId}\u0000${author.type}:${author.id}`, 'comments');
    const ev = await db.transaction(async (tx) => {
      const row = await store.insert(tx, { id: randomUUID(), tenantId: ref.tenantId, roomId: ref.roomId, field, parentId: root?.id ?? null, author, body: input.body, range });
      const comment = toComment(row);
      for (const userId of await store.fieldPeople(tx, ref.roomId, field)) {
        if (userId === author.id) continue;
        await deps.notifications.notify(tx, {
          tenantId: ref.tenantId,
          userId,
          type: 'comment',
          title: root ? `${author.name} replied to a comment on ${field}` : `${author.name} commented on ${field}`,
          text: { key: root ? 'comment_reply' : 'comment', params: { name: author.name, field } },
          body: input.body.length > 140 ? `${input.body.slice(0, 139)}…` : input.body,
          link: { roomId: ref.roomId, pageKey: ref.pageKey, field },
          actor: { type: author.type, id: author.id },
          data: { commentId: comment.id, threadId: root?.id ?? comment.id },
        });
      }
      return publish(tx, ref, 'comment.created', author, comment);
    });
    broadcast(ref, ev);
    return { comment: ev.data.comment as Comment };
  }

  async function load(ref: RoomRef, id: string) {
    const r = await store.get(db, ref.tenantId, ref.roomId, id);
    if (!r) throw new AppError('not_found', 'No such comment in this room');
    return toComment(r);
  }

  async function change(caller: Caller, id: string, what: 'edit' | 'delete' | 'resolve' | 'reopen', body?: string) {
    const ref = roomRefOf(caller, 'comment');
    const actor: Author = authorOf(caller);
    const c = await load(ref, id);
    if (what === 'edit' || what === 'delete') {
      if (c.author.id !== actor.id || c.author.type !== actor.type) throw new AppError('forbidden', 'You can only change your own comments');
      if (c.deleted) throw new AppError('conflict', 'That comment was deleted');
      if (what === 'edit') checkBody(body!);
    } else {
      if (c.parentId) throw new AppError('validation_failed', 'Resolve or reopen the thread root');
      if (what === 'resolve' && c.resolved) throw new AppError('invalid_transition', 'This thread is already resolved');
      if (what === 'reopen' && !c.resolved) throw new AppError('invalid_transition', 'This thread is open');
    }
    const type = { edit: 'comment.edited', delete: 'comment.deleted', resolve: 'comment.resolved', reopen: 'comment.reopened' }[what];
    const ev = await db.transaction(async (tx) => {
      const row = await store.update(tx, id, what, what === 'edit' ? body! : what === 'resolve' ? actor.id : null);
      return publish(tx, ref, type, actor, toComment(row));
    });
    broadcast(ref, ev);
    return { comment: await current(ev.data.comment as Comment) };
  }

  /** Threads of the room, or of one field; ranges moved to the field's current text. */
  async function list(caller: Caller, o: { field?: string | undefined; includeResolved: boolean; limit?: number }): Promise<Thread[]> {
    const ref = roomRefOf(caller, 'read');
    const rows = await store.threads(ref.tenantId, ref.roomId, { field: o.field, includeResolved: o.includeResolved, limit: o.limit ?? 200 });
    const threads = new Map<string, Thread>();
    for (const r of rows) {
      const c = toComment(r);
      if (c.parentId === null) threads.set(c.id, { ...(await current(c)), replies: [] });
    }
    for (const r of rows) if (r.parentId) threads.get(r.parentId)?.replies.push(toComment(r));
    return [...threads.values()];
  }

  return {
    create,
    edit: (c: Caller, id: string, body: string) => change(c, id, 'edit', body),
    remove: (c: Caller, id: string) => change(c, id, 'delete'),
    resolve: (c: Caller, id: string) => change(c, id, 'resolve'),
    reopen: (c: Caller, id: string) => change(c, id, 'reopen'),
    list,
  };
}
