import type { Database, Queryable } from '../../db/client.js';
import type { ChatMessage } from './messages.js';
import { findLinks } from './text.js';
import { iso } from '../../db/rows.js';

interface Row {
  id: string;
  room_id: string;
  seq: string;
  author_type: 'user' | 'app';
  author_id: string;
  author_name: string;
  body: string | null;
  mentions: string[];
  thread_root_id: string | null;
  reply_count: number;
  client_msg_id: string | null;
  created_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
  reactions: Array<{ emoji: string; users: string[] }> | null;
}


export function toMessage(r: Row): ChatMessage {
  return {
    id: r.id,
    roomId: r.room_id,
    seq: Number(r.seq),
    author: { type: r.author_type, id: r.author_id, name: r.author_name },
    body: r.body,
    deleted: r.deleted_at !== null,
    mentions: r.mentions,
    links: r.body === null ? [] : findLinks(r.body),
    threadRootId: r.thread_root_id,
    replyCount: r.reply_count,
    reactions: r.reactions ?? [],
    clientMsgId: r.client_msg_id,
    createdAt: iso(r.created_at)!,
    editedAt: iso(r.edited_at),
    deletedAt: iso(r.deleted_at),
  };
}

/** Messages with their reactions grouped by emoji (users in the order they reacted). */
const SELECT = `SELECT m.id, m.room_id, m.seq::text AS seq, m.author_type, m.author_id, m.author_name, m.body, m.mentions,
    m.thread_root_id, m.reply_count, m.client_msg_id, m.created_at, m.edited_at, m.deleted_at,
    (SELECT json_agg(json_build_object('emoji', x.emoji, 'users', x.users) ORDER BY x.first)
       FROM (SELECT r.emoji, array_agg(r.user_id ORDER BY r.created_at, r.user_id) AS users, min(r.created_at) AS first
             FROM chat_reactions r WHERE r.message_id = m.id GROUP BY r.emoji) x) AS reactions
  FROM chat_messages m`;

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

export function createChatStore(db: Database) {
  async function get(q: Queryable, tenantId: string, roomId: string, id: string): Promise<ChatMessage | undefined> {
    const { rows } = await q.query<Row>(`${SELECT} WHERE m.tenant_id = $1 AND m.room_id = $2 AND m.id = $3`, [tenantId, roomId, id]);
    return rows[0] && toMessage(rows[0]);
  }

  async function byClientId(tenantId: string, roomId: string, authorId: string, clientMsgId: string) {
    const { rows } = await db.query<Row>(`${SELECT} WHERE m.tenant_id = $1 AND m.room_id = $2 AND m.author_id = $3 AND m.client_msg_id = $4`, [
      tenantId,
      roomId,
      authorId,
      clientMsgId,
    ]);
    return rows[0] && toMessage(rows[0]);
  }

  /**
   * A whole batch in one statement: skips resends (a row with the same room, author and client
   * id exists already), takes every room's next positions at once (one counter update per room,
   * rows locked in key order and held to commit, so positions commit in order and stay gap-free),
   * and inserts the rest. Returns the inserted rows; a message missing from them was a resend.
   * The batch must not repeat a (room, author, client id): the caller folds those together.
   * A resend racing in from another instance hits the unique index and fails the statement
   * (rather than leave a hole in the positions); the caller retries and then sees it as a resend.
   * Raw SQL on purpose: it is chat's group-commit statement, measured by `npm run bench 30`
   * (the same multi-row `unnest` shape as the op log, where Drizzle's builder cost ~10× per row).
   */
  async function insertBatch(q: Queryable, ms: Array<Omit<NewMessage, 'seq'>>): Promise<ChatMessage[]> {
    const { rows } = await q.query<{ ord: number; seq: string; created_at: Date | string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[], $11::text[])
           AS u(ord, id, tenant_id, room_id, author_type, author_id, author_name, body, mentions, thread_root_id, client_msg_id)
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
       )
       SELECT n.ord, n.seq::text AS seq, ins.created_at FROM ins JOIN numbered n ON n.id = ins.id`,
      [
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
      ],
    );
    return rows.map((r) => {
      const m = ms[r.ord]!;
      return {
        id: m.id,
        roomId: m.roomId,
        seq: Number(r.seq),
        author: { type: m.author.type, id: m.author.id, name: m.author.name },
        body: m.body,
        deleted: false,
        mentions: m.mentions,
        links: findLinks(m.body),
        threadRootId: m.threadRootId,
        replyCount: 0,
        reactions: [],
        clientMsgId: m.clientMsgId,
        createdAt: new Date(r.created_at).toISOString(),
        editedAt: null,
        deletedAt: null,
      };
    });
  }

  /** Row-locks messages (in id order) until the transaction ends. */
  async function lockMessages(q: Queryable, ids: string[]) {
    await q.query(`SELECT 1 FROM chat_messages WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
  }

  /** Locks one message of a room for a change (concurrent reaction toggles serialize); null if it is not there. */
  async function lockMessage(q: Queryable, tenantId: string, roomId: string, id: string): Promise<{ deleted: boolean } | null> {
    const { rows } = await q.query<{ deleted: boolean }>(
      `SELECT deleted_at IS NOT NULL AS deleted FROM chat_messages WHERE tenant_id = $1 AND room_id = $2 AND id = $3 FOR UPDATE`,
      [tenantId, roomId, id],
    );
    return rows[0] ?? null;
  }

  /** Adds `n` replies to each thread root; the new counts by root id. */
  async function bumpRepliesBatch(q: Queryable, bumps: Map<string, number>): Promise<Map<string, number>> {
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
  async function threadParticipants(q: Queryable, rootId: string): Promise<string[]> {
    const { rows } = await q.query<{ author_id: string }>(
      `SELECT DISTINCT author_id FROM chat_messages WHERE (id = $1 OR thread_root_id = $1) AND author_type = 'user'`,
      [rootId],
    );
    return rows.map((r) => r.author_id);
  }

  async function edit(q: Queryable, id: string, body: string, mentions: string[]) {
    await q.query(`UPDATE chat_messages SET body = $2, mentions = $3::text[], edited_at = now() WHERE id = $1`, [id, body, mentions]);
  }

  async function softDelete(q: Queryable, id: string) {
    await q.query(`UPDATE chat_messages SET body = NULL, mentions = '{}', deleted_at = now() WHERE id = $1`, [id]);
  }

  /** Toggles one user's reaction; true when it was added. */
  async function toggleReaction(q: Queryable, id: string, userId: string, emoji: string): Promise<boolean> {
    const del = await q.query(`DELETE FROM chat_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3 RETURNING 1`, [id, userId, emoji]);
    if (del.rows.length) return false;
    await q.query(`INSERT INTO chat_reactions (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [id, userId, emoji]);
    return true;
  }

  /** Newest first, strictly before `before`; positions commit in order, so pages never shift. */
  async function page(tenantId: string, roomId: string, o: { before?: number | undefined; limit: number; threadRootId?: string | undefined }) {
    const { rows } = await db.query<Row>(
      `${SELECT} WHERE m.tenant_id = $1 AND m.room_id = $2 AND m.thread_root_id IS NOT DISTINCT FROM $3::uuid
         AND ($4::bigint IS NULL OR m.seq < $4) ORDER BY m.seq DESC LIMIT $5`,
      [tenantId, roomId, o.threadRootId ?? null, o.before ?? null, o.limit + 1],
    );
    const more = rows.length > o.limit;
    const messages = rows.slice(0, o.limit).map(toMessage);
    return { messages, nextBefore: more ? messages.at(-1)!.seq : null };
  }

  async function setRead(tenantId: string, roomId: string, userId: string, seq: number): Promise<number> {
    const { rows } = await db.query<{ s: string }>(
      `INSERT INTO chat_reads (tenant_id, room_id, user_id, last_read_seq) VALUES ($1, $2, $3, $4)
       ON CONFLICT (room_id, user_id) DO UPDATE SET last_read_seq = GREATEST(chat_reads.last_read_seq, EXCLUDED.last_read_seq), updated_at = now()
       RETURNING last_read_seq::text AS s`,
      [tenantId, roomId, userId, seq],
    );
    return Number(rows[0]!.s);
  }

  /** The user's read position and how many messages by others (not deleted) came after it. */
  async function unread(tenantId: string, roomId: string, userId: string): Promise<{ lastReadSeq: number; unread: number }> {
    const { rows } = await db.query<{ s: string; n: string }>(
      `WITH r AS (SELECT COALESCE((SELECT last_read_seq FROM chat_reads WHERE room_id = $2 AND user_id = $3), 0) AS s)
       SELECT r.s::text AS s, (SELECT count(*) FROM chat_messages m WHERE m.tenant_id = $1 AND m.room_id = $2 AND m.seq > r.s
                                 AND m.author_id <> $3 AND m.deleted_at IS NULL)::text AS n FROM r`,
      [tenantId, roomId, userId],
    );
    return { lastReadSeq: Number(rows[0]!.s), unread: Number(rows[0]!.n) };
  }

  return { get, byClientId, insertBatch, lockMessages, lockMessage, bumpRepliesBatch, threadParticipants, edit, softDelete, toggleReaction, page, setRead, unread };
}
export type ChatStore = ReturnType<typeof createChatStore>;
