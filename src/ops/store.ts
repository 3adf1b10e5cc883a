import type { Queryable } from '../db/client.js';

/** Work waiting in the database, for metrics and the console: cheap counts over indexed status columns. */
export async function backlog(q: Queryable) {
  const [outbox, help, delegations] = await Promise.all([
    q.query<{ status: string; n: string; oldest_s: string | null }>(
      `SELECT status, count(*)::text AS n, extract(epoch FROM now() - min(created_at))::text AS oldest_s
         FROM webhook_deliveries WHERE status IN ('pending', 'failed') GROUP BY status`,
    ),
    q.query<{ status: string; n: string }>(`SELECT status, count(*)::text AS n FROM assistance_requests WHERE status IN ('open', 'offered', 'queued', 'accepted') GROUP BY status`),
    q.query<{ status: string; n: string }>(`SELECT status, count(*)::text AS n FROM delegations WHERE status IN ('pending', 'accepted', 'submitted') GROUP BY status`),
  ]);
  const byStatus = (rows: Array<{ status: string; n: string }>) => Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const pending = outbox.rows.find((r) => r.status === 'pending');
  return {
    outboxPending: Number(pending?.n ?? 0),
    outboxOldestSeconds: Number(pending?.oldest_s ?? 0),
    outboxFailed: Number(outbox.rows.find((r) => r.status === 'failed')?.n ?? 0),
    help: byStatus(help.rows),
    delegations: byStatus(delegations.rows),
  };
}
