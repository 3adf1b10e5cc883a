// Calls over the socket, on two instances (Postgres + Redis): ringing, accepting, relaying WebRTC
// signals between the legs of a call only, the refusals (no read, not invited, not in the call,
// other tenant, full mesh, bad sizes, rate), do-not-disturb, leaving the page, and what is audited
// and sent as events.
import { createHmac } from 'node:crypto';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor } from '../helpers/clients.js';
import { spawnTandem } from '../helpers/process.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TURN_SECRET = 'a-turn-secret-of-some-length';
const env = {
  TIMER_SWEEP_MS: '50',
  CALL_RING_TIMEOUT_MS: '1500',
  CALL_ICE_SERVERS: 'stun:stun.example.test:3478',
  TURN_URLS: 'turn:turn.example.test:3478?transport=udp,turns:turn.example.test:5349',
  TURN_SECRET,
  CALL_SIGNAL_BURST: '60',
  CALL_SIGNAL_PER_SECOND: '5',
  CALL_RINGS_PER_MINUTE: '600',
};
const page = (n: number) => ({ url: `/admin/shop/order/${n}/change/`, title: `Order ${n}`, fields: [{ name: 'note', kind: 'text' }] });
const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.168.1.5 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** Collects every call:signal a socket hears (to prove nothing was relayed). */
function signals(s: Socket) {
  const got: any[] = [];
  s.on('call:signal', (p) => got.push(p));
  return got;
}

describe.skipIf(!hasPg || !hasRedis)('calls (two instances, Postgres + Redis)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let pool: pg.Pool;
  const open: Socket[] = [];

  /** A user connected to instance a or b (alternating), in `ctx`'s room. */
  let n = 0;
  async function user(id: string, ctx: ReturnType<typeof page> | null, claims: Record<string, unknown> = {}, t = tenant) {
    const srv = n++ % 2 === 0 ? a : b;
    const s = await connect(srv.url, await t.token(id, { name: id[0]!.toUpperCase() + id.slice(1), ...claims }), { origin: TEST_ORIGIN });
    open.push(s);
    const roomId = ctx ? ((await request(s, 'room:join', { context: ctx })).roomId as string) : '';
    return { s, roomId, id };
  }
  const events = async (callId: string) =>
    (await pool.query<{ type: string; user: string | null }>(`SELECT type, data->>'userId' AS user FROM events WHERE data->>'callId' = $1 ORDER BY id`, [callId])).rows.map((r) =>
      r.user ? `${r.type}:${r.user}` : r.type,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
    a = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
    b = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
    tenant = await createTenant(a.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await a?.close();
    await b?.close();
    await pool?.end();
    await db?.drop();
  });

  it('rings, starts only when the callee accepts, relays signals between the legs only, and ends when one hangs up', async () => {
    const alice = await user('alice', page(1));
    const bob = await user('bob', page(1));
    const ring = waitFor(bob.s, 'call:ring');
    const rang = await request(alice.s, 'call:ring', { roomId: alice.roomId });
    expect(rang).toMatchObject({ ok: true, rung: ['bob'], skipped: [], call: { status: 'ringing', callerId: 'alice', legs: [{ userId: 'alice', connId: alice.s.id }] } });
    const callId = rang.call.id as string;
    expect(await ring).toMatchObject({ call: { id: callId }, from: { userId: 'alice', name: 'Alice' }, urgent: false });

    // TURN credentials in coturn's REST scheme, valid for TURN_TTL_SECONDS (default 3600).
    const turn = rang.iceServers.find((s: any) => s.username);
    expect(rang.iceServers[0]).toEqual({ urls: ['stun:stun.example.test:3478'] });
    expect(turn.urls).toEqual(['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349']);
    const [expiry, who] = turn.username.split(':');
    expect(who).toBe('alice');
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));

    // Not started: nothing reaches bob before he accepts, and he cannot signal in either.
    const bobGot = signals(bob.s);
    const aliceGot = signals(alice.s);
    expect(await request(alice.s, 'call:signal', { roomId: alice.roomId, callId, to: bob.s.id, description: offer })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await request(bob.s, 'call:signal', { roomId: bob.roomId, callId, to: alice.s.id, description: offer })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const started = waitFor(alice.s, 'call:update', (p: any) => p.call.status === 'active');
    const accepted = await request(bob.s, 'call:accept', { roomId: bob.roomId, callId });
    expect(accepted).toMatchObject({ ok: true, call: { status: 'active' }, peers: [{ connId: alice.s.id, userId: 'alice' }] });
    expect((await started).call.legs.map((l: any) => l.userId)).toEqual(['alice', 'bob']);

    // Across instances: bob's offer reaches alice's connection, her answer and candidate reach his.
    const atAlice = waitFor(alice.s, 'call:signal');
    expect(await request(bob.s, 'call:signal', { roomId: bob.roomId, callId, to: alice.s.id, description: offer })).toEqual({ ok: true });
    expect(await atAlice).toEqual({ callId, from: bob.s.id, userId: 'bob', name: 'Bob', description: offer });
    const atBob = waitFor(bob.s, 'call:signal', (p: any) => p.candidate);
    await request(alice.s, 'call:signal', { roomId: alice.roomId, callId, to: bob.s.id, description: { type: 'answer', sdp: offer.sdp } });
    await request(alice.s, 'call:signal', { roomId: alice.roomId, callId, to: bob.s.id, candidate });
    expect(await atBob).toMatchObject({ from: alice.s.id, candidate });
    // Nobody signals to themselves or to a connection outside the call.
    expect(await request(bob.s, 'call:signal', { roomId: bob.roomId, callId, to: bob.s.id, candidate })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await request(bob.s, 'call:signal', { roomId: bob.roomId, callId, to: 'someone-else', candidate })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const ended = waitFor(alice.s, 'call:update', (p: any) => p.call.status === 'ended');
    expect(await request(bob.s, 'call:leave', { roomId: bob.roomId, callId })).toMatchObject({ ok: true, call: { status: 'ended', endReason: 'hung_up' } });
    expect((await ended).call).toMatchObject({ endReason: 'hung_up', legs: [], participants: ['alice', 'bob'] });
    expect(await request(alice.s, 'call:signal', { roomId: alice.roomId, callId, to: bob.s.id, candidate })).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    expect(await events(callId)).toEqual(['call.ringing', 'call.started', 'call.left:bob', 'call.ended']);
    const audit = await pool.query(`SELECT action, actor_id FROM audit_log WHERE subject = $1 ORDER BY id`, [`call:${callId}`]);
    expect(audit.rows.map((r) => `${r.action}:${r.actor_id}`)).toEqual(['call.ringing:alice', 'call.started:bob', 'call.left:bob', 'call.ended:bob']);
    const ev = await pool.query(`SELECT data FROM events WHERE type = 'call.ended' AND data->>'callId' = $1`, [callId]);
    expect(ev.rows[0].data).toMatchObject({ reason: 'hung_up', participants: ['alice', 'bob'], durationMs: expect.any(Number) });
    // Nothing was relayed to anyone while refused.
    expect(bobGot.filter((p) => p.description?.type === 'offer')).toEqual([]);
    expect(aliceGot.map((p) => p.from)).toEqual([bob.s.id]);
  });

  it('a user without read on the page, one not invited, one of another tenant cannot ring, join or signal into a call', async () => {
    const alice = await user('alice2', page(2));
    const bob = await user('bob2', page(2));
    const carol = await user('carol2', page(2));
    const rang = await request(alice.s, 'call:ring', { roomId: alice.roomId, userIds: ['bob2'] });
    const callId = rang.call.id;
    await request(bob.s, 'call:accept', { roomId: bob.roomId, callId });
    const heard = [...signals(alice.s), ...signals(bob.s)];

    // Mallory may read other pages only: the room refuses her, and so does every call message.
    const m = await user('mallory', null, { perms: { 'crm.*': ['read', 'write'] } });
    expect(await request(m.s, 'room:join', { context: page(2) })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    for (const [event, payload] of [
      ['call:signal', { roomId: alice.roomId, callId, to: alice.s.id, description: offer }],
      ['call:signal', { roomId: alice.roomId, callId, to: bob.s.id, candidate }],
      ['call:accept', { roomId: alice.roomId, callId }],
      ['call:ring', { roomId: alice.roomId }],
      ['call:leave', { roomId: alice.roomId, callId }],
    ] as const) {
      expect(await request(m.s, event, payload), event).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    // Carol reads the page but was not rung: she cannot join or signal.
    expect(await request(carol.s, 'call:accept', { roomId: carol.roomId, callId })).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'You were not invited to this call' } });
    expect(await request(carol.s, 'call:signal', { roomId: carol.roomId, callId, to: alice.s.id, description: offer })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Nor can she start a second call on the page, or ring people into this one.
    expect(await request(carol.s, 'call:ring', { roomId: carol.roomId })).toMatchObject({ ok: false, error: { code: 'conflict', details: { callId } } });
    // Another tenant's user with the same ids finds nothing.
    const other = await createTenant(a.app, uniqueId());
    const eve = await user('alice2', page(2), {}, other);
    expect(await request(eve.s, 'call:signal', { roomId: eve.roomId, callId, to: alice.s.id, description: offer })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await request(eve.s, 'call:signal', { roomId: alice.roomId, callId, to: alice.s.id, description: offer })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await sleep(300);
    expect(heard).toEqual([]);
    await request(alice.s, 'call:leave', { roomId: alice.roomId, callId });
  });

  it('bounds what it relays: validated, sized, rate-limited', async () => {
    const alice = await user('alice3', page(3));
    const bob = await user('bob3', page(3));
    const { call } = await request(alice.s, 'call:ring', { roomId: alice.roomId });
    await request(bob.s, 'call:accept', { roomId: bob.roomId, callId: call.id });
    const base = { roomId: alice.roomId, callId: call.id, to: bob.s.id };
    expect(await request(alice.s, 'call:signal', { ...base, description: { type: 'offer', sdp: 'x'.repeat(32_001) } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(alice.s, 'call:signal', { ...base, description: offer, candidate })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(alice.s, 'call:signal', { ...base, description: { type: 'pranswer', sdp: 'v=0' } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(alice.s, 'call:signal', { ...base, candidate: { ...candidate, candidate: 'c'.repeat(1001) } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(alice.s, 'call:ring', { roomId: alice.roomId, helpRequestId: call.id, userIds: ['bob3'] })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // A burst of CALL_SIGNAL_BURST (60) passes; past it, rate_limited with a retry hint.
    const got = signals(bob.s);
    const answers = await Promise.all(Array.from({ length: 80 }, () => request(alice.s, 'call:signal', { ...base, candidate })));
    const limited = answers.filter((r) => !r.ok);
    expect(answers.filter((r) => r.ok).length).toBeGreaterThanOrEqual(60);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ error: { code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } } });
    await sleep(300);
    expect(got.length).toBe(answers.filter((r) => r.ok).length);
    await request(alice.s, 'call:leave', { roomId: alice.roomId, callId: call.id });
  });

  it('holds at most four legs: the fifth is told plainly', async () => {
    const people = await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => user(id, page(4))));
    const [p1, p2, p3, p4, p5] = people as [typeof people[0], typeof people[0], typeof people[0], typeof people[0], typeof people[0]];
    expect(await request(p1.s, 'call:ring', { roomId: p1.roomId })).toMatchObject({ ok: false, error: { code: 'call_full' } });
    const { call } = await request(p1.s, 'call:ring', { roomId: p1.roomId, userIds: ['p2', 'p3', 'p4'] });
    for (const p of [p2, p3, p4]) expect(await request(p.s, 'call:accept', { roomId: p.roomId, callId: call.id })).toMatchObject({ ok: true });
    expect(await request(p1.s, 'call:ring', { roomId: p1.roomId, userIds: ['p5'] })).toMatchObject({ ok: false, error: { code: 'call_full', message: expect.stringContaining('at most 4') } });
    // One leaves; the fifth can be rung and joins; the one who left finds the call full.
    await request(p4.s, 'call:leave', { roomId: p4.roomId, callId: call.id });
    await request(p1.s, 'call:ring', { roomId: p1.roomId, userIds: ['p5'] });
    const joined = await request(p5.s, 'call:accept', { roomId: p5.roomId, callId: call.id });
    expect(joined.peers.map((l: any) => l.userId)).toEqual(['p1', 'p2', 'p3']);
    expect(await request(p4.s, 'call:accept', { roomId: p4.roomId, callId: call.id })).toMatchObject({ ok: false, error: { code: 'call_full' } });
    for (const p of [p1, p2, p3, p5]) await request(p.s, 'call:leave', { roomId: p.roomId, callId: call.id });
  });

  it('leaving the page or dropping the connection ends that leg; the call ends with fewer than two', async () => {
    const alice = await user('alice5', page(5));
    const bob = await user('bob5', page(5));
    const carol = await user('carol5', page(5));
    const { call } = await request(alice.s, 'call:ring', { roomId: alice.roomId });
    await request(bob.s, 'call:accept', { roomId: bob.roomId, callId: call.id });
    await request(carol.s, 'call:accept', { roomId: carol.roomId, callId: call.id });
    const bobLeft = waitFor(alice.s, 'call:update', (p: any) => p.call.legs.length === 2);
    await request(bob.s, 'room:leave', { roomId: bob.roomId });
    expect((await bobLeft).call).toMatchObject({ status: 'active', legs: [{ userId: 'alice5' }, { userId: 'carol5' }] });
    const ended = waitFor(alice.s, 'call:update', (p: any) => p.call.status === 'ended');
    carol.s.disconnect();
    expect((await ended).call).toMatchObject({ endReason: 'hung_up', participants: ['alice5', 'bob5', 'carol5'] });
    expect(await events(call.id)).toEqual(['call.ringing', 'call.started', 'call.joined:carol5', 'call.left:bob5', 'call.left:carol5', 'call.ended']);
  });

  it('a ring nobody answers ends as missed; one everybody declines ends as declined', async () => {
    const alice = await user('alice6', page(6));
    const bob = await user('bob6', page(6));
    const missed = waitFor(alice.s, 'call:update', (p: any) => p.call.status === 'ended', 10_000);
    await request(alice.s, 'call:ring', { roomId: alice.roomId });
    expect((await missed).call).toMatchObject({ endReason: 'missed', invitees: [{ userId: 'bob6', answer: 'missed' }] });
    const { call } = await request(alice.s, 'call:ring', { roomId: alice.roomId });
    expect(await request(bob.s, 'call:decline', { roomId: bob.roomId, callId: call.id })).toMatchObject({ ok: true, call: { status: 'ended', endReason: 'declined' } });
    expect(await request(bob.s, 'call:accept', { roomId: bob.roomId, callId: call.id })).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    expect(await events(call.id)).toEqual(['call.ringing', 'call.declined:bob6', 'call.ended']);
  });

  it('do-not-disturb holds the ring of a normal help request and lets an urgent one through', async () => {
    const carol = await user('carol7', page(7), { roles: ['agent'] });
    const dave = await user('dave7', page(7), { roles: ['helper'] });
    const statusSeen = waitFor(carol.s, 'presence:status', (p: any) => p.userId === 'carol7' && p.status === 'dnd');
    await request(carol.s, 'presence:status', { status: 'dnd' });
    await statusSeen;
    const ask = async (urgency: string) => {
      const offered = waitFor(dave.s, 'work:offer');
      const { request: help } = await request(carol.s, 'work:help', { roomId: carol.roomId, message: 'Which rate?', urgency });
      await offered;
      expect(await request(dave.s, 'work:help:act', { id: help.id, action: 'accept' })).toMatchObject({ ok: true });
      return help.id as string;
    };
    const rings: any[] = [];
    carol.s.on('call:ring', (p) => rings.push(p));

    const normal = await ask('normal');
    expect(await request(dave.s, 'call:ring', { roomId: dave.roomId, helpRequestId: normal })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: 'Nobody could be rung: carol7 is in do-not-disturb', details: { skipped: [{ userId: 'carol7', reason: 'dnd' }] } },
    });
    await request(carol.s, 'work:help:act', { id: normal, action: 'resolve' });
    const urgent = await ask('urgent');
    const rang = waitFor(carol.s, 'call:ring');
    expect(await request(dave.s, 'call:ring', { roomId: dave.roomId, helpRequestId: urgent })).toMatchObject({ ok: true, rung: ['carol7'], call: { urgent: true, helpRequestId: urgent } });
    expect(await rang).toMatchObject({ urgent: true, from: { userId: 'dave7' } });
    expect(rings).toHaveLength(1);
    // Only the two people of the request call from it.
    const erin = await user('erin7', page(7));
    expect(await request(erin.s, 'call:ring', { roomId: erin.roomId, helpRequestId: urgent })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a leg whose instance crashed leaves once presence forgets its connection: the room can call again', async () => {
    const crashed = await spawnTandem({ DATABASE_URL: db.url, REDIS_URL: redisUrl!, ALLOWED_ORIGINS: TEST_ORIGIN, PRESENCE_TTL_MS: '1000', PRESENCE_HEARTBEAT_MS: '300', ...env });
    try {
      const alice = await user('alice8', page(8));
      const bob = await connect(crashed.url, await tenant.token('bob8', { name: 'Bob' }), { origin: TEST_ORIGIN });
      open.push(bob);
      const { roomId } = await request(bob, 'room:join', { context: page(8) });
      const { call } = await request(alice.s, 'call:ring', { roomId });
      expect(await request(bob, 'call:accept', { roomId, callId: call.id })).toMatchObject({ ok: true, call: { status: 'active' } });
      crashed.child.kill('SIGKILL'); // no disconnect runs: bob's leg stays in the call
      await crashed.exited;
      await sleep(2500); // past bob's presence TTL: the sweep forgets his connection
      const carol = await user('carol8', page(8));
      const ended = waitFor(alice.s, 'call:update', (p: any) => p.call.id === call.id && p.call.status === 'ended');
      // Alice is alone with a dead leg; Carol rings: the dead leg leaves, the old call ends, hers starts.
      expect(await request(carol.s, 'call:ring', { roomId, userIds: ['alice8'] })).toMatchObject({ ok: true, call: { status: 'ringing', callerId: 'carol8' } });
      expect((await ended).call).toMatchObject({ endReason: 'hung_up', legs: [] });
      const left = await pool.query(`SELECT actor_id FROM events WHERE type = 'call.left' AND data->>'callId' = $1`, [call.id]);
      expect(left.rows).toEqual([{ actor_id: 'connection-gone' }]);
    } finally {
      if (crashed.child.exitCode === null) crashed.child.kill('SIGKILL');
    }
  }, 120_000);

  it('REST: the call history and a user’s ICE servers', async () => {
    const res = await fetch(`${a.url}/api/v1/calls?limit=100`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(res.status).toBe(200);
    const { calls } = (await res.json()) as { calls: any[] };
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(calls.find((c) => c.participants.join() === 'alice,bob')).toMatchObject({ status: 'ended', endReason: 'hung_up', startedAt: expect.any(String), endedAt: expect.any(String) });
    const mine = await fetch(`${a.url}/api/v1/calls/ice-servers`, { headers: { authorization: `Bearer ${await tenant.token('zoe')}` } });
    const body = (await mine.json()) as { iceServers: any[]; expiresAt: string };
    expect(body.iceServers[1].username).toMatch(/^\d+:zoe$/);
    expect(new Date(body.expiresAt).getTime()).toBe(Number(body.iceServers[1].username.split(':')[0]) * 1000);
    expect((await fetch(`${a.url}/api/v1/calls/ice-servers`, { headers: { authorization: `Bearer ${tenant.apiKey}` } })).status).toBe(403);
  });
});
