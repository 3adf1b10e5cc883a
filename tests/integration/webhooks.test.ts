import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../src/features/webhooks/sign.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

interface Received {
  id: string;
  type: string;
  verified: boolean;
  attempt: number;
  body: { id: string; type: string; data: Record<string, unknown> };
}

/** A real HTTP receiver that checks signatures and fails on demand. */
async function receiver(secretOf: () => string) {
  const got: Received[] = [];
  let failNext = 0;
  let status = 200;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('down');
        return;
      }
      const ok = verify(secretOf(), { signature: req.headers['x-tandem-signature'] as string, timestamp: req.headers['x-tandem-timestamp'] as string }, raw, Math.floor(Date.now() / 1000));
      const body = JSON.parse(raw);
      got.push({ id: req.headers['x-tandem-event-id'] as string, type: body.type, verified: ok, attempt: Number(req.headers['x-tandem-delivery-attempt']), body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    failNext: (n: number) => void (failNext = n),
    setStatus: (s: number) => void (status = s),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(!hasPg)('webhooks (Postgres, real HTTP receiver)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  // The receivers listen on 127.0.0.1, which the default SSRF guard refuses (webhooks-network.test.ts).
  const env = { EVENTS_POLL_MS: '100', WEBHOOK_RETRY_SCHEDULE: '0.2,0.2,0.2', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${srv.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', ...init.headers } });
  const publish = (type: string, data: Record<string, unknown> = {}) =>
    srv.app.db.transaction((tx) => srv.app.events.publish(tx, { tenantId: tenant.tenant.id, type, actor: { type: 'system', id: 'test' }, data }));

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('delivers signed JSON for subscribed types only; a tampered body does not verify', async () => {
    let secret = '';
    const rx = await receiver(() => secret);
    const reg = await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: rx.url, eventTypes: ['chat.*', 'record.saved'] }) });
    expect(reg.status).toBe(201);
    const ep = await reg.json();
    secret = ep.secret;
    expect(secret).toMatch(/^whsec_/);
    const e1 = await publish('chat.message.created', { text: 'hi' });
    await publish('delegation.created');
    const e3 = await publish('record.saved', { id: 1 });
    await until(() => rx.got.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.got.map((g) => g.id).sort()).toEqual([e1.id, e3.id].sort());
    expect(rx.got.every((g) => g.verified)).toBe(true);
    expect(rx.got.find((g) => g.id === e1.id)!.body).toMatchObject({ id: e1.id, type: 'chat.message.created', data: { text: 'hi' }, tenantId: tenant.tenant.id });
    const ts = Math.floor(Date.now() / 1000);
    const { sign } = await import('../../src/features/webhooks/sign.js');
    expect(verify(secret, { signature: sign(secret, ts, '{"a":1}'), timestamp: String(ts) }, '{"a":2}', ts)).toBe(false);
    expect(verify(secret, { signature: sign(secret, ts - 3600, '{"a":1}'), timestamp: String(ts - 3600) }, '{"a":1}', ts)).toBe(false);
    await api(`/webhooks/${ep.id}`, { method: 'DELETE' });
    await rx.close();
  });

  it('retries with backoff after receiver failures, and logs every attempt', async () => {
    let secret = '';
    const rx = await receiver(() => secret);
    const ep = await (await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: rx.url, eventTypes: ['*'] }) })).json();
    secret = ep.secret;
    rx.failNext(2);
    const ev = await publish('record.saved', { n: 1 });
    await until(() => rx.got.length === 1);
    expect(rx.got[0]).toMatchObject({ id: ev.id, attempt: 3, verified: true });
    // The receiver answers before the worker records the outcome: wait for the record.
    const deliveries = async () => (await (await api(`/webhooks/${ep.id}/deliveries`)).json());
    await until(async () => (await deliveries()).deliveries[0]?.status === 'delivered');
    const log = await deliveries();
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ eventId: ev.id, status: 'delivered', attempts: 3, lastStatus: 200 });
    expect(log.deliveries[0].log.map((a: { status: number }) => a.status)).toEqual([503, 503, 200]);

    // Past the last retry the delivery is marked failed, not retried forever.
    rx.failNext(100);
    const ev2 = await publish('record.saved', { n: 2 });
    await until(async () => (await (await api(`/webhooks/${ep.id}/deliveries?status=failed`)).json()).deliveries.length === 1);
    const failed = (await (await api(`/webhooks/${ep.id}/deliveries?status=failed`)).json()).deliveries[0];
    expect(failed).toMatchObject({ eventId: ev2.id, attempts: 4, lastError: 'HTTP 503' });
    await api(`/webhooks/${ep.id}`, { method: 'DELETE' });
    await rx.close();
  });

  it('a restart loses nothing: pending deliveries are sent by the next process, each id once', async () => {
    // Retries that cannot run out while the receiver is down: with three 0.2 s retries a loaded
    // machine used them all up before the restart, and those deliveries failed for good.
    const patient = { ...env, WEBHOOK_RETRY_SCHEDULE: Array(40).fill('0.5').join(',') };
    await srv.close();
    srv = await startTandem({ databaseUrl: db.url, env: patient });
    let secret = '';
    const rx = await receiver(() => secret);
    const ep = await (await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: rx.url, eventTypes: ['record.*'] }) })).json();
    secret = ep.secret;
    rx.failNext(1_000_000); // the receiver is down while the first server runs
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await publish('record.saved', { i })).id);
    await until(async () => {
      const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND attempts > 0`, [ep.id]);
      return rows[0]!.n === 20;
    });
    await srv.close();
    rx.failNext(0);
    srv = await startTandem({ databaseUrl: db.url, env: patient });
    // The next process picks the pending rows up on its retry schedule; 45 s only bounds a broken run.
    await until(() => new Set(rx.got.map((g) => g.id)).size === 20, 45_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.got.map((g) => g.id).sort()).toEqual([...ids].sort());
    expect(rx.got.every((g) => g.verified && g.attempt >= 2)).toBe(true);
    await rx.close();
  }, 90_000);

  it('refuses bad endpoints and other tenants', async () => {
    expect((await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'ftp://x.test/', eventTypes: ['*'] }) })).status).toBe(400);
    expect((await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://u:p@x.test/', eventTypes: ['*'] }) })).status).toBe(400);
    expect((await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://x.test/', eventTypes: ['Bad Type'] }) })).status).toBe(400);
    const ep = await (await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://127.0.0.1:9/x', eventTypes: ['none.such'] }) })).json();
    const other = await createTenant(srv.app, uniqueId());
    const r = await fetch(`${srv.url}/api/v1/webhooks/${ep.id}/deliveries`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    expect(r.status).toBe(404);
    const user = await fetch(`${srv.url}/api/v1/webhooks`, { headers: { authorization: `Bearer ${(await srv.app.tokens.mint(tenant.tenant.id, { sub: 'u', name: 'u', roles: [], expertise: [], perms: {} })).token}` } });
    expect(user.status).toBe(403);
  });
});
