import http from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantService } from '../../src/auth/tenants.js';
import { createTokenService } from '../../src/auth/tokens.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { connect } from '../helpers/clients.js';
import { spawnTandem, type TandemProcess } from '../helpers/process.js';
import { TEST_ORIGIN } from '../helpers/server.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';

/** Starts a POST whose body arrives in two halves; `finish()` sends the rest and resolves with the response. */
function slowPost(url: string, path: string, headers: Record<string, string>, body: string) {
  const u = new URL(path, url);
  const half = Math.floor(body.length / 2);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  req.write(body.slice(0, half));
  return {
    finish: () => {
      req.end(body.slice(half));
      return response;
    },
    response,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('process lifecycle: start-up refusals', () => {
  it('refuses development mode with NODE_ENV=production, exiting non-zero with the reason', async () => {
    await expect(spawnTandem({ NODE_ENV: 'production', DEV_MODE: 'true', DATA_DIR: ':memory:' })).rejects.toThrow(
      /exited early \(2\)[\s\S]*DEV_MODE: development mode .* NODE_ENV=production/,
    );
  });

  it('reports every bad variable in one message and exits 2', async () => {
    const err = await spawnTandem({ PORT: 'x', LOG_LEVEL: 'loud', REDIS_URL: 'http://nope' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/exited early \(2\)/);
    expect(msg).toContain('Invalid configuration:');
    for (const v of ['PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(msg).toContain(`- ${v}:`);
  });
});

describe.skipIf(!hasPg)('graceful shutdown (spawned server, Postgres)', () => {
  let target: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  const tenant = uniqueId('sd');
  let apiKey: string;
  let userToken: (sub: string) => Promise<string>;

  beforeAll(async () => {
    target = await createTestDatabase();
    db = openDatabase({ databaseUrl: target.url, dataDir: 'unused', poolSize: 2, log: pino({ level: 'silent' }) });
    await db.migrate();
    const tenants = createTenantService(db);
    await tenants.createTenant({ id: tenant });
    apiKey = (await tenants.createApiKey(tenant, 'shutdown')).key;
    const tokens = createTokenService({ issuer: 'tandem', audience: 'tandem', ttlSeconds: 600, getTenantKeys: tenants.getTenantKeys });
    userToken = async (sub) => (await tokens.mint(tenant, { sub, name: sub, roles: [], expertise: [], perms: {} })).token;
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });

  const start = () => spawnTandem({ DATABASE_URL: target.url, ALLOWED_ORIGINS: TEST_ORIGIN, SHUTDOWN_GRACE_MS: '3000' });

  it('on SIGTERM: tells sockets it is going away, finishes an in-flight request, stops accepting, exits 0', async () => {
    const proc: TandemProcess = await start();
    const sockets = await Promise.all(['ann', 'ben'].map(async (u) => connect(proc.url, await userToken(u), { origin: TEST_ORIGIN })));
    const notices = sockets.map(
      (s) => new Promise<{ reconnectInMs: number; message: string }>((resolve) => s.once('server:going-away', resolve)),
    );
    const disconnects = sockets.map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve)));

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ sub: 'late', name: `In-flight ${'x'.repeat(150)}` });
    const inFlight = slowPost(proc.url, '/api/v1/auth/token', { authorization: `Bearer ${apiKey}` }, body);
    await sleep(300);
    proc.child.kill('SIGTERM');

    const notice = await notices[0]!;
    expect(notice).toMatchObject({ reconnectInMs: expect.any(Number), message: expect.any(String) });
    await notices[1];
    // New connections are refused while draining.
    await sleep(200);
    await expect(fetch(`${proc.url}/healthz`)).rejects.toThrow();

    const res = await inFlight.finish();
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ token: expect.any(String) });
    // It closes its keep-alive connection, so an idle socket does not hold the exit for keepAliveTimeout.
    expect(res.connection).toBe('close');

    expect(await Promise.all(disconnects)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await proc.exited).toBe(0);
    expect(proc.output()).not.toMatch(/shutdown failed|uncaught/i);
    for (const s of sockets) s.close();
  });

  it('a second signal forces exit while something still holds the shutdown', async () => {
    const proc = await start();
    // A request that never finishes keeps the HTTP server from closing.
    const stuck = slowPost(proc.url, '/api/v1/auth/token', { authorization: `Bearer ${apiKey}` }, JSON.stringify({ sub: 'stuck', name: 'S' }));
    stuck.response.catch(() => undefined);
    await sleep(300);
    proc.child.kill('SIGTERM');
    await sleep(500);
    expect(proc.child.exitCode).toBeNull(); // still draining
    const t0 = Date.now();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(proc.output()).toContain('second signal');
  });
});
