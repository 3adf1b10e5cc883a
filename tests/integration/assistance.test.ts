import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor } from '../helpers/clients.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Offers time out after 2 s: long enough that closing two instances (the restart test) ends before it on a loaded machine.
const env = { TIMER_SWEEP_MS: '50', ASSISTANCE_OFFER_TIMEOUT_MS: '2000' };
const context = { url: '/admin/shop/order/7/change/', title: 'Order 7', fields: [{ name: 'vat', kind: 'text' }] };

const people = {
  carol: { name: 'Carol', roles: ['agent'], expertise: [] },
  dave: { name: 'Dave', roles: ['helper'], expertise: ['billing', 'tax'] },
  frank: { name: 'Frank', roles: ['helper'], expertise: [] },
  gina: { name: 'Gina', roles: ['admin'], expertise: [] },
  henry: { name: 'Henry', roles: ['agent'], expertise: ['vat'] },
};
type Who = keyof typeof people;

describe.skipIf(!hasPg || !hasRedis)('assistance requests (two instances, Postgres + Redis)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const s = {} as Record<Who, Socket>;
  let roomId: string;
  let pool: pg.Pool;

  const start = () => startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
  const sockets = async () => {
    // Helpers on instance a, the requester on b: offers cross instances through Redis.
    for (const who of Object.keys(people) as Who[]) {
      const srv = who === 'carol' ? b : a;
      s[who] = await connect(srv.url, await tenant.token(who, people[who]), { origin: TEST_ORIGIN });
      const j = await request(s[who], 'room:join', { context });
      roomId = j.roomId;
    }
  };
  const events = async (id: string) =>
    (await pool.query<{ type: string; helper: string | null }>(`SELECT type, data->>'helperId' AS helper FROM events WHERE type LIKE 'assistance.%' AND data->>'requestId' = $1 ORDER BY id`, [id])).rows.map(
      (r) => (r.type === 'assistance.offered' ? `offered:${r.helper}` : r.type.replace('assistance.', '')),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // pool.end() resolves before its sockets close; dropping the database (WITH FORCE) then
    // terminates them, and an idle client's error without a listener would crash the run.
    pool.on('error', () => undefined);
    a = await start();
    b = await start();
    tenant = await createTenant(a.app, uniqueId());
    await sockets();
  });
  afterAll(async () => {
    for (const x of Object.values(s)) x?.close();
    await a?.close();
    await b?.close();
    await pool?.end();
    await db?.drop();
  });

  let firstId: string;
  it('routes by expertise, escalates on decline and timeout through the helper and fallback tiers, then queues', async () => {
    const offerDave = waitFor(s.dave, 'work:offer');
    const created = await request(s.carol, 'work:help', { roomId, field: 'vat', message: 'Which tax rate applies?', urgency: 'normal', topic: 'tax' });
    expect(created).toMatchObject({ ok: true, request: { status: 'offered', helper: { id: 'dave' }, pageUrl: context.url, field: 'vat' } });
    firstId = created.request.id;
    const offer = await offerDave;
    expect(offer).toMatchObject({ request: { id: firstId, message: 'Which tax rate applies?', requester: { name: 'Carol' } }, reason: 'expert: tax, available, 0 open requests' });

    expect(await request(s.frank, 'work:help:act', { id: firstId, action: 'accept' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const offerFrank = waitFor(s.frank, 'work:offer', (p) => p.request.id === firstId);
    expect(await request(s.dave, 'work:help:act', { id: firstId, action: 'decline' })).toMatchObject({ ok: true, request: { status: 'offered', helper: { id: 'frank' } } });
    await offerFrank;
    // Frank lets it time out; the durable timer escalates to the fallback role (gina), once.
    const offerGina = await waitFor(s.gina, 'work:offer', (p) => p.request.id === firstId, 15_000);
    expect(offerGina.request.tried).toEqual(['dave', 'frank']);
    const queued = waitFor(s.dave, 'work:help', (p) => p.request.id === firstId && p.request.status === 'queued');
    expect(await request(s.gina, 'work:help:act', { id: firstId, action: 'decline' })).toMatchObject({ ok: true, request: { status: 'queued' } });
    await queued; // every helper hears about the queue
    await sleep(300);
    expect(await events(firstId)).toEqual(['created', 'offered:dave', 'declined', 'offered:frank', 'timed_out', 'offered:gina', 'declined', 'queued']);
  });

  it('a helper takes it from the queue; the requester is told who helps; timings are recorded', async () => {
    const q = await request(s.dave, 'work:queue', {});
    expect(q.queue.map((r: { id: string }) => r.id)).toContain(firstId);
    expect(await request(s.henry, 'work:queue', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const told = waitFor(s.carol, 'work:help', (p) => p.request.id === firstId && p.request.status === 'accepted');
    const acc = await request(s.dave, 'work:help:act', { id: firstId, action: 'accept' });
    expect(acc).toMatchObject({ ok: true, request: { status: 'accepted', helper: { id: 'dave', name: 'Dave' } }, page: { url: context.url, roomId, pageKey: 'shop.order:7', field: 'vat' } });
    expect((await told).request.helper.name).toBe('Dave');
    expect(await request(s.carol, 'work:help:act', { id: firstId, action: 'resolve' })).toMatchObject({ ok: true, request: { status: 'resolved' } });
    const timings = await fetch(`${a.url}/api/v1/assistance/${firstId}/timings`, { headers: { authorization: `Bearer ${tenant.apiKey}` } }).then((r) => r.json() as any);
    expect(timings).toMatchObject({ status: 'resolved', offers: 3 });
    expect(timings.toAcceptMs).toBeGreaterThan(0);
    expect(timings.toResolveMs).toBeGreaterThanOrEqual(timings.toAcceptMs);
    const notes = await a.app.db.query<{ title: string }>(`SELECT title FROM notifications WHERE user_id = 'carol' AND type = 'assistance' ORDER BY id`);
    expect(notes.rows.map((r) => r.title)).toContain('Dave is helping you');
  });

  it('skips do-not-disturb experts unless the request is urgent; prefers who helped on this record', async () => {
    expect((await request(s.henry, 'presence:status', { status: 'dnd' })).ok).toBe(true);
    await sleep(200);
    const normal = await request(s.carol, 'work:help', { roomId, message: 'VAT question', topic: 'vat' });
    // henry (dnd) skipped → helper tier; dave helped on this record before.
    expect(normal.request).toMatchObject({ status: 'offered', helper: { id: 'dave' } });
    expect((await request(s.carol, 'work:help:act', { id: normal.request.id, action: 'cancel' })).request.status).toBe('cancelled');
    const urgent = await request(s.carol, 'work:help', { roomId, message: 'VAT question, now', topic: 'vat', urgency: 'urgent' });
    expect(urgent.request).toMatchObject({ status: 'offered', helper: { id: 'henry' } });
    expect((await request(s.carol, 'work:help:act', { id: urgent.request.id, action: 'cancel' })).ok).toBe(true);
    await request(s.henry, 'presence:status', { status: 'available' });
  });

  it('REST: apps create requests for a user and read them; bad input is refused', async () => {
    const post = (body: unknown) =>
      fetch(`${a.url}/api/v1/assistance`, { method: 'POST', headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    expect((await post({ pageKey: 'shop.order:7', message: 'x' })).status).toBe(400); // requesterId missing
    expect((await post({ pageKey: 'shop.order:7', requesterId: 'carol', message: '   ' })).status).toBe(400);
    expect((await post({ pageKey: 'nope:1', requesterId: 'carol', message: 'x' })).status).toBe(404);
    const ok = await post({ pageKey: 'shop.order:7', requesterId: 'carol', message: 'Help with billing', topic: 'billing' });
    expect(ok.status).toBe(201);
    expect(ok.body.request).toMatchObject({ status: 'offered', helper: { id: 'dave' } });
    const cancel = await fetch(`${a.url}/api/v1/assistance/${ok.body.request.id}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'cancel', actorId: 'carol' }),
    }).then((r) => r.json() as any);
    expect(cancel.request.status).toBe('cancelled');
  });

  it('an offer timeout due while no instance runs fires once after restart', async () => {
    const asked = Date.now();
    const created = await request(s.carol, 'work:help', { roomId, message: 'Still there?', topic: 'tax' });
    expect(created.request.helper.id).toBe('dave');
    const id = created.request.id;
    for (const x of Object.values(s)) x.close();
    await a.close();
    await b.close();
    await sleep(Math.max(0, asked + 2_300 - Date.now())); // the offer falls due while nobody runs
    expect(await events(id)).toEqual(['created', 'offered:dave']);
    a = await start();
    b = await start();
    const deadline = Date.now() + 5_000;
    while (!(await events(id)).includes('timed_out') && Date.now() < deadline) await sleep(50);
    await sleep(500);
    // Exactly one timeout, then routing moved on (to whoever presence still counts online, or the queue).
    const after = await events(id);
    expect(after.slice(0, 3)).toEqual(['created', 'offered:dave', 'timed_out']);
    expect(after.filter((e) => e === 'timed_out')).toHaveLength(1);
    expect(after).toHaveLength(4);
    expect(after[3]).not.toBe('offered:dave');
  });
});
