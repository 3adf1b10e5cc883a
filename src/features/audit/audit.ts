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
