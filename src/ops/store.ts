import { count, inArray, sql } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
import { assistanceRequests, delegations, notificationDeliveries, webhookDeliveries } from '../db/schema/index.js';

/** Work waiting in the database, for metrics and the console: cheap counts over indexed status columns. */
export async function backlog(q: Conn) {
  const statusCounts = (t: typeof assistanceRequests | typeof delegations, statuses: string[]) =>
    q.orm.select({ status: t.status, n: count() }).from(t).where(inArray(t.status, statuses)).groupBy(t.status);
  const [outbox, help, open, reach] = await Promise.all([
    q.orm
      .select({ status: webhookDeliveries.status, n: count(), oldestS: sql<string | null>`extract(epoch FROM now() - min(${webhookDeliveries.createdAt}))::text` })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.status, ['pending', 'failed']))
      .groupBy(webhookDeliveries.status),
    statusCounts(assistanceRequests, ['open', 'offered', 'queued', 'accepted']),
    statusCounts(delegations, ['pending', 'accepted', 'submitted']),
    q.orm
      .select({ channel: notificationDeliveries.channel, status: notificationDeliveries.status, held: sql<boolean>`${notificationDeliveries.heldFor} IS NOT NULL`, n: count() })
      .from(notificationDeliveries)
      .where(inArray(notificationDeliveries.status, ['pending', 'failed']))
      .groupBy(notificationDeliveries.channel, notificationDeliveries.status, sql`${notificationDeliveries.heldFor} IS NOT NULL`),
  ]);
  const byStatus = (rows: Array<{ status: string; n: number }>) => Object.fromEntries(rows.map((r) => [r.status, r.n]));
  const pending = outbox.find((r) => r.status === 'pending');
  return {
    outboxPending: pending?.n ?? 0,
    outboxOldestSeconds: Number(pending?.oldestS ?? 0),
    outboxFailed: outbox.find((r) => r.status === 'failed')?.n ?? 0,
    help: byStatus(help),
    delegations: byStatus(open),
    /** Email and chat deliveries by channel and state: waiting (digest window, retry), held (dnd, quiet hours), failed. */
    reach: reach.map((r) => ({ channel: r.channel, state: r.status === 'failed' ? 'failed' : r.held ? 'held' : 'waiting', n: r.n })),
  };
}
