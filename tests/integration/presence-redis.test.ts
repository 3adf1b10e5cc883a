import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPresence, emptyRoster, type PresenceMessage, presenceMessage } from '../../src/overlay/presence/roster.js';
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

    const left = waitFor(bob, 'presence:leave', (p: any) => p.userId === 'alice', 15_000);
    alice.close();
    await left;
    expect(await b.app.presence.getStatus(tenant.tenant.id, 'alice')).toBe('offline');
  });

  it('versions of one person increase across both instances, snapshot and broadcasts, and make arrival order irrelevant', async () => {
    const ctx = context('9');
    const erin = await client(a.url, 'erin'); // watches the room from instance A
    const { roomId } = await request(erin, 'room:join', { context: ctx });
    const heard: Array<{ event: string; payload: any }> = [];
    for (const event of ['presence:join', 'presence:update', 'presence:leave']) erin.on(event, (payload) => heard.push({ event, payload }));
    const aboutDave = (e: { payload: any }) => (e.payload.participant?.userId ?? e.payload.userId) === 'dave';
    const versionOf = (e: { payload: any }): number => e.payload.participant?.version ?? e.payload.version;
    const heardVersion = (v: number) => new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 5_000;
      const check = () => heard.some((e) => aboutDave(e) && versionOf(e) === v) ? resolve() : Date.now() > deadline ? reject(new Error(`erin never heard version ${v}`)) : setTimeout(check, 20);
      check();
    });

    // Dave has a tab on each instance; every change, whichever instance makes it, gets a higher version.
    const tabA = await client(a.url, 'dave');
    const tabB = await client(b.url, 'dave');
    const causal: number[] = [];
    const joinA = await request(tabA, 'room:join', { context: ctx });
    causal.push(joinA.presence.participants.find((p: any) => p.userId === 'dave').version);
    const joinB = await request(tabB, 'room:join', { context: ctx });
    causal.push(joinB.presence.version);
    for (const [tab, focus] of [[tabA, 'notes'], [tabB, 'notes'], [tabA, null], [tabB, null]] as const) {
      const r = await request(tab, 'presence:update', { roomId, focus });
      expect(r.ok).toBe(true);
      causal.push(r.participant.version);
    }
    // A joiner on B: its snapshot is newer than all of that.
    const frank = await client(b.url, 'frank');
    const snap = await request(frank, 'room:join', { context: ctx });
    expect(snap.presence.participants.every((p: any) => p.version === snap.presence.version)).toBe(true);
    causal.push(snap.presence.version);
    // Dave's last tab leaves on B ("left"), and he comes back on A.
    await request(tabA, 'room:leave', { roomId });
    const left = waitFor(erin, 'presence:leave', (p: any) => p.userId === 'dave');
    await request(tabB, 'room:leave', { roomId });
    causal.push((await left).version);
    const back = await request(tabA, 'room:join', { context: ctx });
    const daveBack = back.presence.participants.find((p: any) => p.userId === 'dave');
    causal.push(daveBack.version);
    for (let i = 1; i < causal.length; i++) expect(causal[i]!, `change ${i}: ${causal.join(', ')}`).toBeGreaterThan(causal[i - 1]!);
    await heardVersion(daveBack.version);

    // Now concurrently from both instances, without waiting: whatever order erin hears them in,
    // the highest version is the final state, so replaying them in any order ends the same.
    await request(tabB, 'room:join', { context: ctx });
    const fields = ['notes', 'status', 'email'];
    const acks = await Promise.all(
      Array.from({ length: 24 }, (_, i) => request(i % 2 ? tabB : tabA, 'presence:update', { roomId, focus: fields[i % 3]!, typing: i % 4 === 0 })),
    );
    const versions = acks.map((r) => r.participant.version as number);
    expect(new Set(versions).size).toBe(versions.length);
    for (const v of versions) await heardVersion(v);
    const truth = (await b.app.presence.participants(tenant.tenant.id, roomId)).find((p) => p.userId === 'dave')!;
    const msgs: PresenceMessage[] = heard.filter(aboutDave).map((e) => presenceMessage(e.event, e.payload)!);
    const fromBothEnds = msgs.map((_, i) => msgs[i % 2 ? msgs.length - 1 - (i >> 1) : i >> 1]!);
    for (const order of [msgs, [...msgs].reverse(), fromBothEnds]) {
      const dave = order.reduce(applyPresence, emptyRoster('erin')).people.get('dave');
      expect(dave).toMatchObject({ focus: truth.focus, typing: truth.typing, tabs: truth.tabs });
    }
    expect(truth.tabs).toBe(2);
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
