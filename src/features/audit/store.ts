import type { Queryable } from '../../db/client.js';

export interface AuditEntry {
  tenantId: string;
  actor: { type: 'user' | 'app' | 'system'; id: string };
  action: string;
  subject?: string;
  data?: Record<string, unknown>;
}

/**
 * Appends to the audit log. Pass the transaction a change runs in so the record and its
 * audit entry commit together.
 */
export async function appendAudit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, subject, data) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.tenantId, e.actor.type, e.actor.id, e.action, e.subject ?? null, JSON.stringify(e.data ?? {})],
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
