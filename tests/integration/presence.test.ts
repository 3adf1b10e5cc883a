import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPresence, type PresenceMessage, presenceMessage, type Roster, rosterOnJoin } from '../../src/overlay/presence/roster.js';
import { connect, request, waitFor } from '../helpers/clients.js';
import { uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

const GRACE_MS = 700;
const IDLE_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const context = (pk: string, fields = ['email', 'notes', 'status']) => ({
  url: `/admin/shop/order/${pk}/change/`,
  title: `Order ${pk}`,
  fields: fields.map((name) => ({ name, kind: 'text' })),
});

/** Records every presence event a socket receives. */
function record(s: Socket) {
  const events: Array<{ event: string; payload: any }> = [];
  for (const event of ['presence:join', 'presence:update', 'presence:leave', 'presence:caret', 'presence:status']) {
    s.on(event, (payload: unknown) => events.push({ event, payload }));
  }
  return events;
}

describe('presence (embedded PGlite, in-process)', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const client = async (user: string, extra = {}) => {
    const s = await connect(srv.url, await tenant.token(user, { name: `${user[0]!.toUpperCase()}${user.slice(1)}`, ...extra }));
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    srv = await startTandem({
      env: { PRESENCE_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '100', PRESENCE_IDLE_MS: String(IDLE_MS), PRESENCE_HEARTBEAT_MS: '200' },
    });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv.close();
  });

  it('broadcasts join, update and leave to the room, and records the visit', async () => {
    const alice = await client('alice');
    const ja = await request(alice, 'room:join', { context: context('1') });
    expect(ja.ok).toBe(true);
    expect(ja.presence.participants.map((p: any) => p.userId)).toEqual(['alice']);
    const roomId = ja.roomId as string;
    const aliceEvents = record(alice);

    const bob = await client('bob');
    const joined = waitFor(alice, 'presence:join');
    const jb = await request(bob, 'room:join', { context: context('1') });
    expect(jb.presence.participants.map((p: any) => p.userId).sort()).toEqual(['alice', 'bob']);
    expect(jb.presence.self.color).toMatch(/^#[0-9a-f]{6}$/);
    const j = await joined;
    expect(j).toMatchObject({ roomId, participant: { userId: 'bob', name: 'Bob', status: 'available', focus: [], tabs: 1 } });
    expect(j.participant.color).toBe(jb.presence.self.color);

    const updated = waitFor(alice, 'presence:update', (p: any) => p.participant.userId === 'bob' && p.participant.focus.length > 0);
    expect(await request(bob, 'presence:update', { roomId, focus: 'email', typing: true })).toMatchObject({ ok: true });
    expect((await updated).participant).toMatchObject({ focus: ['email'], typing: true });

    const left = waitFor(alice, 'presence:leave');
    expect(await request(bob, 'room:leave', { roomId })).toMatchObject({ ok: true });
    const leave = await left;
    expect(leave).toEqual({ roomId, userId: 'bob', version: expect.any(Number) });
    expect(leave.version).toBeGreaterThan(j.participant.version);
    expect(aliceEvents.filter((e) => e.event === 'presence:join')).toHaveLength(1);
    expect((await srv.app.presence.participants(tenant.tenant.id, roomId)).map((p) => p.userId)).toEqual(['alice']);

    const visits = await srv.app.presence.visits.list(tenant.tenant.id, { roomId }, 10);
    expect(visits.find((v) => v.userId === 'bob')?.endedAt).toBeInstanceOf(Date);
    expect(visits.find((v) => v.userId === 'alice')?.endedAt).toBeNull();
  });

  it('a reconnect within the grace period shows no leave/join pair; a real departure leaves after it', async () => {
    const alice = await client('alice');
    const { roomId } = await request(alice, 'room:join', { context: context('2') });
    const carol1 = await client('carol');
    await waitForJoin(alice, carol1, context('2'));
    const events = record(alice);

    carol1.close(); // a page reload: the old connection drops…
    await sleep(GRACE_MS / 3);
    const carol2 = await client('carol'); // …and the new page joins again
    await request(carol2, 'room:join', { context: context('2') });
    await sleep(GRACE_MS * 2);
    const about = events.filter((e) => e.payload.userId === 'carol' || e.payload.participant?.userId === 'carol');
    expect(about.filter((e) => e.event === 'presence:join' || e.event === 'presence:leave')).toEqual([]);
    expect((await srv.app.presence.participants(tenant.tenant.id, roomId)).find((p) => p.userId === 'carol')).toMatchObject({ tabs: 1 });

    const started = Date.now();
    const left = waitFor(alice, 'presence:leave', (p: any) => p.userId === 'carol', GRACE_MS * 5);
    carol2.close();
    await left;
    expect(Date.now() - started).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(await srv.app.presence.getStatus(tenant.tenant.id, 'carol')).toBe('offline');
  });

  it('enforces room permissions with a clear error and announces nobody', async () => {
    const alice = await client('alice');
    await request(alice, 'room:join', { context: { url: '/admin/hr/salary/7/change/', fields: [] } });
    const events = record(alice);
    const erin = await client('erin', { perms: { 'shop.order:*': ['read'] } });
    const r = await request(erin, 'room:join', { context: { url: '/admin/hr/salary/7/change/', fields: [] } });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(r.error.message).toContain('hr.salary:7');
    // Not joined, so no presence messages are accepted either.
    const u = await request(erin, 'presence:update', { roomId: '00000000-0000-4000-8000-000000000000', focus: 'x' });
    expect(u).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await sleep(200);
    // (Erin coming online is announced tenant-wide; the room hears nothing.)
    expect(events.filter((e) => e.event !== 'presence:status')).toEqual([]);
  });

  it('rejects malformed presence messages and changes nothing', async () => {
    const bob = await client('bob');
    const { roomId } = await request(bob, 'room:join', { context: context('3') });
    const bad = [
      ['presence:update', { roomId, focus: 'x'.repeat(201) }],
      ['presence:update', { roomId: 'nope', focus: 'email' }],
      ['presence:update', { roomId, focus: 'email', extra: 1 }],
      ['presence:caret', { roomId, field: 'email', anchor: -1, head: 0 }],
      ['presence:caret', { roomId, field: 'email', anchor: 1.5, head: 0 }],
      ['presence:status', { status: 'sleeping' }],
      ['presence:update', 'not an object'],
    ] as const;
    for (const [event, payload] of bad) {
      expect(await request(bob, event, payload)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    const [me] = await srv.app.presence.participants(tenant.tenant.id, roomId);
    expect(me).toMatchObject({ userId: 'bob', focus: [], carets: [], status: 'available' });
  });

  it('merges several tabs of one user into one person with the union of their focus', async () => {
    const bob = await client('bob');
    const { roomId } = await request(bob, 'room:join', { context: context('4') });
    const tab1 = await client('dave');
    const tab2 = await client('dave');
    const joins = record(bob);
    await request(tab1, 'room:join', { context: context('4') });
    await request(tab2, 'room:join', { context: context('4') });
    await request(tab1, 'presence:update', { roomId, focus: 'email' });
    const merged = waitFor(bob, 'presence:update', (p: any) => p.participant.userId === 'dave' && p.participant.focus.length === 2);
    await request(tab2, 'presence:update', { roomId, focus: 'notes' });
    expect((await merged).participant).toMatchObject({ focus: ['email', 'notes'], tabs: 2 });
    expect(joins.filter((e) => e.event === 'presence:join')).toHaveLength(1);
    const people = await srv.app.presence.participants(tenant.tenant.id, roomId);
    expect(people.filter((p) => p.userId === 'dave')).toHaveLength(1);

    // Closing one tab drops its focus at once, and nobody leaves.
    const one = waitFor(bob, 'presence:update', (p: any) => p.participant.userId === 'dave' && p.participant.tabs === 1);
    tab2.close();
    expect((await one).participant.focus).toEqual(['email']);
    await sleep(GRACE_MS * 2);
    expect(joins.filter((e) => e.event === 'presence:leave')).toEqual([]);
    expect((await srv.app.presence.online(tenant.tenant.id)).filter((u) => u.userId === 'dave')).toHaveLength(1);
  });

  it('turns an idle user away, and back to available on activity, announcing each change once', async () => {
    const seen: Array<[string, string, string]> = [];
    srv.app.presence.onStatusChange((t, u, status, previous) => {
      if (t === tenant.tenant.id && u === 'frank') seen.push([u, status, previous]);
    });
    const watcher = await client('alice');
    const bystander = await client('bob');
    const bystanderSaw = record(bystander);
    expect(await request(watcher, 'presence:watch', { watch: true })).toEqual({ ok: true, watching: true });
    const frank = await client('frank');
    const away = await waitFor(watcher, 'presence:status', (p: any) => p.userId === 'frank' && p.status === 'away', IDLE_MS * 6);
    expect(away.previous).toBe('available');
    expect(await srv.app.presence.getStatus(tenant.tenant.id, 'frank')).toBe('away');
    const back = waitFor(watcher, 'presence:status', (p: any) => p.userId === 'frank' && p.status === 'available');
    expect(await request(frank, 'presence:activity', {})).toMatchObject({ ok: true, status: 'available' });
    await back;
    // A chosen status is not overridden by idleness.
    expect(await request(frank, 'presence:status', { status: 'dnd' })).toMatchObject({ ok: true, status: 'dnd' });
    await sleep(IDLE_MS * 2);
    expect(await srv.app.presence.getStatus(tenant.tenant.id, 'frank')).toBe('dnd');
    expect(seen).toEqual([
      ['frank', 'available', 'offline'],
      ['frank', 'away', 'available'],
      ['frank', 'available', 'away'],
      ['frank', 'dnd', 'available'],
    ]);
    const online = await srv.app.presence.online(tenant.tenant.id);
    expect(online.find((u) => u.userId === 'frank')).toMatchObject({ status: 'dnd', rooms: [] });
    // Only watchers (and frank's own tabs) hear frank's status: not everyone in the tenant.
    expect(bystanderSaw.filter((e) => e.event === 'presence:status' && e.payload.userId === 'frank')).toEqual([]);
  });

  it('coalesces a caret flood to the budget, latest position wins', async () => {
    const alice = await client('alice');
    const { roomId } = await request(alice, 'room:join', { context: context('5') });
    const bob = await client('bob');
    await waitForJoin(alice, bob, context('5'));
    const received: any[] = [];
    alice.on('presence:caret', (c) => received.push(c));
    const started = Date.now();
    let last = 0;
    // 300 updates as fast as the socket takes them, spread over ~1 s.
    for (let i = 1; i <= 300; i++) {
      bob.emit('presence:caret', { roomId, field: 'notes', anchor: i, head: i });
      last = i;
      if (i % 30 === 0) await sleep(100);
    }
    const elapsed = (Date.now() - started) / 1000;
    if (received.at(-1)?.head !== last) await waitFor(alice, 'presence:caret', (c: any) => c.head === last, 2_000).catch(() => undefined);
    await sleep(150);
    const budget = Math.ceil(elapsed * 20) + 2;
    expect(received.length).toBeGreaterThan(3);
    expect(received.length).toBeLessThanOrEqual(budget);
    expect(received.at(-1)).toMatchObject({ roomId, userId: 'bob', field: 'notes', anchor: last, head: last });
    // The stored caret (for people joining later) is the latest one too.
    await srv.app.presence.tick();
    const bobP = (await srv.app.presence.participants(tenant.tenant.id, roomId)).find((p) => p.userId === 'bob');
    expect(bobP?.carets).toMatchObject([{ field: 'notes', anchor: last, head: last }]);
  });

  it('a broadcast that reaches a joiner before its join answer is not undone by the older snapshot in it', async () => {
    // Hold gina's join after presence took its snapshot (she is already in the room by then), so
    // a change made meanwhile reaches her before her answer: the race, made certain.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    srv.app.rooms.onJoin('test-gate', async ({ user }) => {
      if (user.userId !== 'gina') return;
      held();
      await gate;
    }, { last: true });

    const alice = await client('alice');
    const { roomId } = await request(alice, 'room:join', { context: context('8') });
    const gina = await client('gina');
    const seen = arrivals(gina);
    const answered = seen.join({ context: context('8') });
    await holding;
    const early = waitFor(gina, 'presence:update', (p: any) => p.participant.userId === 'alice' && p.participant.focus[0] === 'email');
    const ack = await request(alice, 'presence:update', { roomId, focus: 'email' });
    await early;
    release();
    const answer = await answered;

    // On the wire: the update came first, then the answer whose snapshot still shows alice without focus.
    expect(seen.log.map((e) => e.event)).toEqual(['presence:update', 'room:join']);
    const snapshotAlice = answer.presence.participants.find((p: any) => p.userId === 'alice');
    expect(snapshotAlice.focus).toEqual([]);
    expect(ack.participant.version).toBeGreaterThan(answer.presence.version);
    // Replacing the list with the snapshot (the old overlay) loses alice's focus; versions keep it.
    expect(focusOf(rosterOnJoin('gina', answer.presence, []))).toEqual({ alice: [] });
    expect(focusOf(overlayView(seen.log, 'gina'))).toEqual({ alice: ['email'] });

    // "left" and a later re-join, received after the snapshot, in any order against it.
    const leftMsg = waitFor(gina, 'presence:leave', (p: any) => p.userId === 'alice');
    await request(alice, 'room:leave', { roomId });
    const leave = await leftMsg;
    expect(leave.version).toBeGreaterThan(answer.presence.version);
    const snapshot = presenceMessage('room:join', answer.presence)!;
    const leftM = presenceMessage('presence:leave', leave)!;
    expect(focusOf(replay([leftM, snapshot], 'gina'))).toEqual({});
    const rejoined = waitFor(gina, 'presence:join', (p: any) => p.participant.userId === 'alice');
    await request(alice, 'room:join', { context: context('8') });
    const back = presenceMessage('presence:join', await rejoined)!;
    expect(focusOf(replay([back, leftM, snapshot], 'gina'))).toEqual({ alice: [] });
    expect(focusOf(replay([leftM, snapshot, back], 'gina'))).toEqual({ alice: [] });
    expect(focusOf(overlayView(seen.log, 'gina'))).toEqual({ alice: [] });
  });

  it('answers REST: active rooms, a room presence, a user presence, who is online', async () => {
    const alice = await client('alice');
    const { roomId } = await request(alice, 'room:join', { context: context('6') });
    await request(alice, 'presence:status', { status: 'busy' });
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const get = async (path: string) => {
      const r = await fetch(`${srv.url}/api/v1${path}`, { headers: auth });
      return { status: r.status, body: (await r.json()) as any };
    };
    const active = await get('/rooms/active');
    expect(active.status).toBe(200);
    expect(active.body.rooms.find((r: any) => r.roomId === roomId)).toMatchObject({ pageKey: 'shop.order:6', participants: 1 });
    const room = await get(`/rooms/${roomId}/presence`);
    expect(room.body.participants).toMatchObject([{ userId: 'alice', status: 'busy' }]);
    const user = await get('/users/alice/presence');
    expect(user.body.status).toBe('busy');
    expect(user.body.rooms.map((r: any) => r.pageKey)).toContain('shop.order:6');
    expect((await get('/users/nobody/presence')).body).toEqual({ userId: 'nobody', status: 'offline', rooms: [] });
    const online = await get('/presence/online?status=busy');
    expect(online.body.users.map((u: any) => u.userId)).toEqual(['alice']);
    expect(online.body.counts.busy).toBe(1);
    expect(online.body.users[0].rooms).toContain(roomId);
    // A user token sees who is online, but not the rooms it may not read.
    const asUser = async (perms: Record<string, Array<'read' | 'write' | 'comment'>>) => {
      const { token } = await srv.app.tokens.mint(tenant.tenant.id, { sub: 'viewer', name: 'Viewer', roles: [], expertise: [], perms });
      const r = await fetch(`${srv.url}/api/v1/presence/online?status=busy`, { headers: { authorization: `Bearer ${token}` } });
      return ((await r.json()) as any).users;
    };
    expect(await asUser({ 'shop.customer:*': ['read'] })).toMatchObject([{ userId: 'alice', rooms: [] }]);
    expect((await asUser({ 'shop.order:*': ['read'] }))[0].rooms).toContain(roomId);
    expect((await get('/presence/online?status=nope')).status).toBe(400);
    expect((await get('/rooms/not-a-uuid/presence')).status).toBe(400);
    const visits = await get(`/rooms/${roomId}/visits`);
    expect(visits.body.visits[0]).toMatchObject({ userId: 'alice', endedAt: null });
    const anon = await fetch(`${srv.url}/api/v1/rooms/active`);
    expect(anon.status).toBe(401);
  });
});

/**
 * What a socket received, in arrival order, with its join answer in its place: the answer is
 * recorded by the raw ack callback, which runs as its packet arrives.
 */
function arrivals(s: Socket) {
  const log: Array<{ event: string; payload: any }> = [];
  for (const event of ['presence:join', 'presence:update', 'presence:leave', 'presence:caret']) {
    s.on(event, (payload: unknown) => log.push({ event, payload }));
  }
  const join = (payload: unknown) =>
    new Promise<any>((resolve, reject) =>
      s.timeout(5_000).emit('room:join', payload, (err: Error | null, answer: any) => {
        if (err) return reject(err);
        log.push({ event: 'room:join', payload: answer.presence });
        resolve(answer);
      }),
    );
  return { log, join };
}

/** The overlay's logic over captured messages: the ones before the join answer wait for its snapshot. */
function overlayView(log: Array<{ event: string; payload: any }>, self: string): Roster {
  const at = log.findIndex((e) => e.event === 'room:join');
  const msgs = (from: number, to?: number) => log.slice(from, to).map((e) => presenceMessage(e.event, e.payload)!);
  return msgs(at + 1).reduce(applyPresence, rosterOnJoin(self, log[at]!.payload, msgs(0, at)));
}

const focusOf = (r: Roster) => Object.fromEntries([...r.people].map(([id, p]) => [id, p.focus]));
const replay = (msgs: PresenceMessage[], self: string) => msgs.reduce(applyPresence, rosterOnJoin(self, undefined, []));

async function waitForJoin(observer: Socket, joiner: Socket, ctx: unknown) {
  const seen = waitFor(observer, 'presence:join');
  const r = await request(joiner, 'room:join', { context: ctx });
  if (!r.ok) throw new Error(JSON.stringify(r));
  await seen;
}
