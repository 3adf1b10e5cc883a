/**
 * The audit trail's writers. Every feature appends inside the transaction of the change it
 * records (so both commit together), so they live here, beside the tables, rather than in one
 * feature's store; features/audit reads the trail.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Conn } from './client.js';
import { iso } from './rows.js';
import { auditLog, workEvents } from './schema/index.js';

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
export async function appendAudit(q: Conn, e: AuditEntry): Promise<void> {
  await q.orm.insert(auditLog).values({
    tenantId: e.tenantId,
    actorType: e.actor.type,
    actorId: e.actor.id,
    action: e.action,
    subject: e.subject ?? null,
    data: e.data ?? {},
    roomId: e.roomId ?? null,
  });
}

/** The history of work items (delegations and assistance requests): every transition, in order. */
export async function recordWorkEvent(
  q: Conn,
  e: { tenantId: string; subjectType: 'delegation' | 'assistance'; subjectId: string; from: string | null; to: string; actor: { type: string; id: string }; note?: string },
): Promise<void> {
  await q.orm.insert(workEvents).values({
    tenantId: e.tenantId,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    fromStatus: e.from,
    toStatus: e.to,
    actorType: e.actor.type,
    actorId: e.actor.id,
    note: e.note ?? '',
  });
}

export async function workHistory(q: Conn, tenantId: string, subjectId: string) {
  const rows = await q.orm
    .select({ from: workEvents.fromStatus, to: workEvents.toStatus, actorType: workEvents.actorType, actorId: workEvents.actorId, note: workEvents.note, at: workEvents.at })
    .from(workEvents)
    .where(and(eq(workEvents.tenantId, tenantId), eq(workEvents.subjectId, subjectId)))
    .orderBy(asc(workEvents.id));
  return rows.map((r) => ({ ...r, at: iso(r.at)! }));
}
