import { randomUUID } from 'node:crypto';
import type { SendLimit } from '../../auth/send-limit.js';
import type { Conn, Database } from '../../db/client.js';
import { createGroupCommit } from '../../db/group-commit.js';
import { AppError } from '../../errors.js';
import type { Broadcast } from '../../ports/broadcast.js';
import type { Caller } from '../../ports/caller.js';
import type { Logger } from '../../ports/log.js';
import { appendAudit } from '../../db/audit.js';
import type { Directory } from '../../ports/directory.js';
import type { Events, TandemEvent } from '../events/service.js';
import type { Notifications } from '../notifications/service.js';
import { type Author, authorOf, envelope, type RoomRef, roomRefOf } from '../rooms/conversation.js';
import type { ChatMessage } from './messages.js';
import type { ChatStore } from './store.js';
import { bodyProblem, mentionTokens, resolveMentions, type DirectoryEntry } from './text.js';

export interface ChatLimits {
  messageMaxChars: number;
  mentionsMax: number;
  tailSize: number;
}

export type Chat = ReturnType<typeof createChat>;

export function createChat(deps: {
  db: Database;
  store: ChatStore;
  events: Events;
  notifications: Notifications;
  directory: Directory;
  limiter: SendLimit;
  broadcast: Broadcast;
  limits: ChatLimits;
  log: Logger;
}) {
  const { db, store, events, notifications, limits } = deps;

  // The tenant directory, briefly cached: mentions resolve against it on every send.
  const dirCache = new Map<string, { at: number; users: DirectoryEntry[] }>();
  async function directoryOf(tenantId: string, fresh: boolean): Promise<DirectoryEntry[]> {
    const hit = dirCache.get(tenantId);
    if (hit && !fresh && Date.now() - hit.at < 10_000) return hit.users;
    const users = (await deps.directory.list(tenantId)).map((u) => ({ id: u.id, displayName: u.displayName }));
    if (dirCache.size > 1000) dirCache.clear();
    dirCache.set(tenantId, { at: Date.now(), users });
    return users;
  }

  async function mentionsIn(tenantId: string, body: string): Promise<string[]> {
    const tokens = mentionTokens(body);
    if (tokens.length === 0) return [];
    let ids = resolveMentions(body, await directoryOf(tenantId, false));
    // Someone may have joined the tenant since the directory was cached: look again, once.
    if (ids.length < tokens.length) ids = resolveMentions(body, await directoryOf(tenantId, true));
    if (ids.length > limits.mentionsMax) {
      throw new AppError('validation_failed', `A message may mention at most ${limits.mentionsMax} people (this one mentions ${ids.length})`);
    }
    return ids;
  }

  function checkBody(body: string) {
    const problem = bodyProblem(body, limits.messageMaxChars);
    if (problem) throw new AppError('validation_failed', problem);
  }

  const broadcast = (ref: RoomRef, e: TandemEvent) => deps.broadcast.toRoom(ref.tenantId, ref.roomId, 'room:event', envelope(e));

  const snippet = (s: string) => (s.length > 140 ? `${s.slice(0, 139)}…` : s);

  /** Sends a message (or a thread reply). Acknowledged after commit; a resend with the same client id returns the original. */
  async function send(c: Caller, input: { body: string; clientMsgId?: string | undefined; threadRootId?: string | undefined }) {
    const ref = roomRefOf(c, 'comment');
    const author = authorOf(c);
    checkBody(input.body);
    const limitKey = `${ref.tenantId}\u0000${author.type}:${author.id}`;
    try {
      await deps.limiter.take(limitKey);
    } catch (err) {
      // A resend of an accepted message is not a new send: it gets its original ack even now.
      const prior = input.clientMsgId && (await store.byClientId(ref.tenantId, ref.roomId, author.id, input.clientMsgId));
      if (prior) return { message: prior, duplicate: true };
      throw err;
    }
    let root: ChatMessage | undefined;
    if (input.threadRootId) {
      root = await store.get(db, ref.tenantId, ref.roomId, input.threadRootId);
      if (!root) throw new AppError('not_found', 'No such message in this room to reply to');
      if (root.threadRootId) throw new AppError('validation_failed', 'Reply to the thread root, not to a reply');
      if (root.deleted) throw new AppError('conflict', 'That message was deleted');
    }
    const mentions = await mentionsIn(ref.tenantId, input.body);
    let ev: TandemEvent | null;
    try {
      ev = await groupCommit({ ref, author, input, root, mentions });
    } catch (err) {
      await deps.limiter.refund(limitKey);
      throw err;
    }
    if (!ev) {
      // A resend (or a race with one) gets the original; the token goes back.
      await deps.limiter.refund(limitKey);
      const prior = await store.byClientId(ref.tenantId, ref.roomId, author.id, input.clientMsgId!);
      if (!prior) throw new AppError('unavailable', 'The message could not be stored; resend it');
      return { message: prior, duplicate: true };
    }
    return { message: ev.data.message as ChatMessage, duplicate: false };
  }

  interface Job {
    ref: RoomRef;
    author: Author;
    input: { body: string; clientMsgId?: string | undefined };
    root: ChatMessage | undefined;
    mentions: string[];
  }
  /** A queued send: resolves with its event once committed, or null when it was a resend. */
  interface Queued extends Job {
    resolve: (e: TandemEvent | null) => void;
    reject: (err: unknown) => void;
  }

  const newMessage = (j: Job, id: string) => ({
    id,
    tenantId: j.ref.tenantId,
    roomId: j.ref.roomId,
    pageKey: j.ref.pageKey,
    author: j.author,
    body: j.input.body,
    mentions: j.mentions,
    threadRootId: j.root?.id ?? null,
    clientMsgId: j.input.clientMsgId ?? null,
  });

  /** Nothing but messages and their events to write: no thread reply to count, nobody mentioned to notify. */
  const plain = (j: Job) => !j.root && j.mentions.length === 0;

  /**
   * A batch of plain sends (see `plain`) in one statement, its own transaction: messages, events
   * and webhook outbox commit together, in one round trip instead of four (BEGIN, insert, publish,
   * COMMIT). Returns the event of each message written; a job without one was a resend.
   */
  async function writePlain(jobs: Job[]): Promise<Map<Job, TandemEvent>> {
    const byId = new Map<string, Job>(jobs.map((j) => [randomUUID(), j]));
    const { written, tx } = await store.insertBatchPublished(db, [...byId].map(([id, j]) => newMessage(j, id)), 'chat.message.created');
    events.track(tx, written.map((w) => w.event.tenantId));
    return new Map(written.map((w) => [byId.get(w.message.id)!, w.event]));
  }

  /**
   * Writes a batch of sends from any rooms in `tx`, in a fixed number of statements: the messages
   * with every room's positions (resends skipped), the thread reply counts, the events with their
   * webhook deliveries; then notifications for the few that mention someone or reply in a thread.
   * Returns the event of each message written; a job without one was a resend.
   */
  async function writeBatch(tx: Conn, jobs: Job[]): Promise<Map<Job, TandemEvent>> {
    // Thread roots first, like edits and reactions (message row, then the room's position), so
    // a reply and a reaction on its root never wait for each other in opposite orders.
    const roots = [...new Set(jobs.flatMap((j) => (j.root ? [j.root.id] : [])))];
    if (roots.length > 0) await store.lockMessages(tx, roots);
    const ids = jobs.map(() => randomUUID());
    const inserted = await store.insertBatch(
      tx,
      jobs.map((j, i) => newMessage(j, ids[i]!)),
    );
    const byId = new Map(inserted.map((m) => [m.id, m]));
    const written: Array<{ job: Job; message: ChatMessage }> = [];
    jobs.forEach((job, i) => {
      const message = byId.get(ids[i]!);
      if (message) written.push({ job, message });
    });
    // Replies: each root's count moves once; each reply carries the count it made.
    const bumps = new Map<string, number>();
    for (const w of written) if (w.job.root) bumps.set(w.job.root.id, (bumps.get(w.job.root.id) ?? 0) + 1);
    const counts = await store.bumpRepliesBatch(tx, bumps);
    const seen = new Map<string, number>();
    const evs = await events.publishMany(
      tx,
      written.map(({ job, message }) => {
        const data: Record<string, unknown> = { message };
        if (job.root) {
          const k = (seen.get(job.root.id) ?? 0) + 1;
          seen.set(job.root.id, k);
          data.thread = { rootId: job.root.id, replyCount: (counts.get(job.root.id) ?? 0) - bumps.get(job.root.id)! + k };
        }
        return { tenantId: job.ref.tenantId, type: 'chat.message.created', roomId: job.ref.roomId, pageKey: job.ref.pageKey, actor: job.author, data, roomSeq: message.seq };
      }),
    );
    const out = new Map<Job, TandemEvent>();
    for (let i = 0; i < written.length; i++) {
      const { job, message } = written[i]!;
      out.set(job, evs[i]!);
      if (job.mentions.length > 0 || job.root) await notifyFor(tx, job.ref, job.author, message, job.mentions, job.root);
    }
    return out;
  }

  /**
   * Sends from all rooms share one transaction (the group commit, db/group-commit.ts): nothing is
   * acknowledged (or broadcast) before its batch has committed. A failed batch is retried send by
   * send, so each gets its own outcome. Repeats of one (room, author, client id) inside a batch
   * ride with the first and come back as resends.
   */
  const gc = createGroupCommit<Queued>({
    name: 'chat',
    maxBatch: 500,
    gather: db.kind === 'pglite',
    log: deps.log,
    commit: commitBatch,
    parts: (batch) => batch.map((j) => [j]),
    async retry([j], cause, alone) {
      if (alone) return j!.reject(cause);
      try {
        const ev = (plain(j!) ? await writePlain([j!]) : await db.transaction((tx) => writeBatch(tx, [j!]))).get(j!);
        if (ev) broadcastSafe(j!.ref, ev);
        j!.resolve(ev ?? null);
      } catch (e) {
        j!.reject(e);
      }
    },
  });
  const stats = gc.stats;

  function groupCommit(j: Job): Promise<TandemEvent | null> {
    return new Promise((resolve, reject) => gc.push({ ...j, resolve, reject }));
  }

  const broadcastSafe = (ref: RoomRef, e: TandemEvent) => {
    try {
      broadcast(ref, e);
    } catch (err) {
      deps.log.error({ err }, 'chat broadcast after commit failed');
    }
  };

  const dedupKey = (j: Job) => (j.input.clientMsgId ? `${j.ref.roomId}\u0000${j.author.id}\u0000${j.input.clientMsgId}` : null);

  /** Writes the batch's first sends in one transaction; repeats settle after their first, as resends of it. */
  async function commitBatch(batch: Queued[]): Promise<number> {
    const leaders: Queued[] = [];
    const firstOf = new Map<string, Queued>();
    const repeats: Queued[] = [];
    for (const j of batch) {
      const k = dedupKey(j);
      if (k && firstOf.has(k)) repeats.push(j);
      else {
        if (k) firstOf.set(k, j);
        leaders.push(j);
      }
    }
    const results = leaders.every(plain) ? await writePlain(leaders) : await db.transaction((tx) => writeBatch(tx, leaders));
    for (const j of leaders) {
      const ev = results.get(j);
      // Broadcast here, in commit order: each room's events go out in position order.
      if (ev) broadcastSafe(j.ref, ev);
      j.resolve(ev ?? null);
    }
    for (const j of repeats) j.resolve(null);
    return leaders.length;
  }

  async function notifyFor(tx: Conn, ref: RoomRef, author: Author, m: ChatMessage, mentions: string[], root: ChatMessage | undefined, onlyNew?: string[]) {
    const link = { roomId: ref.roomId, pageKey: ref.pageKey };
    const told = new Set<string>([author.id]);
    for (const userId of onlyNew ?? mentions) {
      if (told.has(userId)) continue;
      told.add(userId);
      await notifications.notify(tx, {
        tenantId: ref.tenantId,
        userId,
        type: 'mention',
        title: `${author.name} mentioned you`,
        text: { key: 'mention', params: { name: author.name } },
        body: snippet(m.body ?? ''),
        link,
        actor: { type: author.type, id: author.id },
        data: { messageId: m.id, threadRootId: m.threadRootId },
      });
    }
    if (!root || onlyNew) return;
    for (const userId of await store.threadParticipants(tx, root.id)) {
      if (told.has(userId) || mentions.includes(userId)) continue;
      told.add(userId);
      await notifications.notify(tx, {
        tenantId: ref.tenantId,
        userId,
        type: 'reply',
        title: `${author.name} replied in a thread`,
        text: { key: 'reply', params: { name: author.name } },
        body: snippet(m.body ?? ''),
        link,
        actor: { type: author.type, id: author.id },
        data: { messageId: m.id, threadRootId: root.id },
      });
    }
  }

  async function ownMessage(ref: RoomRef, author: Author, messageId: string) {
    const m = await store.get(db, ref.tenantId, ref.roomId, messageId);
    if (!m) throw new AppError('not_found', 'No such message in this room');
    if (m.author.id !== author.id || m.author.type !== author.type) throw new AppError('forbidden', 'You can only change your own messages');
    if (m.deleted) throw new AppError('conflict', 'That message was deleted');
    return m;
  }

  async function edit(c: Caller, messageId: string, body: string) {
    const ref = roomRefOf(c, 'comment');
    const author = authorOf(c);
    checkBody(body);
    const before = await ownMessage(ref, author, messageId);
    const mentions = await mentionsIn(ref.tenantId, body);
    const ev = await db.transaction(async (tx) => {
      await store.edit(tx, messageId, body, mentions);
      const message = (await store.get(tx, ref.tenantId, ref.roomId, messageId))!;
      const fresh = mentions.filter((u) => !before.mentions.includes(u));
      await notifyFor(tx, ref, author, message, mentions, undefined, fresh);
      // The audit trail keeps what the message said before: the event only carries the new text.
      await appendAudit(tx, { tenantId: ref.tenantId, actor: author, action: 'chat.message.edited', subject: `chat:${messageId}`, roomId: ref.roomId, data: { messageId, before: before.body, after: body } });
      return events.publish(tx, { tenantId: ref.tenantId, type: 'chat.message.edited', roomId: ref.roomId, pageKey: ref.pageKey, actor: author, data: { message } });
    });
    broadcast(ref, ev);
    return { message: ev.data.message as ChatMessage };
  }

  async function remove(c: Caller, messageId: string) {
    const ref = roomRefOf(c, 'comment');
    const author = authorOf(c);
    const before = await ownMessage(ref, author, messageId);
    const ev = await db.transaction(async (tx) => {
      await store.softDelete(tx, messageId);
      await appendAudit(tx, { tenantId: ref.tenantId, actor: author, action: 'chat.message.deleted', subject: `chat:${messageId}`, roomId: ref.roomId, data: { messageId, body: before.body } });
      const message = (await store.get(tx, ref.tenantId, ref.roomId, messageId))!;
      return events.publish(tx, { tenantId: ref.tenantId, type: 'chat.message.deleted', roomId: ref.roomId, pageKey: ref.pageKey, actor: author, data: { message } });
    });
    broadcast(ref, ev);
    return { message: ev.data.message as ChatMessage };
  }

  async function react(c: Caller, messageId: string, emoji: string) {
    const ref = roomRefOf(c, 'comment');
    const author = authorOf(c);
    const ev = await db.transaction(async (tx) => {
      // Lock the message: concurrent toggles on it serialize.
      const locked = await store.lockMessage(tx, ref.tenantId, ref.roomId, messageId);
      if (!locked) throw new AppError('not_found', 'No such message in this room');
      if (locked.deleted) throw new AppError('conflict', 'That message was deleted');
      const added = await store.toggleReaction(tx, messageId, author.id, emoji);
      const message = (await store.get(tx, ref.tenantId, ref.roomId, messageId))!;
      return events.publish(tx, {
        tenantId: ref.tenantId,
        type: 'chat.reaction.changed',
        roomId: ref.roomId,
        pageKey: ref.pageKey,
        actor: author,
        data: { message, emoji, userId: author.id, added },
      });
    });
    broadcast(ref, ev);
    return { message: ev.data.message as ChatMessage, added: ev.data.added as boolean };
  }

  async function markRead(c: Caller, seq: number) {
    const ref = roomRefOf(c, 'read');
    const userId = c.id;
    const head = await events.roomHead(ref.roomId);
    await store.setRead(ref.tenantId, ref.roomId, userId, Math.min(seq, head));
    const state = await store.unread(ref.tenantId, ref.roomId, userId);
    deps.broadcast.send({ tenantId: ref.tenantId, users: [userId] }, 'chat:read', { roomId: ref.roomId, ...state });
    return state;
  }

  /** What a joiner gets: the recent tail (newest first), the room's log head and their unread state. */
  async function joinState(c: Caller) {
    const ref = roomRefOf(c, 'read');
    const userId = c.id;
    const [page, head, read] = await Promise.all([
      limits.tailSize > 0 ? store.page(ref.tenantId, ref.roomId, { limit: limits.tailSize }) : { messages: [], nextBefore: null },
      events.roomHead(ref.roomId),
      store.unread(ref.tenantId, ref.roomId, userId),
    ]);
    return { messages: page.messages, nextBefore: page.nextBefore, head, ...read };
  }

  /** Every room event after `afterSeq` (messages, edits, reactions, comments, …), in log order. */
  async function since(c: Caller, afterSeq: number) {
    const ref = roomRefOf(c, 'read');
    const { events: evs, head, complete } = await events.roomLog(ref.tenantId, ref.roomId, afterSeq);
    return { events: evs.map(envelope), head, complete };
  }

  return {
    send,
    edit,
    remove,
    react,
    markRead,
    joinState,
    since,
    history: async (c: Caller, o: { before?: number | undefined; limit: number; threadRootId?: string | undefined }) => {
      const ref = roomRefOf(c, 'read');
      return store.page(ref.tenantId, ref.roomId, o);
    },
    /** Group-commit counters (batches, messages, milliseconds in transactions). */
    stats,
  };
}
