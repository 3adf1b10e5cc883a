import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, request } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

interface Frame {
  type: string;
  event?: { id: string; type: string; pageKey: string | null; data: Record<string, unknown> };
  [k: string]: unknown;
}

/** A plain WebSocket client of the service stream that records every frame. */
async function stream(url: string, key: string, query = '') {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/stream${query}`, { headers: { authorization: `Bearer ${key}` } });
  const frames: Frame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    const t = setInterval(() => frames.some((f) => f.type === 'hello') && (clearInterval(t), resolve()), 10);
  });
  const events = () => frames.filter((f) => f.type === 'event').map((f) => f.event!);
  const until = async (n: number, ms = 5_000) => {
    const end = Date.now() + ms;
    while (events().length < n) {
      if (Date.now() > end) throw new Error(`got ${events().length} events, wanted ${n}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return events();
  };
  return { ws, frames, events, until, close: () => ws.close() };
}

describe.skipIf(!hasPg)('service event stream (Postgres, plain WebSocket)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const publish = (type: string, pageKey: string | null = null, data: Record<string, unknown> = {}, t = tenant) =>
    srv.app.db.transaction((tx) => srv.app.events.publish(tx, { tenantId: t.tenant.id, type, pageKey, actor: { type: 'system', id: 'test' }, data }));

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env: { EVENTS_POLL_MS: '100' } });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('streams the tenant events live (chat included), filtered by type and room pattern, never another tenant', async () => {
    const other = await createTenant(srv.app, uniqueId());
    const all = await stream(srv.url, tenant.apiKey);
    const orders = await stream(srv.url, tenant.apiKey, '?types=chat.*&rooms=shop.order:*');
    await publish('record.saved', 'shop.order:1');
    await publish('record.saved', 'x', {}, other);
    const s = await connect(srv.url, await tenant.token('amy'));
    const { roomId } = await request(s, 'room:join', { context: { url: '/admin/shop/order/7/change/', fields: [] } });
    await request(s, 'chat:send', { roomId, body: 'hello', clientMsgId: 'a1' });
    const { roomId: r2 } = await request(s, 'room:join', { context: { url: '/admin/shop/invoice/7/change/', fields: [] } });
    await request(s, 'chat:send', { roomId: r2, body: 'elsewhere', clientMsgId: 'a2' });
    const got = await all.until(3);
    expect(got.map((e) => e.type)).toEqual(['record.saved', 'chat.message.created', 'chat.message.created']);
    const filtered = await orders.until(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(orders.events()).toHaveLength(1);
    expect(filtered[0]).toMatchObject({ type: 'chat.message.created', pageKey: 'shop.order:7' });
    expect(all.events().every((e) => (e as unknown as { tenantId: string }).tenantId === tenant.tenant.id)).toBe(true);
    s.close();
    all.close();
    orders.close();
  });

  it('resumes after the last event id with exactly what was missed, in order', async () => {
    const first = await stream(srv.url, tenant.apiKey, '?types=resume.*');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await publish('resume.test', null, { i })).id);
    const seen = await first.until(5);
    expect(seen.map((e) => e.id)).toEqual(ids);
    first.close();
    const lastSeen = seen[2]!.id;
    // Written while nobody listens, concurrently (commit order differs from id order).
    await Promise.all(Array.from({ length: 20 }, (_, i) => publish('resume.test', null, { i: 5 + i }).then((e) => ids.push(e.id))));
    const again = await stream(srv.url, tenant.apiKey, `?types=resume.*&lastEventId=${lastSeen}`);
    expect(again.frames[0]).toMatchObject({ type: 'hello', resume: 'resumed' });
    const got = await again.until(22);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.events()).toHaveLength(22);
    expect(new Set(got.map((e) => e.id))).toEqual(new Set(ids.slice(3)));
    again.close();

    // An id nobody knows (or one past retention): a reset, then replay from the oldest retained.
    const lost = await stream(srv.url, tenant.apiKey, '?types=resume.*&lastEventId=999999999');
    expect(lost.frames.map((f) => f.type).slice(0, 2)).toEqual(['hello', 'reset']);
    expect((await lost.until(25)).map((e) => e.id)[0]).toBe(ids[0]);
    lost.close();
  });

  it('refuses user tokens, bad keys and bad filters; answers pings', async () => {
    const bad = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer tdm_nope` } });
    const status = await new Promise<number>((r) => bad.on('unexpected-response', (_req, res) => r(res.statusCode!)));
    expect(status).toBe(401);
    const asUser = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${await tenant.token('amy')}` } });
    expect(await new Promise<number>((r) => asUser.on('unexpected-response', (_req, res) => r(res.statusCode!)))).toBe(403);
    const s = await stream(srv.url, tenant.apiKey);
    s.ws.send(JSON.stringify({ type: 'ping', id: 'p1' }));
    s.ws.send('garbage');
    await new Promise((r) => setTimeout(r, 200));
    expect(s.frames.map((f) => f.type)).toEqual(['hello', 'pong', 'error']);
    s.close();
    const filt = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream?types=Bad%20Type`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    const first = await new Promise<Frame>((r) => filt.once('message', (d) => r(JSON.parse(d.toString()))));
    expect(first).toMatchObject({ type: 'error', error: { code: 'validation_failed' } });
  });
});
