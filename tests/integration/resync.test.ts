// Issue 15: a broadcast lost on the way between instances must never leave a client behind for
// good. Redis is "killed" (a TCP proxy in front of the real one is cut) while a room is active;
// ops and a chat message are committed on A meanwhile; Redis returns and the room goes quiet.
// Every client on B must converge with no further edits. Then the periodic announcement: ops
// committed on an instance that never fans out at all reach the others' clients anyway.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, onRoomEvent, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { startTcpProxy, targetOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Editor, joinForm, storedText } from './fields.harness.js';

const fields = [{ name: 'notes', kind: 'textarea', value: '' }];

/** Polls until `ok()` holds; the bound only stops a broken run. */
async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the overlay's chat does with room events: apply in order, fetch on a gap or when room:heads is ahead. */
class ChatFollower {
  lastSeq = 0;
  bodies: string[] = [];
  private catching = false;
  constructor(
    private socket: Socket,
    private roomId: string,
  ) {
    onRoomEvent(socket, (e: { roomId: string; seq: number; type: string; data: { message?: { body: string } } }) => {
      if (e.roomId !== roomId) return;
      if (e.seq > this.lastSeq + 1) return void this.catchUp();
      this.apply(e);
    });
    socket.on('room:heads', (m: { roomId: string; events: number }) => {
      if (m.roomId === roomId && m.events > this.lastSeq) void this.catchUp();
    });
  }
  private apply(e: { seq: number; type: string; data: { message?: { body: string } } }) {
    if (e.seq <= this.lastSeq) return;
    if (e.type === 'chat.message.created' && e.data.message) this.bodies.push(e.data.message.body);
    this.lastSeq = e.seq;
  }
  async catchUp() {
    if (this.catching) return;
    this.catching = true;
    try {
      const r = await request(this.socket, 'chat:sync', { roomId: this.roomId, afterSeq: this.lastSeq });
      if (r.ok) for (const e of r.events) this.apply(e);
    } finally {
      this.catching = false;
    }
  }
}

async function joinAll(servers: TestServer[], tenant: Awaited<ReturnType<typeof createTenant>>, url: string) {
  const editors: Editor[] = [];
  const chats: ChatFollower[] = [];
  let roomId = '';
  for (const [i, srv] of servers.entries()) {
    const s = await connect(srv.url, await tenant.token(`u${i}`));
    const j = await joinForm(s, url, fields);
    roomId = j.roomId;
    editors.push(new Editor(s, j.roomId, 'notes', { text: '', version: j.document.fields.notes!.version }));
    const chat = new ChatFollower(s, j.roomId);
    await chat.catchUp();
    chats.push(chat);
  }
  return { editors, chats, roomId };
}

async function type(ed: Editor, token: string) {
  ed.edit([token]);
  await ed.settle(15_000);
}

describe.skipIf(!hasPg || !hasRedis)('resync after fan-out loss (two instances, Redis behind a cuttable proxy)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let redisProxy: TcpProxy;
  let A: TestServer;
  let B: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    redisProxy = await startTcpProxy(targetOf(redisUrl!));
    // No periodic announcement within the test: what brings B's clients back is the reconnect.
    const env = { RESYNC_INTERVAL_MS: '600000', RATE_LIMIT_KEY_PREFIX: uniqueId('rl') };
    A = await startTandem({ databaseUrl: db.url, redisUrl: redisProxy.rewrite(redisUrl!), env });
    B = await startTandem({ databaseUrl: db.url, redisUrl: redisProxy.rewrite(redisUrl!), env });
    tenant = await createTenant(A.app, uniqueId('rs'));
  });
  afterAll(async () => {
    redisProxy?.restore();
    await Promise.allSettled([A?.close(), B?.close()]);
    await redisProxy?.close();
    await db?.drop();
  });

  it('Redis killed while a room is active, then the room goes quiet: every client converges after Redis returns', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const { editors, chats, roomId } = await joinAll([A, A, B, B, B], tenant, url);
    const onA = editors.slice(0, 2);
    const onB = editors.slice(2);
    // Active room, fan-out working: B hears A's op.
    await type(onA[0]!, '<warm>');
    await until(() => onB.every((e) => e.text === '<warm>'), 'fan-out before the outage');

    redisProxy.cut();
    await until(() => !A.app.realtime.fanoutUp && !B.app.realtime.fanoutUp, 'both instances notice Redis is gone');
    for (let i = 0; i < 6; i++) await type(onA[i % 2]!, `<down${i}>`);
    const sent = await request(onA[0]!.socket, 'chat:send', { roomId, body: 'sent while Redis was down', clientMsgId: 'down-1' });
    expect(sent.ok).toBe(true);
    const stored = await storedText(A, roomId, 'notes');
    expect(stored.version).toBe(7);
    // An outage longer than ioredis' retries (maxRetriesPerRequest) drops the queued publishes for good.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(onB.every((e) => e.client.version < stored.version)).toBe(true);

    redisProxy.restore();
    // No edits from here on.
    await until(
      () => editors.every((e) => e.text === stored.text && e.client.version === stored.version) && chats.every((c) => c.bodies.includes('sent while Redis was down')),
      `clients converge after Redis returns (B at ${onB.map((e) => e.client.version)} of ${stored.version})`,
    );
    expect(editors.flatMap((e) => e.errors)).toEqual([]);
    expect(editors.every((e) => e.client.ownRepeats === 0)).toBe(true);
    for (const e of editors) e.socket.close();
  }, 90_000);
});

describe.skipIf(!hasPg || !hasRedis)('periodic head announcement', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let B: TestServer;
  let C: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    B = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env: { RESYNC_INTERVAL_MS: '300', RATE_LIMIT_KEY_PREFIX: uniqueId('rl') } });
    // An instance whose broadcasts never leave it (no Redis at all): every op it commits is a lost broadcast for B.
    C = await startTandem({ databaseUrl: db.url });
    tenant = await createTenant(B.app, uniqueId('rp'));
  });
  afterAll(async () => {
    await Promise.allSettled([B?.close(), C?.close()]);
    await db?.drop();
  });

  it('a client that missed broadcasts in a quiet room catches up within an interval, without further edits', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const { editors, chats, roomId } = await joinAll([C, B, B], tenant, url);
    for (let i = 0; i < 3; i++) await type(editors[0]!, `<c${i}>`);
    expect((await request(editors[0]!.socket, 'chat:send', { roomId, body: 'from C', clientMsgId: 'c-1' })).ok).toBe(true);
    const stored = await storedText(B, roomId, 'notes');
    await until(
      () => editors.every((e) => e.text === stored.text) && chats.every((c) => c.bodies.includes('from C')),
      'B clients catch up from the periodic announcement',
    );
    expect(editors.flatMap((e) => e.errors)).toEqual([]);
    for (const e of editors) e.socket.close();
  }, 60_000);
});
