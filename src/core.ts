import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import { createLimits, type Limits } from './auth/limits.js';
import { createTenantService, type TenantService } from './auth/tenants.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { createDirectory } from './features/directory/store.js';
import type { Directory } from './ports/directory.js';
import { createRedis } from './realtime/redis.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  socketEvents: Counter<'event' | 'outcome'>;
  socketAckDuration: Histogram<'event'>;
  /** Every error answered, REST and socket, by code (rate_limited, unavailable, internal…). */
  errors: Counter<'surface' | 'code'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    /** null when REDIS_URL is unset: single instance, in-memory adapter. */
    redis: Redis | null;
    tokens: TokenService;
    limits: Limits;
    clientAddress: (req: IncomingMessage) => string;
    tenants: TenantService;
    directory: Directory;
    metrics: Metrics;
  }
}

export interface CoreOptions {
  config: Config;
  /** Tests may hand in an already open database (e.g. a shared PGlite). */
  db?: Database;
}

/** Shared services, each owning its own shutdown. Everything else depends on this plugin. */
export default fp<CoreOptions>(
  async function core(app, { config, db: givenDb }) {
    app.decorate('config', config);

    const db = givenDb ?? openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, pgliteSharedBuffersMb: config.pgliteSharedBuffersMb, poolSize: config.databasePoolSize, log: app.log });
    await db.migrate();
    app.decorate('db', db);
    if (!givenDb) app.addHook('onClose', () => db.close());

    const redis = config.redisUrl ? createRedis(config.redisUrl, app.log, 'main') : null;
    app.decorate('redis', redis);
    if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));

    app.decorate(
      'limits',
      createLimits(redis, {
        principalPerMinute: config.limits.ratePerMinute,
        authFailuresPerMinute: config.limits.authFailuresPerMinute,
        handshakesPerMinute: config.limits.handshakesPerMinute,
        keyPrefix: config.limits.keyPrefix,
      }),
    );
    // The client's address as Fastify's req.ip computes it, for sockets too: forwarded headers count only from trusted proxies.
    const trust = config.trustedProxies.length > 0 ? proxyAddr.compile(config.trustedProxies) : () => false;
    app.decorate('clientAddress', (req: IncomingMessage) => proxyAddr(req, trust));

    const tenants = createTenantService(db);
    app.decorate('tenants', tenants);
    app.decorate('tokens', createTokenService({ ...config.jwt, getTenantKeys: tenants.getTenantKeys }));
    app.decorate('directory', createDirectory(db));

    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    new Gauge({
      name: 'tandem_sockets_connected',
      help: 'Socket.IO connections open on this instance',
      registers: [registry],
      collect() {
        this.set(app.hasDecorator('realtime') ? app.realtime.io.engine.clientsCount : 0);
      },
    });
    app.decorate('metrics', {
      registry,
      httpDuration: new Histogram({
        name: 'tandem_http_request_duration_seconds',
        help: 'HTTP request duration',
        labelNames: ['method', 'route', 'status'] as const,
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
        registers: [registry],
      }),
      socketEvents: new Counter({
        name: 'tandem_socket_events_total',
        help: 'Socket events handled, by outcome',
        labelNames: ['event', 'outcome'] as const,
        registers: [registry],
      }),
      socketAckDuration: new Histogram({
        name: 'tandem_socket_ack_duration_seconds',
        help: 'Time from a socket message arriving to its ack (queue wait included), by event',
        labelNames: ['event'] as const,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
      errors: new Counter({
        name: 'tandem_errors_total',
        help: 'Errors answered to clients, by surface (rest, socket) and code (rate_limited, unavailable, internal, …)',
        labelNames: ['surface', 'code'] as const,
        registers: [registry],
      }),
    });
  },
  { name: 'core' },
);
