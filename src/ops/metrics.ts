/**
 * The operating metrics (issue 15): what an on-call engineer needs to see that Tandem is healthy —
 * dependencies up, fan-out working, work piling up (webhook outbox, help queue), people online.
 * Gauges are computed at scrape time; a failing query leaves the gauge at its last value and
 * shows in tandem_database_up.
 */
import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { pingRedis } from '../realtime/redis.js';
import { backlog } from './store.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export default fp(
  async function opsMetrics(app) {
    const registers = [app.metrics.registry];
    const log = app.log.child({ component: 'metrics' });

    new Gauge({ name: 'tandem_build_info', help: 'Always 1; the labels say which build runs', labelNames: ['version', 'node'] as const, registers }).set(
      { version: pkg.version, node: process.versions.node },
      1,
    );
    new Gauge({
      name: 'tandem_database_up',
      help: '1 when this instance can query its database, else 0',
      registers,
      async collect() {
        this.set(await app.db.ping().then(() => 1, () => 0));
      },
    });
    if (app.redis) {
      const redis = app.redis;
      new Gauge({
        name: 'tandem_redis_up',
        help: '1 when this instance can reach Redis, else 0 (only with REDIS_URL)',
        registers,
        async collect() {
          this.set(await pingRedis(redis, 500).then(() => 1, () => 0));
        },
      });
    }
    new Gauge({
      name: 'tandem_fanout_up',
      help: '1 while cross-instance fan-out (the Redis adapter) publishes and receives; always 1 without Redis',
      registers,
      collect() {
        this.set(app.realtime.fanoutUp ? 1 : 0);
      },
    });
    const pool = app.db.poolStats;
    if (pool) {
      new Gauge({
        name: 'tandem_db_pool_connections',
        help: 'Postgres pool connections of this instance, by state (total, idle, waiting = requests queued for a connection)',
        labelNames: ['state'] as const,
        registers,
        collect() {
          const s = pool();
          this.set({ state: 'total' }, s.total);
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'waiting' }, s.waiting);
        },
      });
    }
    new Gauge({
      name: 'tandem_stream_clients',
      help: 'Service-stream WebSocket clients (/api/v1/stream) connected to this instance',
      registers,
      collect() {
        this.set(app.websocketServer?.clients.size ?? 0);
      },
    });

    // One backlog query per scrape feeds five gauges.
    let pending: Promise<Awaited<ReturnType<typeof backlog>> | null> | null = null;
    const once = () =>
      (pending ??= backlog(app.db)
        .catch((err: Error) => (log.warn({ err: err.message }, 'backlog metrics unavailable'), null))
        .finally(() => setTimeout(() => (pending = null), 0)));
    new Gauge({
      name: 'tandem_webhook_outbox_depth',
      help: 'Webhook deliveries waiting to be delivered (all tenants; the same on every instance)',
      registers,
      async collect() {
        const b = await once();
        if (b) this.set(b.outboxPending);
      },
    });
    new Gauge({
      name: 'tandem_webhook_outbox_oldest_seconds',
      help: 'Age of the oldest webhook delivery still waiting',
      registers,
      async collect() {
        const b = await once();
        if (b) this.set(b.outboxOldestSeconds);
      },
    });
    new Gauge({
      name: 'tandem_webhook_deliveries_failed',
      help: 'Webhook deliveries that failed after their last retry and were not retried since',
      registers,
      async collect() {
        const b = await once();
        if (b) this.set(b.outboxFailed);
      },
    });
    new Gauge({
      name: 'tandem_notification_deliveries',
      help: 'Email and chat notification deliveries not yet sent, by channel and state (waiting: digest window or retry; held: do-not-disturb or quiet hours; failed: after the last retry)',
      labelNames: ['channel', 'state'] as const,
      registers,
      async collect() {
        const b = await once();
        if (!b) return;
        this.reset();
        for (const channel of ['email', 'chat']) for (const state of ['waiting', 'held', 'failed']) this.set({ channel, state }, 0);
        for (const r of b.reach) this.inc({ channel: r.channel, state: r.state }, r.n);
      },
    });
    new Gauge({
      name: 'tandem_help_requests',
      help: 'Open help requests by status (open, offered, queued = nobody could be routed, accepted)',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const b = await once();
        if (!b) return;
        for (const s of ['open', 'offered', 'queued', 'accepted']) this.set({ status: s }, b.help[s] ?? 0);
      },
    });
    new Gauge({
      name: 'tandem_delegations_open',
      help: 'Open form delegations by status (pending, accepted, submitted)',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const b = await once();
        if (!b) return;
        for (const s of ['pending', 'accepted', 'submitted']) this.set({ status: s }, b.delegations[s] ?? 0);
      },
    });
    new Gauge({
      name: 'tandem_people_online',
      help: 'People online by presence status, across instances (the same on every instance with Redis)',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const counts: Record<string, number> = { available: 0, busy: 0, away: 0, dnd: 0 };
        try {
          for (const t of await app.tenants.listTenants()) {
            for (const u of await app.presence.online(t.id)) counts[u.status] = (counts[u.status] ?? 0) + 1;
          }
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'presence metrics unavailable');
          return;
        }
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
  },
  { name: 'ops-metrics', dependencies: ['core', 'realtime', 'presence'] },
);
