import type { Database, Queryable } from '../../db/client.js';
import type { FieldOp, TextRange } from './anchor.js';
import type { Comment } from './messages.js';
import { iso } from '../../db/rows.js';

interface Row {
  id: string;
  room_id: string;
  field: string;
  parent_id: string | null;
  author_type: 'user' | 'app';
  author_id: string;
  author_name: string;
  body: string | null;
  range: TextRange | null;
  resolved_at: Date | string | null;
  resolved_by: string | null;
  created_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
}

export function toComment(r: Row): Comment {
  return {
    id: r.id,
    roomId: r.room_id,
    field: r.field,
    parentId: r.parent_id,
    author: { type: r.author_type, id: r.author_id, name: r.author_name },
    body: r.body,
    deleted: r.deleted_at !== null,
    range: r.range,
    resolved: r.resolved_at !== null,
    resolvedBy: r.resolved_by,
    resolvedAt: iso(r.resolved_at),
    createdAt: iso(r.created_at)!,
    editedAt: iso(r.edited_at),
  };
}

export function createCommentStore(db: Database) {
  async function get(q: Queryable, tenantId: string, roomId: string, id: string) {
    const { rows } = await q.query<Row>(`SELECT * FROM comments WHERE tenant_id = $1 AND room_id = $2 AND id = $3`, [tenantId, roomId, id]);
    return rows[0];
  }

  async function insert(q: Queryable, c: { id: string; tenantId: string; roomId: string; field: string; parentId: string | null; author: { type: string; id: string; name: string }; body: string; range: TextRange | null }) {
    const { rows } = await q.query<Row>(
      `INSERT INTO comments (id, tenant_id, room_id, field, parent_id, author_type, author_id, author_name, body, range)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) RETURNING *`,
      [c.id, c.tenantId, c.roomId, c.field, c.parentId, c.author.type, c.author.id, c.author.name, c.body, c.range === null ? null : JSON.stringify(c.range)],
    );
    return rows[0]!;
  }

  async function update(q: Queryable, id: string, set: 'edit' | 'delete' | 'resolve' | 'reopen', arg: string | null) {
    const sql = {
      edit: `UPDATE comments SET body = $2, edited_at = now() WHERE id = $1 RETURNING *`,
      delete: `UPDATE comments SET body = NULL, deleted_at = now() WHERE id = $1 AND $2::text IS NULL RETURNING *`,
      resolve: `UPDATE comments SET resolved_at = now(), resolved_by = $2 WHERE id = $1 RETURNING *`,
      reopen: `UPDATE comments SET resolved_at = NULL, resolved_by = NULL WHERE id = $1 AND $2::text IS NULL RETURNING *`,
    }[set];
    const { rows } = await q.query<Row>(sql, [id, arg]);
    return rows[0]!;
  }

  /** Threads of a room (optionally one field): roots in creation order, each with its replies. */
  async function threads(tenantId: string, roomId: string, o: { field?: string | undefined; includeResolved: boolean; limit: number }) {
    const { rows } = await db.query<Row>(
      `WITH roots AS (
         SELECT * FROM comments WHERE tenant_id = $1 AND room_id = $2 AND parent_id IS NULL
           AND ($3::text IS NULL OR field = $3) AND ($4::boolean OR resolved_at IS NULL)
         ORDER BY created_at, id LIMIT $5)
       SELECT * FROM roots
       UNION ALL
       SELECT c.* FROM comments c JOIN roots r ON c.parent_id = r.id
       ORDER BY created_at, id`,
      [tenantId, roomId, o.field ?? null, o.includeResolved, o.limit],
    );
    return rows;
  }

  /** The field as the co-editing feature knows it (kind and current version), if the form has it. */
  async function field(q: Queryable, roomId: string, field: string) {
    const { rows } = await q.query<{ kind: string; version: number }>(`SELECT kind, version FROM form_fields WHERE room_id = $1 AND field = $2`, [roomId, field]);
    return rows[0];
  }

  /** Committed co-editing ops of a field after `version` (read-only view of the fields feature's log). */
  async function opsAfter(q: Queryable, roomId: string, field: string, version: number, limit = 5000): Promise<FieldOp[]> {
    const { rows } = await q.query<FieldOp>(`SELECT version, kind, op FROM field_ops WHERE room_id = $1 AND field = $2 AND version > $3 ORDER BY version LIMIT $4`, [
      roomId,
      field,
      version,
      limit,
    ]);
    return rows;
  }

  async function saveRange(id: string, range: TextRange | null) {
    await db.query(`UPDATE comments SET range = $2::jsonb WHERE id = $1`, [id, range === null ? null : JSON.stringify(range)]);
  }

  /** Who worked on a field: its co-editors (op actors are 'user:<id>', 'app:…', 'system:…') and everyone in its comment threads. */
  async function fieldPeople(q: Queryable, roomId: string, field: string): Promise<string[]> {
    const { rows } = await q.query<{ u: string }>(
      `SELECT u FROM (
         SELECT DISTINCT substring(actor from 6) AS u FROM (SELECT actor FROM field_ops WHERE room_id = $1 AND field = $2 ORDER BY version DESC LIMIT 500) o
          WHERE actor LIKE 'user:%'
         UNION SELECT DISTINCT author_id FROM comments WHERE room_id = $1 AND field = $2 AND author_type = 'user'
       ) x LIMIT 50`,
      [roomId, field],
    );
    return rows.map((r) => r.u);
  }

  return { get, insert, update, threads, field, opsAfter, saveRange, fieldPeople };
}
export type CommentStore = ReturnType<typeof createCommentStore>;
