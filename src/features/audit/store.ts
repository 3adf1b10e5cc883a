import type { Queryable } from '../../db/client.js';

export interface AuditEntry {
  tenantId: string;
  actor: { type: 'user' | 'app' | 'system'; id: string };
  action: string;
  subject?: string;
  /** The room the change happened in, if any. */
  roomId?: string;
  data?: Record<string, unknown>;
}

/**
 * Appends to the audit log. Pass the transaction a change runs in so the record and its
 * audit entry commit together.
 */
export async function appendAudit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, subject, data, room_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [e.tenantId, e.actor.type, e.actor.id, e.action, e.subject ?? null, JSON.stringify(e.data ?? {}), e.roomId ?? null],
  );
}

/** The history of work items (delegations and assistance requests): every transition, in order. */
export async function recordWorkEvent(
  q: Queryable,
  e: { tenantId: string; subjectType: 'delegation' | 'assistance'; subjectId: string; from: string | null; to: string; actor: { type: string; id: string }; note?: string },
): Promise<void> {
  await q.query(
    `INSERT INTO work_events (tenant_id, subject_type, subject_id, from_status, to_status, actor_type, actor_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.tenantId, e.subjectType, e.subjectId, e.from, e.to, e.actor.type, e.actor.id, e.note ?? ''],
  );
}

export async function workHistory(q: Queryable, tenantId: string, subjectId: string) {
  const { rows } = await q.query<{ from: string | null; to: string; actorType: string; actorId: string; note: string; at: Date }>(
    `SELECT from_status AS "from", to_status AS "to", actor_type AS "actorType", actor_id AS "actorId", note, at
     FROM work_events WHERE tenant_id = $1 AND subject_id = $2 ORDER BY id`,
    [tenantId, subjectId],
  );
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}

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
export async function readAudit(q: Queryable, tenantId: string, f: AuditQuery) {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.roomId) add('room_id = ?', f.roomId);
  if (f.actor) add('actor_id = ?', f.actor);
  if (f.kind?.endsWith('.*')) add("action LIKE ? || '%'", f.kind.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`));
  else if (f.kind) add('action = ?', f.kind);
  if (f.since) add('at >= ?', f.since);
  if (f.until) add('at < ?', f.until);
  if (f.before) add('id < ?', f.before);
  params.push(f.limit);
  const { rows } = await q.query<{ id: string; actor_type: string; actor_id: string; action: string; subject: string | null; room_id: string | null; data: Record<string, unknown>; at: Date }>(
    `SELECT id::text AS id, actor_type, actor_id, action, subject, room_id, data, at FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const entries = rows.map((r) => ({ id: Number(r.id), actor: { type: r.actor_type, id: r.actor_id }, action: r.action, subject: r.subject, roomId: r.room_id, data: r.data, at: new Date(r.at).toISOString() }));
  return { entries, nextBefore: entries.length === f.limit ? entries.at(-1)!.id : null };
}

export async function roomIdOf(q: Queryable, tenantId: string, pageKey: string): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM rooms WHERE tenant_id = $1 AND page_key = $2`, [tenantId, pageKey]);
  return rows[0]?.id;
}
