import { and, asc, desc, eq, gt, inArray, isNull, like, or, sql } from 'drizzle-orm';
import { union } from 'drizzle-orm/pg-core';
import type { Conn, Database } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { comments, fieldOps, formFields } from '../../db/schema/index.js';
import type { FieldOp, TextRange } from './anchor.js';
import type { Comment } from './messages.js';

export type CommentRow = typeof comments.$inferSelect;

export function toComment(r: CommentRow): Comment {
  return {
    id: r.id,
    roomId: r.roomId,
    field: r.field,
    parentId: r.parentId,
    author: { type: r.authorType as Comment['author']['type'], id: r.authorId, name: r.authorName },
    body: r.body,
    deleted: r.deletedAt !== null,
    range: r.range as TextRange | null,
    resolved: r.resolvedAt !== null,
    resolvedBy: r.resolvedBy,
    resolvedAt: iso(r.resolvedAt),
    createdAt: iso(r.createdAt)!,
    editedAt: iso(r.editedAt),
  };
}

export function createCommentStore(db: Database) {
  async function get(q: Conn, tenantId: string, roomId: string, id: string): Promise<CommentRow | undefined> {
    const [row] = await q.orm.select().from(comments).where(and(eq(comments.tenantId, tenantId), eq(comments.roomId, roomId), eq(comments.id, id)));
    return row;
  }

  async function insert(q: Conn, c: { id: string; tenantId: string; roomId: string; field: string; parentId: string | null; author: { type: string; id: string; name: string }; body: string; range: TextRange | null }) {
    const [row] = await q.orm
      .insert(comments)
      .values({ id: c.id, tenantId: c.tenantId, roomId: c.roomId, field: c.field, parentId: c.parentId, authorType: c.author.type, authorId: c.author.id, authorName: c.author.name, body: c.body, range: c.range })
      .returning();
    return row!;
  }

  async function update(q: Conn, id: string, set: 'edit' | 'delete' | 'resolve' | 'reopen', arg: string | null) {
    const now = sql`now()`;
    const change = {
      edit: { body: arg, editedAt: now },
      delete: { body: null, deletedAt: now },
      resolve: { resolvedAt: now, resolvedBy: arg },
      reopen: { resolvedAt: null, resolvedBy: null },
    }[set];
    const [row] = await q.orm.update(comments).set(change).where(eq(comments.id, id)).returning();
    return row!;
  }

  /** Threads of a room (optionally one field): roots in creation order, each with its replies. */
  async function threads(tenantId: string, roomId: string, o: { field?: string | undefined; includeResolved: boolean; limit: number }): Promise<CommentRow[]> {
    const roots = db.orm
      .select({ id: comments.id })
      .from(comments)
      .where(
        and(
          eq(comments.tenantId, tenantId),
          eq(comments.roomId, roomId),
          isNull(comments.parentId),
          o.field === undefined ? undefined : eq(comments.field, o.field),
          o.includeResolved ? undefined : isNull(comments.resolvedAt),
        ),
      )
      .orderBy(asc(comments.createdAt), asc(comments.id))
      .limit(o.limit);
    return db.orm
      .select()
      .from(comments)
      .where(or(inArray(comments.id, roots), inArray(comments.parentId, roots)))
      .orderBy(asc(comments.createdAt), asc(comments.id));
  }

  /** The field as the co-editing feature knows it (kind and current version), if the form has it. */
  async function field(q: Conn, roomId: string, field: string) {
    const [row] = await q.orm.select({ kind: formFields.kind, version: formFields.version }).from(formFields).where(and(eq(formFields.roomId, roomId), eq(formFields.field, field)));
    return row;
  }

  /** Committed co-editing ops of a field after `version` (read-only view of the fields feature's log). */
  async function opsAfter(q: Conn, roomId: string, field: string, version: number, limit = 5000): Promise<FieldOp[]> {
    return q.orm
      .select({ version: fieldOps.version, kind: fieldOps.kind, op: fieldOps.op })
      .from(fieldOps)
      .where(and(eq(fieldOps.roomId, roomId), eq(fieldOps.field, field), gt(fieldOps.version, version)))
      .orderBy(asc(fieldOps.version))
      .limit(limit);
  }

  async function saveRange(id: string, range: TextRange | null) {
    await db.orm.update(comments).set({ range }).where(eq(comments.id, id));
  }

  /** Who worked on a field: its co-editors (op actors are 'user:<id>', 'app:…', 'system:…') and everyone in its comment threads. */
  async function fieldPeople(q: Conn, roomId: string, field: string): Promise<string[]> {
    const recent = q.orm
      .select({ actor: fieldOps.actor })
      .from(fieldOps)
      .where(and(eq(fieldOps.roomId, roomId), eq(fieldOps.field, field)))
      .orderBy(desc(fieldOps.version))
      .limit(500)
      .as('o');
    const editors = q.orm
      .selectDistinct({ u: sql<string>`substring(${recent.actor} from 6)`.as('u') })
      .from(recent)
      .where(like(recent.actor, 'user:%'));
    const commenters = q.orm
      .selectDistinct({ u: comments.authorId })
      .from(comments)
      .where(and(eq(comments.roomId, roomId), eq(comments.field, field), eq(comments.authorType, 'user')));
    const rows = await union(editors, commenters).limit(50);
    return rows.map((r) => r.u);
  }

  return { get, insert, update, threads, field, opsAfter, saveRange, fieldPeople };
}
export type CommentStore = ReturnType<typeof createCommentStore>;
