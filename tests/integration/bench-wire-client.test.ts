// The bench generator's own Socket.IO client (bench/wire-client.ts) against a real Tandem: the
// latencies the benches report are only as good as this client's reading of the protocol.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawNumber, rawString, WireConnectError, WireProtocolError, WireSocket } from '../../bench/wire-client.js';
import { uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

const join = (pageKey: string) => ({ context: { url: `/x/${pageKey}`, pageKey, title: pageKey, fields: [{ name: 'note', kind: 'textarea' }] } });

/** Resolves when `check()` holds, polling; rejects after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bench wire client against a real Tandem', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: WireSocket[] = [];
  const user = async (id: string) => {
    const s = await WireSocket.connect(srv.url, { auth: { token: await tenant.token(id), protocol: 1 } });
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    srv = await startTandem();
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
  });

  it('connects, gets the session greeting, joins with an ack and receives a broadcast raw and parsed', async () => {
    const ann = await user('ann');
    expect(ann.greeting).toMatchObject({ protocol: 1, user: { id: 'ann', name: 'ann' } });
    const ben = await user('ben');

    const a = await ann.emitWithAck('room:join', join('wire:one'));
    expect(a).toMatchObject({ ok: true, roomId: expect.any(String) });
    expect(await ben.emitWithAck('room:join', join('wire:one'))).toMatchObject({ ok: true, roomId: a.roomId });

    const raw: string[] = [];
    const parsed: Array<{ type: string; data: { message?: { body: string } } }> = [];
    ben.onRaw('room:event', (frame) => raw.push(frame));
    ben.on('room:event', (e) => parsed.push(e));
    const body = `t=${performance.now()} hello "quoted" é`;
    const sent = await ann.emitWithAck('chat:send', { roomId: a.roomId, body, clientMsgId: 'w-1' });
    expect(sent).toMatchObject({ ok: true, message: { body } });

    await until(() => parsed.some((e) => e.type === 'chat.message.created'), 'the broadcast');
    const i = parsed.findIndex((e) => e.type === 'chat.message.created');
    expect(parsed[i]!.data.message!.body).toBe(body);
    // The raw handler saw the same frame, unparsed, and the cheap readers agree with JSON.parse.
    const frame = raw[i]!;
    expect(frame.startsWith('42["room:event",{')).toBe(true);
    expect(JSON.parse(frame.slice(2))[1]).toEqual(parsed[i]);
    expect(rawNumber(frame, 'seq')).toBe(sent.message.seq);
    expect(rawString(frame, 'roomId')).toBe(a.roomId);
    const t = frame.indexOf('"body":"t=');
    expect(Number(frame.slice(t + 10, frame.indexOf(' ', t)))).toBe(Number(body.slice(2, body.indexOf(' '))));
    // A value with escapes is refused by the cheap reader rather than returned half-decoded.
    expect(() => rawString(frame, 'body')).toThrow(WireProtocolError);

    // Acks are matched by id, so concurrent requests each get their own answer.
    const answers = await Promise.all(['w-2', 'w-3', 'w-4'].map((id) => ann.emitWithAck('chat:send', { roomId: a.roomId, body: id, clientMsgId: id })));
    expect(answers.map((r) => r.message.clientMsgId)).toEqual(['w-2', 'w-3', 'w-4']);
  });

  it('is refused with CONNECT_ERROR and the server error body for a bad or missing token', async () => {
    const bad = await WireSocket.connect(srv.url, { auth: { token: 'not-a-jwt', protocol: 1 } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(WireConnectError);
    expect((bad as WireConnectError).data).toMatchObject({ code: 'token_invalid' });
    const none = await WireSocket.connect(srv.url, { auth: { protocol: 1 } }).catch((e: unknown) => e);
    expect((none as WireConnectError).data).toMatchObject({ code: 'token_missing' });
  });

  it('answers engine.io pings, so the server keeps the connection', async () => {
    // Tandem's heartbeat is fixed at 10 s; engine.io reads its options at every ping, so a short
    // interval for the connections opened now. engine.io sends the next ping only once the
    // previous one was answered: three pings received means the server got our pongs.
    const opts = srv.app.realtime.io.engine.opts;
    const saved = opts.pingInterval;
    opts.pingInterval = 100;
    try {
      const s = await user('pinged');
      await until(() => s.pings >= 3 || s.closeReason !== null, 'three pings');
      expect(s.closeReason).toBeNull();
      expect(s.pings).toBeGreaterThanOrEqual(3);
      expect(await s.emitWithAck('room:join', join('wire:ping'))).toMatchObject({ ok: true });
    } finally {
      opts.pingInterval = saved;
    }
  });

  it('reads in batches: every broadcast arrives, in order, only inside batches, and reads resume on demand', async () => {
    const cal = await user('cal');
    const dee = await user('dee');
    const { roomId } = await cal.emitWithAck('room:join', join('wire:batched'));
    expect(await dee.emitWithAck('room:join', join('wire:batched'))).toMatchObject({ ok: true, roomId });
    const seqs: number[] = [];
    dee.onRaw('room:event', (frame) => {
      if (frame.includes('"chat.message.created"')) seqs.push(rawNumber(frame, 'seq'));
    });
    // Sends in quick succession: the server may carry several in one room:events frame.
    dee.onRaw('room:events', (frame) => {
      const [, m] = JSON.parse(frame.slice(2)) as [string, { events: Array<{ type: string; seq: number }> }];
      for (const e of m.events) if (e.type === 'chat.message.created') seqs.push(e.seq);
    });
    dee.readInBatches(100);
    // One at a time, so the broadcasts reach dee spread over several batches.
    const sent: number[] = [];
    for (let i = 0; i < 12; i++) sent.push((await cal.emitWithAck('chat:send', { roomId, body: `b${i}`, clientMsgId: `b-${i}` })).message.seq);
    await until(() => seqs.length === sent.length, 'the batched broadcasts');
    expect(seqs).toEqual(sent);
    // Nothing was read outside a batch: at most one TCP read per batch, for this little data.
    expect(dee.readEvents).toBeGreaterThan(0);
    expect(dee.readEvents).toBeLessThanOrEqual(dee.batches);
    // An ack travels the same batched path.
    expect(await dee.emitWithAck('chat:send', { roomId, body: 'from dee', clientMsgId: 'd-1' })).toMatchObject({ ok: true });

    // Back to reading at once: with no batch timer left, these arrive only because reads resumed.
    dee.readImmediately();
    const batches = dee.batches;
    for (let i = 0; i < 3; i++) {
      const { message } = await cal.emitWithAck('chat:send', { roomId, body: `i${i}`, clientMsgId: `i-${i}` });
      await until(() => seqs.includes(message.seq), `immediate broadcast ${i}`);
    }
    expect(dee.batches).toBe(batches);
  });

  it('answers pings while reading in batches, so the server keeps the connection', async () => {
    const opts = srv.app.realtime.io.engine.opts;
    const saved = opts.pingInterval;
    opts.pingInterval = 100;
    try {
      const s = await user('batched-pinged');
      s.readInBatches(50);
      await until(() => s.pings >= 3 || s.closeReason !== null, 'three pings');
      expect(s.closeReason).toBeNull();
      expect(s.pings).toBeGreaterThanOrEqual(3);
      expect(await s.emitWithAck('room:join', join('wire:batched-ping'))).toMatchObject({ ok: true });
    } finally {
      opts.pingInterval = saved;
    }
  });
});

describe('bench wire client batched reads against a bare server', () => {
  // Frames written one at a time, each alone in its own TCP segment, with the client's batch count
  // noted once the write reached the kernel (the send callback): a frame must be read by the next
  // whole batch after that, i.e. at most about one interval late. Counted in batches, not in ms.
  let wss: WebSocketServer;
  let url: string;
  const FRAMES = 30;
  let client: WireSocket | null = null;
  const batchesAtWrite: number[] = [];
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (ws) => {
      ws.send('0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
      ws.on('message', (m) => {
        if (String(m).startsWith('40')) {
          ws.send('40{"sid":"n1"}');
          ws.send('42["session",{}]');
        }
        if (String(m) !== '42["go",{}]') return;
        let i = 0;
        const next = () => {
          const n = i++;
          ws.send(`42["n",{"i":${n}}]`, () => {
            batchesAtWrite[n] = client!.batches;
          });
          if (i < FRAMES) setTimeout(next, 10);
        };
        next();
      });
    });
  });
  afterAll(() => new Promise<void>((r) => wss.close(() => r())));

  it('delivers every frame, in order, by the batch after the one under way when it was written', async () => {
    const s = await WireSocket.connect(url);
    client = s;
    const got: Array<{ i: number; batches: number }> = [];
    s.onRaw('n', (frame) => got.push({ i: rawNumber(frame, 'i'), batches: s.batches }));
    s.readInBatches(100);
    s.emit('go', {});
    await until(() => got.length === FRAMES, 'all frames');
    expect(got.map((g) => g.i)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    for (const g of got) {
      // The batch under way at the write may have read before the frame arrived, so the next one
      // must have it; one more for loopback delivery on a busy machine.
      expect(g.batches, `frame ${g.i}`).toBeLessThanOrEqual(batchesAtWrite[g.i]! + 2);
    }
    expect(s.readEvents).toBeLessThanOrEqual(s.batches);
    s.close();
  });
});

describe('bench wire client refuses what it does not implement', () => {
  // A bare WebSocket server speaking the engine.io handshake, then a packet this client must not guess at.
  let wss: WebSocketServer;
  let url: string;
  let next = '';
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (ws) => {
      ws.send('0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
      ws.on('message', (m) => {
        if (String(m).startsWith('40')) {
          ws.send('40{"sid":"n1"}');
          ws.send('42["session",{}]');
        }
        // Only once the test has its error handler in place.
        if (String(m) === '42["go",{}]') ws.send(next);
      });
    });
  });
  afterAll(() => new Promise<void>((r) => wss.close(() => r())));

  for (const [what, frame] of [
    ['a binary event', '451-["x",{"_placeholder":true,"num":0}]'],
    ['an event asking for an ack', '427["x",{}]'],
    ['an event in another namespace', '42/admin,["x",{}]'],
    ['an ack nobody asked for', '439[{}]'],
    ['an unknown engine.io packet', '9'],
  ] as const) {
    it(`fails loudly on ${what}`, async () => {
      next = frame;
      const s = await WireSocket.connect(url);
      const errors: Error[] = [];
      s.onError((e) => errors.push(e));
      s.emit('go', {});
      await until(() => errors.length > 0, 'the protocol error');
      expect(errors[0]).toBeInstanceOf(WireProtocolError);
      expect(s.closeReason).toMatch(/^protocol error/);
      expect(() => s.emit('x', {})).toThrow(/not connected/);
    });
  }
});
