import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor } from '../helpers/clients.js';
import { spawnTandem, type TandemProcess } from '../helpers/process.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

const context = (pk: string) => ({ url: `/orderview/edit/${pk}`, title: `Order ${pk}`, fields: [{ name: 'notes', kind: 'textarea' }] });

describe.skipIf(!hasPg || !hasRedis)('presence across instances (real Redis, real Postgres)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const children: TandemProcess[] = [];
  const sockets: Socket[] = [];
  const env = { PRESENCE_GRACE_MS: '500', PRESENCE_SWEEP_MS: '200' };

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
    b = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
    tenant = await createTenant(a.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await Promise.allSettled([a?.close(), b?.close()]);
    await db?.drop();
  });
  const client = async (url: string, user: string) => {
    const s = await connect(url, await tenant.token(user, { name: user }));
    sockets.push(s);
    return s;
  };

  it('a user on instance A and a user on instance B see each other, their focus, carets and departure', async () => {
    const alice = await client(a.url, 'alice');
    const { roomId } = await request(alice, 'room:join', { context: context('1') });
    const bob = await client(b.url, 'bob');
    const joined = waitFor(alice, 'presence:join');
    const jb = await request(bob, 'room:join', { context: context('1') });
    expect(jb.roomId).toBe(roomId);
    expect(jb.presence.participants.map((p: any) => p.userId).sort()).toEqual(['alice', 'bob']);
    expect((await joined).participant.userId).toBe('bob');

    const focus = waitFor(bob, 'presence:update', (p: any) => p.participant.userId === 'alice' && p.participant.focus[0] === 'notes');
    await request(alice, 'presence:update', { roomId, focus: 'notes' });
    await focus;
    const caret = waitFor(bob, 'presence:caret');
    await request(alice, 'presence:caret', { roomId, field: 'notes', anchor: 3, head: 5 });
    expect(await caret).toMatchObject({ userId: 'alice', field: 'notes', anchor: 3, head: 5 });

    // Both instances answer the same for the tenant.
    for (const srv of [a, b]) {
      expect((await srv.app.presence.participants(tenant.tenant.id, roomId)).map((p) => p.userId)).toEqual(['alice', 'bob']);
      expect((await srv.app.presence.online(tenant.tenant.id)).map((u) => u.userId)).toEqual(['alice', 'bob']);
    }
    expect(await request(bob, 'presence:watch', { watch: true })).toMatchObject({ ok: true });
    const status = waitFor(bob, 'presence:status', (p: any) => p.userId === 'alice' && p.status === 'busy');
    await request(alice, 'presence:status', { status: 'busy' });
    await status;
    expect(await b.app.presence.getStatus(tenant.tenant.id, 'alice')).toBe('busy');

    const left = waitFor(bob, 'presence:leave', (p: any) => p.userId === 'alice', 5_000);
    alice.close();
    await left;
    expect(await b.app.presence.getStatus(tenant.tenant.id, 'alice')).toBe('offline');
  });

  it("a SIGKILLed instance's users vanish from every room within 15 s, announced exactly once", async () => {
    const child = await spawnTandem({ DATABASE_URL: db.url, REDIS_URL: redisUrl! });
    children.push(child);
    const carol = await client(child.url, 'carol');
    const r1 = await request(carol, 'room:join', { context: context('2') });
    const r2 = await request(carol, 'room:join', { context: context('3') });
    expect(r1.ok && r2.ok).toBe(true);
    const dave = await client(b.url, 'dave');
    await request(dave, 'room:join', { context: context('2') });
    await request(dave, 'room:join', { context: context('3') });
    expect((await a.app.presence.participants(tenant.tenant.id, r1.roomId)).map((p) => p.userId)).toEqual(['carol', 'dave']);
    const leaves: any[] = [];
    dave.on('presence:leave', (p) => leaves.push(p));

    const killedAt = Date.now();
    child.child.kill('SIGKILL');
    await child.exited;
    const deadline = killedAt + 15_000;
    while (leaves.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const took = Date.now() - killedAt;
    expect(leaves.map((l) => l.roomId).sort()).toEqual([r1.roomId, r2.roomId].sort());
    expect(took).toBeLessThan(15_000);
    await new Promise((r) => setTimeout(r, 1_500)); // two live instances sweep: still one leave per room
    expect(leaves).toHaveLength(2);
    expect(await a.app.presence.getStatus(tenant.tenant.id, 'carol')).toBe('offline');
    expect((await b.app.presence.participants(tenant.tenant.id, r2.roomId)).map((p) => p.userId)).toEqual(['dave']);
  }, 40_000);
});
