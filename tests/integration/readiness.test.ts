import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { startTcpProxy, targetOf, type TcpProxy } from '../helpers/tcp-proxy.js';

type Ready = { status: string; checks: { database: string; redis: string } };

/** Polls /readyz until it answers `status`; returns the last body. */
async function readyzUntil(url: string, status: number, timeoutMs = 15_000): Promise<Ready> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${url}/readyz`);
    const body = (await r.json()) as Ready;
    if (r.status === status) return body;
    if (Date.now() > deadline) throw new Error(`/readyz stayed ${r.status}: ${JSON.stringify(body)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe.skipIf(!hasPg || !hasRedis)('readiness follows Postgres and Redis (through a cuttable TCP proxy)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let srv: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    pgProxy = await startTcpProxy(targetOf(db.url));
    redisProxy = await startTcpProxy(targetOf(redisUrl!));
    srv = await startTandem({ databaseUrl: pgProxy.rewrite(db.url), redisUrl: redisProxy.rewrite(redisUrl!) });
    const tenant = uniqueId('rd');
    await srv.app.tenants.createTenant({ id: tenant });
    apiKey = (await srv.app.tenants.createApiKey(tenant, 'probe')).key;
  });
  afterAll(async () => {
    pgProxy?.restore();
    redisProxy?.restore();
    await srv?.close();
    await Promise.allSettled([pgProxy?.close(), redisProxy?.close()]);
    await db?.drop();
  });

  it('is ready when both are reachable, and /healthz does not depend on them', async () => {
    expect(pgProxy.connections).toBeGreaterThan(0);
    expect(redisProxy.connections).toBeGreaterThan(0);
    const body = await readyzUntil(srv.url, 200);
    expect(body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  it('answers 503 while Postgres is unreachable and 200 again when it returns', async () => {
    pgProxy.cut();
    const down = await readyzUntil(srv.url, 503);
    expect(down.status).toBe('not ready');
    expect(down.checks.database).not.toBe('ok');
    expect(down.checks.redis).toBe('ok');
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);

    // A request that needs the database answers 503 unavailable (clients retry after Retry-After),
    // with no driver message, address or stack.
    const r = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    const text = await r.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'unavailable', message: 'The database is unavailable; retry shortly' } });
    expect(text).not.toMatch(/ECONN|127\.0\.0\.1|postgres|at \w+ \(/i);

    pgProxy.restore();
    expect(await readyzUntil(srv.url, 200)).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    expect((await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(200);
  });

  it('answers 503 while Redis is unreachable and 200 again when it returns', async () => {
    redisProxy.cut();
    const down = await readyzUntil(srv.url, 503);
    expect(down.checks.redis).not.toBe('ok');
    expect(down.checks.database).toBe('ok');
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    redisProxy.restore();
    expect(await readyzUntil(srv.url, 200)).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  it('keeps serving while Redis is down: broadcasts fail quietly instead of crashing, and it is ready again after', async () => {
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      redisProxy.cut();
      await readyzUntil(srv.url, 503);
      // The adapter publishes every broadcast to Redis; none of these may become an unhandled rejection.
      for (let i = 0; i < 5; i++) srv.app.realtime.io.to('t:nobody').emit('probe', i);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(rejections).toEqual([]);
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
      redisProxy.restore();
      await readyzUntil(srv.url, 200);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('reports both when both are down, and recovers', async () => {
    pgProxy.cut();
    redisProxy.cut();
    const down = await readyzUntil(srv.url, 503);
    expect(down.checks.database).not.toBe('ok');
    // Redis may take a moment to notice; wait until both are reported.
    const deadline = Date.now() + 10_000;
    let last = down;
    while (last.checks.redis === 'ok' && Date.now() < deadline) last = await readyzUntil(srv.url, 503);
    expect(last.checks.redis).not.toBe('ok');
    pgProxy.restore();
    redisProxy.restore();
    await readyzUntil(srv.url, 200);
  });
});

describe('readiness on embedded defaults', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTandem();
  });
  afterAll(() => srv?.close());

  it('is ready with PGlite and no Redis configured', async () => {
    const r = await fetch(`${srv.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'not configured' } });
  });
});
