import { and, desc, eq, gte, like, lt, type SQL } from 'drizzle-orm';
import type { Conn } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { auditLog, rooms } from '../../db/schema/index.js';

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditQuery {
  roomId?: string | undefined;
  actor?: string | undefined;
  /** An action (`chat.message.deleted`) or a prefix ending in `.*` (`delegation.*`). */
  kind?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Entries with a smaller id (the `nextBefore` of the previous page). */
  before?: number | undefined;
  limit: number;
}

/** One tenant's audit trail, newest first, filtered; the caller pages with `nextBefore`. */
export async function readAudit(q: Conn, tenantId: string, f: AuditQuery) {
  const where: SQL[] = [eq(auditLog.tenantId, tenantId)];
  if (f.roomId) where.push(eq(auditLog.roomId, f.roomId));
  if (f.actor) where.push(eq(auditLog.actorId, f.actor));
  if (f.kind?.endsWith('.*')) where.push(like(auditLog.action, `${f.kind.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  else if (f.kind) where.push(eq(auditLog.action, f.kind));
  if (f.since) where.push(gte(auditLog.at, f.since));
  if (f.until) where.push(lt(auditLog.at, f.until));
  if (f.before) where.push(lt(auditLog.id, f.before));
  const rows = await q.orm.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(f.limit);
  const entries = rows.map(toAuditEntry);
  return { entries, nextBefore: entries.length === f.limit ? entries.at(-1)!.id : null };
}

/** An audit row as the REST API shows it. */
const toAuditEntry = (r: AuditRow) => ({ id: r.id, actor: { type: r.actorType, id: r.actorId }, action: r.action, subject: r.subject, roomId: r.roomId, data: r.data, at: iso(r.at)! });

export async function roomIdOf(q: Conn, tenantId: string, pageKey: string): Promise<string | undefined> {
  const [row] = await q.orm.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.tenantId, tenantId), eq(rooms.pageKey, pageKey)));
  return row?.id;
}
