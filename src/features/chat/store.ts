import { and, asc, count, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Conn, Database } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { chatMessages as m, chatReactions, chatReads } from '../../db/schema/index.js';
import type { ChatMessage } from './messages.js';
import { findLinks } from './text.js';
import type { TandemEvent } from '../../db/event-row.js';
import { eventsFrom } from '../../db/outbox.js';

/** A message with its reactions grouped by emoji (users in the order they reacted). */
const MESSAGE = {
  id: m.id,
  roomId: m.roomId,
  seq: m.seq,
  authorType: m.authorType,
  authorId: m.authorId,
  authorName: m.authorName,
  body: m.body,
  mentions: m.mentions,
  threadRootId: m.threadRootId,
  replyCount: m.replyCount,
  clientMsgId: m.clientMsgId,
  createdAt: m.createdAt,
  editedAt: m.editedAt,
  deletedAt: m.deletedAt,
  reactions: sql<Array<{ emoji: string; users: string[] }> | null>`(
    SELECT json_agg(json_build_object('emoji', x.emoji, 'users', x.users) ORDER BY x.first)
      FROM (SELECT r.emoji, array_agg(r.user_id ORDER BY r.created_at, r.user_id) AS users, min(r.created_at) AS first
              FROM ${chatReactions} r WHERE r.message_id = ${m.id} GROUP BY r.emoji) x)`,
};

type MessageRow = Omit<typeof m.$inferSelect, 'tenantId'> & { reactions: Array<{ emoji: string; users: string[] }> | null };

export function toMessage(r: MessageRow): ChatMessage {
  return {
    id: r.id,
    roomId: r.roomId,
    seq: r.seq,
    author: { type: r.authorType as ChatMessage['author']['type'], id: r.authorId, name: r.authorName },
    body: r.body,
    deleted: r.deletedAt !== null,
    mentions: r.mentions,
    links: r.body === null ? [] : findLinks(r.body),
    threadRootId: r.threadRootId,
    replyCount: r.replyCount,
    reactions: r.reactions ?? [],
    clientMsgId: r.clientMsgId,
    createdAt: iso(r.createdAt)!,
    editedAt: iso(r.editedAt),
    deletedAt: iso(r.deletedAt),
  };
}

export interface NewMessage {
  id: string;
  tenantId: string;
  roomId: string;
  seq: number;
  author: { type: 'user' | 'app'; id: string; name: string };
  body: string;
  mentions: string[];
  threadRootId: string | null;
  clientMsgId: string | null;
}

/**
 * Chat's group-commit insert, the CTEs both batch statements share: skips resends (a row with the
 * same room, author and client id exists already), takes every room's next positions at once
 * (one counter update per room, rows locked in key order and held to commit, so positions commit
 * in order and stay gap-free), and inserts the rest as `ins`; `numbered` has each fresh input row
 * with its position. Parameters: messageParams, then page keys ($12) and message templates ($13,
 * JSON text) for the statement that publishes too (nulls otherwise).
 * Raw SQL on purpose: it is chat's group-commit statement, measured by `npm run bench 30`
 * (the same multi-row `unnest` shape as the op log, where Drizzle's builder cost ~10× per row).
 */
const INSERT_MESSAGES = `WITH input AS (
         SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[], $11::text[], $12::text[], $13::text[])
           AS u(ord, id, tenant_id, room_id, author_type, author_id, author_name, body, mentions, thread_root_id, client_msg_id, page_key, template)
       ), fresh AS (
         SELECT i.* FROM input i
          WHERE i.client_msg_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM chat_messages m WHERE m.room_id = i.room_id AND m.author_id = i.author_id AND m.client_msg_id = i.client_msg_id)
       ), counts AS (
         SELECT room_id, count(*) AS n FROM fresh GROUP BY room_id
       ), seqs AS (
         INSERT INTO stream_seqs (key, seq) SELECT 'r:' || room_id::text, n FROM counts ORDER BY 1
         ON CONFLICT (key) DO UPDATE SET seq = stream_seqs.seq + EXCLUDED.seq
         RETURNING key, seq
       ), numbered AS (
         SELECT f.*, s.seq - c.n + row_number() OVER (PARTITION BY f.room_id ORDER BY f.ord) AS seq
           FROM fresh f JOIN counts c ON c.room_id = f.room_id JOIN seqs s ON s.key = 'r:' || f.room_id::text
       ), ins AS (
         INSERT INTO chat_messages (id, tenant_id, room_id, seq, author_type, author_id, author_name, body, mentions, thread_root_id, client_msg_id)
         SELECT id, tenant_id, room_id, seq, author_type, author_id, author_name, body, ARRAY(SELECT jsonb_array_elements_text(mentions::jsonb)), thread_root_id, client_msg_id
           FROM numbered
         RETURNING id, created_at
       )`;

/** INSERT_MESSAGES followed by `tail` (more CTEs and the final SELECT), with the messages' parameters and then `more`. */
/** `name`: the prepared statement's name, one per `tail`. */
async function insertMessages<R>(q: Conn, name: string, ms: Array<Omit<NewMessage, 'seq'>>, tail: string, more: unknown[]): Promise<R[]> {
  const params = [
    ms.map((_, i) => i),
    ms.map((m) => m.id),
    ms.map((m) => m.tenantId),
    ms.map((m) => m.roomId),
    ms.map((m) => m.author.type),
    ms.map((m) => m.author.id),
    ms.map((m) => m.author.name),
    ms.map((m) => m.body),
    ms.map((m) => JSON.stringify(m.mentions)),
    ms.map((m) => m.threadRootId),
    ms.map((m) => m.clientMsgId),
    ...more,
  ];
  return (await q.query<R & Record<string, unknown>>(`${INSERT_MESSAGES}${tail.startsWith(',') ? '' : '\n'}${tail}`, params, name)).rows;
}

/** A message as it is once inserted, but for its position and time (seq 0, createdAt ''). */
const unsaved = (m: Omit<NewMessage, 'seq'>): ChatMessage => ({
  id: m.id,
  roomId: m.roomId,
  seq: 0,
  author: { type: m.author.type, id: m.author.id, name: m.author.name },
  body: m.body,
  deleted: false,
  mentions: m.mentions,
  links: findLinks(m.body),
  threadRootId: m.threadRootId,
  replyCount: 0,
  reactions: [],
  clientMsgId: m.clientMsgId,
  createdAt: '',
  editedAt: null,
  deletedAt: null,
});

export function createChatStore(db: Database) {
  const messages = (q: Conn) => q.orm.select(MESSAGE).from(m);

  async function get(q: Conn, tenantId: string, roomId: string, id: string): Promise<ChatMessage | undefined> {
    const [row] = await messages(q).where(and(eq(m.tenantId, tenantId), eq(m.roomId, roomId), eq(m.id, id)));
    return row && toMessage(row);
  }

  async function byClientId(tenantId: string, roomId: string, authorId: string, clientMsgId: string) {
    const [row] = await messages(db).where(and(eq(m.tenantId, tenantId), eq(m.roomId, roomId), eq(m.authorId, authorId), eq(m.clientMsgId, clientMsgId)));
    return row && toMessage(row);
  }

  /**
   * A whole batch in one statement (INSERT_MESSAGES). Returns the inserted rows; a message missing
   * from them was a resend. The batch must not repeat a (room, author, client id): the caller
   * folds those together. A resend racing in from another instance hits the unique index and
   * fails the statement (rather than leave a hole in the positions); the caller retries and then
   * sees it as a resend.
   */
  async function insertBatch(q: Conn, ms: Array<Omit<NewMessage, 'seq'>>): Promise<ChatMessage[]> {
    const rows = await insertMessages<{ ord: number; seq: string; created_at: Date | string }>(
      q,
      'chat_insert_batch',
      ms,
      `SELECT n.ord, n.seq::text AS seq, ins.created_at FROM ins JOIN numbered n ON n.id = ins.id`,
      [ms.map(() => null), ms.map(() => null)],
    );
    return rows.map((r) => ({ ...unsaved(ms[r.ord]!), seq: Number(r.seq), createdAt: new Date(r.created_at).toISOString() }));
  }

  /**
   * insertBatch and the messages' `eventType` events (data `{ message }`, room position = the
   * message's) with their webhook outbox, in one statement: run on its own it is its own
   * transaction, one round trip for a whole batch of sends (BEGIN, insert, publish and COMMIT were
   * four; `npm run bench 30`, see the README). The event's copy of the message gets its position
   * and time from the same row, as text (to_char truncates to milliseconds as the driver's Date
   * does, so both read the same). Returns each inserted message with its event, and the
   * transaction id for the commit watcher.
   */
  async function insertBatchPublished(
    q: Conn,
    ms: Array<Omit<NewMessage, 'seq'> & { pageKey: string | null }>,
    eventType: string,
  ): Promise<{ written: Array<{ message: ChatMessage; event: TandemEvent }>; tx: string }> {
    const templates = ms.map(unsaved);
    const rows = await insertMessages<{ ord: number; seq: string; created_at: string; event_id: string; event_created_at: Date | string; tx: string }>(
      q,
      'chat_insert_published',
      ms,
      `, src AS (
         SELECT n.ord, n.tenant_id, $14::text AS type, n.room_id, n.page_key, n.seq AS room_seq, n.author_type AS actor_type, n.author_id AS actor_id,
                jsonb_build_object('message', n.template::jsonb || jsonb_build_object('seq', n.seq, 'createdAt', to_char(ins.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) AS data
           FROM ins JOIN numbered n ON n.id = ins.id
       ), ${eventsFrom('src')}
       SELECT src.ord, src.room_seq::text AS seq, src.data->'message'->>'createdAt' AS created_at, ev.id::text AS event_id, ev.created_at AS event_created_at,
              pg_current_xact_id()::text AS tx
         FROM src JOIN ev ON ev.room_id = src.room_id AND ev.room_seq = src.room_seq ORDER BY src.ord`,
      [ms.map((m) => m.pageKey), templates.map((t) => JSON.stringify(t)), eventType],
    );
    const written = rows.map((r) => {
      const m = ms[r.ord]!;
      const message: ChatMessage = { ...templates[r.ord]!, seq: Number(r.seq), createdAt: r.created_at };
      const event: TandemEvent = {
        id: r.event_id,
        type: eventType,
        tenantId: m.tenantId,
        roomId: m.roomId,
        pageKey: m.pageKey,
        roomSeq: message.seq,
        actor: { type: m.author.type, id: m.author.id },
        data: { message },
        createdAt: iso(r.event_created_at)!,
      };
      return { message, event };
    });
    return { written, tx: rows[0]?.tx ?? '' };
  }

  /** Row-locks messages (in id order) until the transaction ends. */
  async function lockMessages(q: Conn, ids: string[]) {
    await q.orm.select({ id: m.id }).from(m).where(inArray(m.id, ids)).orderBy(asc(m.id)).for('update');
  }

  /** Locks one message of a room for a change (concurrent reaction toggles serialize); null if it is not there. */
  async function lockMessage(q: Conn, tenantId: string, roomId: string, id: string): Promise<{ deleted: boolean } | null> {
    const [row] = await q.orm
      .select({ deletedAt: m.deletedAt })
      .from(m)
      .where(and(eq(m.tenantId, tenantId), eq(m.roomId, roomId), eq(m.id, id)))
      .for('update');
    return row ? { deleted: row.deletedAt !== null } : null;
  }

  /**
   * Adds `n` replies to each thread root; the new counts by root id. Raw SQL on purpose: one
   * statement per group-commit batch (UPDATE … FROM unnest), like insertBatch.
   */
  async function bumpRepliesBatch(q: Conn, bumps: Map<string, number>): Promise<Map<string, number>> {
    if (bumps.size === 0) return new Map();
    const { rows } = await q.query<{ id: string; n: number }>(
      `UPDATE chat_messages m SET reply_count = m.reply_count + b.n
         FROM unnest($1::uuid[], $2::int[]) AS b(id, n) WHERE m.id = b.id
       RETURNING m.id::text AS id, m.reply_count AS n`,
      [[...bumps.keys()], [...bumps.values()]],
    );
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  /** Users who wrote the root or a reply of a thread. */
  async function threadParticipants(q: Conn, rootId: string): Promise<string[]> {
    const rows = await q.orm
      .selectDistinct({ authorId: m.authorId })
      .from(m)
      .where(and(or(eq(m.id, rootId), eq(m.threadRootId, rootId)), eq(m.authorType, 'user')));
    return rows.map((r) => r.authorId);
  }

  async function edit(q: Conn, id: string, body: string, mentions: string[]) {
    await q.orm.update(m).set({ body, mentions, editedAt: sql`now()` }).where(eq(m.id, id));
  }

  async function softDelete(q: Conn, id: string) {
    await q.orm.update(m).set({ body: null, mentions: [], deletedAt: sql`now()` }).where(eq(m.id, id));
  }

  /** Toggles one user's reaction; true when it was added. */
  async function toggleReaction(q: Conn, id: string, userId: string, emoji: string): Promise<boolean> {
    const mine = and(eq(chatReactions.messageId, id), eq(chatReactions.userId, userId), eq(chatReactions.emoji, emoji));
    const removed = await q.orm.delete(chatReactions).where(mine).returning({ emoji: chatReactions.emoji });
    if (removed.length) return false;
    await q.orm.insert(chatReactions).values({ messageId: id, userId, emoji }).onConflictDoNothing();
    return true;
  }

  /** Newest first, strictly before `before`; positions commit in order, so pages never shift. */
  async function page(tenantId: string, roomId: string, o: { before?: number | undefined; limit: number; threadRootId?: string | undefined }) {
    const rows = await messages(db)
      .where(
        and(
          eq(m.tenantId, tenantId),
          eq(m.roomId, roomId),
          o.threadRootId === undefined ? isNull(m.threadRootId) : eq(m.threadRootId, o.threadRootId),
          o.before === undefined ? undefined : lt(m.seq, o.before),
        ),
      )
      .orderBy(desc(m.seq))
      .limit(o.limit + 1);
    const more = rows.length > o.limit;
    const list = rows.slice(0, o.limit).map(toMessage);
    return { messages: list, nextBefore: more ? list.at(-1)!.seq : null };
  }

  async function setRead(tenantId: string, roomId: string, userId: string, seq: number): Promise<number> {
    const [row] = await db.orm
      .insert(chatReads)
      .values({ tenantId, roomId, userId, lastReadSeq: seq })
      .onConflictDoUpdate({
        target: [chatReads.roomId, chatReads.userId],
        set: { lastReadSeq: sql`GREATEST(${chatReads.lastReadSeq}, excluded.last_read_seq)`, updatedAt: sql`now()` },
      })
      .returning({ lastReadSeq: chatReads.lastReadSeq });
    return row!.lastReadSeq;
  }

  /** The user's read position and how many messages by others (not deleted) came after it. */
  async function unread(tenantId: string, roomId: string, userId: string): Promise<{ lastReadSeq: number; unread: number }> {
    const read = db.orm
      .select({ s: chatReads.lastReadSeq })
      .from(chatReads)
      .where(and(eq(chatReads.roomId, roomId), eq(chatReads.userId, userId)));
    const lastReadSeq = sql<number>`COALESCE((${read}), 0)`.mapWith(Number);
    // An aggregate without GROUP BY: exactly one row, also when nothing came after the position.
    const [row] = await db.orm
      .select({ lastReadSeq, unread: count() })
      .from(m)
      .where(and(eq(m.tenantId, tenantId), eq(m.roomId, roomId), gt(m.seq, lastReadSeq), ne(m.authorId, userId), isNull(m.deletedAt)));
    return { lastReadSeq: row!.lastReadSeq, unread: row!.unread };
  }

  return { get, byClientId, insertBatch, insertBatchPublished, lockMessages, lockMessage, bumpRepliesBatch, threadParticipants, edit, softDelete, toggleReaction, page, setRead, unread };
}
export type ChatStore = ReturnType<typeof createChatStore>;
