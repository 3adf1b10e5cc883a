import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { roomNames } from '../../src/realtime/rooms.js';
import { connect, waitFor } from '../helpers/clients.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';

/** Resolves true if `event` arrives within ms, false otherwise. */
const arrives = (s: Socket, event: string, ms = 500) =>
  new Promise<boolean>((resolve) => {
    const t = setTimeout(() => (s.off(event, on), resolve(false)), ms);
    const on = () => (clearTimeout(t), s.off(event, on), resolve(true));
    s.on(event, on);
  });

describe.skipIf(!hasPg || !hasRedis)('two Tandem instances on one Postgres and one Redis', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let A: TestServer;
  let B: TestServer;
  let t1: Awaited<ReturnType<typeof createTenant>>;
  let t2: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    A = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl! });
    B = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl! });
    // Created through A; B sees them through the shared database.
    t1 = await createTenant(A.app, uniqueId('c'));
    t2 = await createTenant(A.app, uniqueId('c'));
  });
  afterAll(async () => {
    await Promise.allSettled([A?.close(), B?.close()]);
    await db?.drop();
  });

  it('are distinct instances', () => {
    expect(A.app.realtime.instanceId).not.toBe(B.app.realtime.instanceId);
    expect(A.port).not.toBe(B.port);
  });

  it('a broadcast to a tenant room on A reaches clients on A and on B, and no other tenant', async () => {
    const onB = await connect(B.url, await t1.token('bob'), { origin: TEST_ORIGIN });
    const onA = await connect(A.url, await t1.token('alice'), { origin: TEST_ORIGIN });
    const otherTenantOnB = await connect(B.url, await t2.token('mallory'), { origin: TEST_ORIGIN });
    const leak = arrives(otherTenantOnB, 'cluster:test', 1_000);

    const gotB = waitFor(onB, 'cluster:test');
    const gotA = waitFor(onA, 'cluster:test');
    A.app.realtime.io.to(roomNames.tenant(t1.tenant.id)).emit('cluster:test', { from: A.app.realtime.instanceId, n: 1 });
    expect(await gotB).toEqual({ from: A.app.realtime.instanceId, n: 1 });
    expect(await gotA).toEqual({ from: A.app.realtime.instanceId, n: 1 });
    expect(await leak).toBe(false);
    for (const s of [onA, onB, otherTenantOnB]) s.close();
  });

  it('a broadcast to one user on B reaches only that user, on A', async () => {
    const carolOnA = await connect(A.url, await t1.token('carol'), { origin: TEST_ORIGIN });
    const daveOnA = await connect(A.url, await t1.token('dave'), { origin: TEST_ORIGIN });
    const daveHears = arrives(daveOnA, 'cluster:dm', 1_000);
    const got = waitFor(carolOnA, 'cluster:dm');
    B.app.realtime.io.to(roomNames.user(t1.tenant.id, 'carol')).emit('cluster:dm', { hello: 'carol' });
    expect(await got).toEqual({ hello: 'carol' });
    expect(await daveHears).toBe(false);
    carolOnA.close();
    daveOnA.close();
  });

  it('either instance sees every connected socket of a tenant', async () => {
    const s1 = await connect(A.url, await t1.token('u1'), { origin: TEST_ORIGIN });
    const s2 = await connect(B.url, await t1.token('u2'), { origin: TEST_ORIGIN });
    const ids = async (srv: TestServer) => (await srv.app.realtime.io.in(roomNames.tenant(t1.tenant.id)).fetchSockets()).map((s) => s.id).sort();
    expect(await ids(A)).toEqual([s1.id, s2.id].sort());
    expect(await ids(B)).toEqual([s1.id, s2.id].sort());
    s1.close();
    s2.close();
  });

  it('a token minted on A is accepted on B (shared tenants, stateless instances)', async () => {
    const { token } = await A.app.tokens.mint(t1.tenant.id, { sub: 'x', name: 'X', roles: [], expertise: [], perms: {} });
    const r = await fetch(`${B.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const k = await fetch(`${B.url}/api/v1/me`, { headers: { authorization: `Bearer ${t1.apiKey}` } });
    expect(k.status).toBe(200);
    const ready = (await (await fetch(`${B.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks).toEqual({ database: 'ok', redis: 'ok' });
  });
});
