import type { Socket } from 'socket.io-client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor } from '../helpers/clients.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { TIMER_SWEEP_MS: '50' };
const context = { url: '/admin/shop/order/9/change/', title: 'Order 9', fields: [{ name: 'total', kind: 'number' }] };

describe.skipIf(!hasPg || !hasRedis)('delegation expiry: durable, exactly once, two instances, across a restart', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let a: TestServer;
  let b: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const socks: Socket[] = [];
  // Two instances share Postgres (timers) and Redis (fan-out, lock invalidation).
  const start = () => startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
  const expiredCount = async (id: string) =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE subject = $1 AND action = 'delegation.expired'`, [`delegation:${id}`])).rows[0]!.n);
  const status = async (id: string) => (await pool.query<{ status: string }>(`SELECT status FROM delegations WHERE id = $1`, [id])).rows[0]!.status;

  async function delegate(srv: TestServer, dueInMs: number, field = 'total') {
    const alice = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }), { origin: TEST_ORIGIN });
    socks.push(alice);
    const j = await request(alice, 'room:join', { context });
    const r = await request(alice, 'work:delegate', { roomId: j.roomId, fields: [field], assigneeId: 'bob', dueAt: new Date(Date.now() + dueInMs).toISOString() });
    expect(r.ok).toBe(true);
    return { alice, id: r.delegation.id as string };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // pool.end() resolves before its sockets close; dropping the database (WITH FORCE) then
    // terminates them, and an idle client's error without a listener would crash the run.
    pool.on('error', () => undefined);
    a = await start();
    b = await start();
    tenant = await createTenant(a.app, uniqueId());
    // bob exists in the directory once he has connected.
    socks.push(await connect(a.url, await tenant.token('bob', { name: 'Bob' }), { origin: TEST_ORIGIN }));
  });
  afterAll(async () => {
    for (const s of socks) s.close();
    await a?.close();
    await b?.close();
    await pool?.end();
    await db?.drop();
  });

  it('fires once while two instances sweep, and both instances stop enforcing the lock', async () => {
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => delegate(i % 2 ? a : b, 1_500, `f${i}`)));
    const last = many.at(-1)!;
    const heard = waitFor(last.alice, 'work:delegation', (p) => p.delegation.id === last.id && p.delegation.status === 'expired', 10_000);
    const deadline = Date.now() + 10_000;
    for (const { id } of many) while ((await status(id)) !== 'expired' && Date.now() < deadline) await sleep(50);
    await heard;
    await sleep(500);
    for (const { id } of many) {
      expect(await status(id)).toBe('expired');
      expect(await expiredCount(id)).toBe(1);
    }
    const room = (await pool.query<{ room_id: string }>(`SELECT room_id FROM delegations WHERE id = $1`, [last.id])).rows[0]!.room_id;
    for (const srv of [a, b]) await expect(srv.app.rooms.assertFieldWritable({ tenantId: tenant.tenant.id, roomId: room, field: 'f19', userId: 'carol' })).resolves.toBeUndefined();
  });

  it('a due time that passes while no instance runs expires the delegation once after restart', async () => {
    // Due after both instances are surely down (closing them took over 600 ms on a loaded machine).
    const dueAt = Date.now() + 3_000;
    const { id } = await delegate(a, 3_000);
    for (const s of socks) s.close();
    await a.close();
    await b.close();
    await sleep(Math.max(0, dueAt + 300 - Date.now()));
    expect(await status(id)).toBe('pending');
    a = await start();
    b = await start();
    const deadline = Date.now() + 5_000;
    while ((await status(id)) !== 'expired' && Date.now() < deadline) await sleep(50);
    await sleep(300);
    expect(await status(id)).toBe('expired');
    expect(await expiredCount(id)).toBe(1);
    // The fields are free again on both instances.
    const room = (await pool.query<{ room_id: string }>(`SELECT room_id FROM delegations WHERE id = $1`, [id])).rows[0]!.room_id;
    for (const srv of [a, b]) await expect(srv.app.rooms.assertFieldWritable({ tenantId: tenant.tenant.id, roomId: room, field: 'total', userId: 'carol' })).resolves.toBeUndefined();
  });

  it('a transition on one instance is enforced at once by the other (lock cache invalidated over Redis)', async () => {
    const alice = await connect(a.url, await tenant.token('alice', { name: 'Alice' }), { origin: TEST_ORIGIN });
    const bob = await connect(a.url, await tenant.token('bob', { name: 'Bob' }), { origin: TEST_ORIGIN });
    const carol = await connect(b.url, await tenant.token('carol', { name: 'Carol' }), { origin: TEST_ORIGIN });
    socks.push(alice, bob, carol);
    const ctx2 = { ...context, url: '/admin/shop/order/10/change/' };
    const roomId = (await request(alice, 'room:join', { context: ctx2 })).roomId;
    await request(bob, 'room:join', { context: ctx2 });
    const cj = await request(carol, 'room:join', { context: ctx2 });
    let version = cj.document?.fields?.total?.version ?? 0;
    let seq = 0;
    const carolSets = async (value: number) => {
      const r = await request(carol, 'field:set', { roomId, field: 'total', baseVersion: version, value, clientId: 'carol-on-b-1', seq: ++seq });
      if (r.ok) version = r.version;
      return r;
    };
    const d = await request(alice, 'work:delegate', { roomId, fields: ['total'], assigneeId: 'bob' });
    expect(await carolSets(1)).toMatchObject({ ok: true }); // pending: free, and b has now cached the room's locks
    expect(await request(bob, 'work:delegation:act', { id: d.delegation.id, action: 'accept' })).toMatchObject({ ok: true });
    expect(await carolSets(2)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(alice, 'work:delegation:act', { id: d.delegation.id, action: 'cancel' })).toMatchObject({ ok: true });
    expect(await carolSets(3)).toMatchObject({ ok: true });
  });
});
