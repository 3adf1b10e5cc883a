import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPinned, RefusedTarget, resolveTarget, type Lookup, type Resolved } from '../../src/outbound/deliver.js';
import { createWebhookStore } from '../../src/features/webhooks/store.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

/** A real HTTP receiver on 127.0.0.1 that records every request; `answer` picks the response. */
async function receiver(answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end()) {
  const got: Array<{ host: string | undefined; url: string | undefined; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ host: req.headers.host, url: req.url, body });
      answer(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(!hasPg)('webhook network restrictions (default config, Postgres)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  // Default WEBHOOK_ALLOW_PRIVATE_NETWORKS (false); short retries so "not retried" is observable.
  const env = { EVENTS_POLL_MS: '100', WEBHOOK_RETRY_SCHEDULE: '0.1,0.1,0.1', WEBHOOK_TIMEOUT_MS: '1000' };
  const register = (url: string, eventTypes = ['none.such']) =>
    fetch(`${srv.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url, eventTypes }),
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('refuses loopback, metadata, private and localhost endpoints at registration with a clear 400', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://127.0.0.1:9/x', /127\.0\.0\.1 is a loopback address/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local \(cloud metadata\) address/],
      ['http://10.1.2.3/hook', /RFC 1918/],
      ['https://192.168.1.20/hook', /RFC 1918/],
      ['http://172.20.0.5:8080/', /RFC 1918/],
      ['http://100.64.0.1/', /carrier-grade NAT/],
      ['http://0.0.0.0:3000/', /unspecified/],
      ['http://[::1]:3000/', /::1 is a loopback address/],
      ['http://[::ffff:127.0.0.1]/', /IPv4-mapped 127\.0\.0\.1/],
      ['http://[::ffff:169.254.169.254]/', /IPv4-mapped 169\.254\.169\.254/],
      ['http://[fd00::1]/', /unique local/],
      ['http://[fe80::1]/', /link-local/],
      ['http://0x7f.1/', /127\.0\.0\.1 is a loopback/],
      ['http://2130706433/', /127\.0\.0\.1 is a loopback/],
      ['http://localhost:8080/hook', /"localhost" names the local machine/],
      ['http://api.LOCALHOST./hook', /names the local machine/],
      ['http://224.0.0.1/', /multicast/],
      ['http://255.255.255.255/', /broadcast/],
    ];
    for (const [url, re] of cases) {
      const r = await register(url);
      expect(r.status, url).toBe(400);
      const body = await r.json();
      expect(body.error.code, url).toBe('validation_failed');
      expect(body.error.message, url).toMatch(re);
      expect(body.error.message, url).toContain('WEBHOOK_ALLOW_PRIVATE_NETWORKS');
    }
    // Nothing was stored.
    const list = await (await fetch(`${srv.url}/api/v1/webhooks`, { headers: { authorization: `Bearer ${tenant.apiKey}` } })).json();
    expect(list.endpoints).toEqual([]);
  });

  it('accepts public addresses, and names that do not resolve yet (delivery checks again)', async () => {
    expect((await register('http://93.184.216.34/hook')).status).toBe(201);
    expect((await register('https://[2606:4700:4700::1111]/hook')).status).toBe(201);
    expect((await register('https://erp.example.invalid/tandem')).status).toBe(201);
  });

  it('refuses at delivery a host that resolves to loopback, logs why, and does not retry', async () => {
    const rx = await receiver();
    // Stored without the registration check, as an endpoint registered while the flag was on would be.
    const store = createWebhookStore(srv.app.db);
    const ep = await store.createEndpoint({ tenantId: tenant.tenant.id, url: `http://localhost:${rx.port}/hook`, secret: 'whsec_test_secret_value', eventTypes: ['*'], description: '' });
    const ev = await srv.app.db.transaction((tx) => srv.app.events.publish(tx, { tenantId: tenant.tenant.id, type: 'record.saved', actor: { type: 'system', id: 'test' }, data: {} }));
    const failed = async () => (await store.deliveries(tenant.tenant.id, ep.id, { status: 'failed', limit: 10 }))[0];
    await until(async () => (await failed()) !== undefined);
    await new Promise((r) => setTimeout(r, 500)); // several retry periods: no further attempt
    const d = (await store.deliveries(tenant.tenant.id, ep.id, { limit: 10 }))[0]!;
    expect(d).toMatchObject({ eventId: ev.id, status: 'failed', attempts: 1, lastStatus: null });
    expect(d.lastError).toMatch(/^refused: host "localhost" resolves to (127\.0\.0\.1|::1): .*loopback.*WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    expect(d.log).toHaveLength(1);
    expect(rx.got).toEqual([]);

    // The same for an IP literal stored the same way.
    const ep2 = await store.createEndpoint({ tenantId: tenant.tenant.id, url: `http://127.0.0.1:${rx.port}/hook`, secret: 'whsec_test_secret_value', eventTypes: ['*'], description: '' });
    await srv.app.db.transaction((tx) => srv.app.events.publish(tx, { tenantId: tenant.tenant.id, type: 'record.saved', actor: { type: 'system', id: 'test' }, data: {} }));
    await until(async () => (await store.deliveries(tenant.tenant.id, ep2.id, { status: 'failed', limit: 10 })).length === 1);
    const d2 = (await store.deliveries(tenant.tenant.id, ep2.id, { limit: 10 }))[0]!;
    expect(d2).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/) });
    expect(rx.got).toEqual([]);
    await rx.close();
  });
});

describe('webhook delivery: resolve once, vet, connect to the vetted address', () => {
  const headers = { 'content-type': 'application/json' };
  const timeout = () => AbortSignal.timeout(5000);

  it('a name that rebinds to loopback after registration is refused before any connection', async () => {
    const rx = await receiver();
    const answers: Resolved[][] = [[{ address: '93.184.216.34', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    const lookup: Lookup = async () => answers.shift() ?? [];
    const policy = { allowPrivate: false, lookup };
    const url = `http://hooks.rebind.test:${rx.port}/hook`;
    // At registration it looked public…
    expect(await resolveTarget(new URL(url), policy)).toEqual([{ address: '93.184.216.34', family: 4 }]);
    // …at delivery it points at this machine.
    const err = await postPinned(url, { headers, body: '{}', signal: timeout(), policy }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedTarget);
    expect((err as Error).message).toMatch(/"hooks\.rebind\.test" resolves to 127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/);
    expect(rx.got).toEqual([]);
    // One public and one private answer is refused too: the socket could take either.
    const mixed: Lookup = async () => [{ address: '93.184.216.34', family: 4 }, { address: '::ffff:10.0.0.1', family: 6 }];
    await expect(postPinned(url, { headers, body: '{}', signal: timeout(), policy: { allowPrivate: false, lookup: mixed } })).rejects.toThrow(/IPv4-mapped 10\.0\.0\.1/);
    await rx.close();
  });

  it('connects to the address it resolved and vetted, without resolving again', async () => {
    const rx = await receiver();
    let calls = 0;
    // A second lookup would get an unroutable address; the system resolver knows no *.test name.
    const lookup: Lookup = async () => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.255.255.1', family: 4 }]);
    const status = await postPinned(`http://pinned.test:${rx.port}/hook?x=1`, { headers, body: '{"a":1}', signal: timeout(), policy: { allowPrivate: true, lookup } });
    expect(status).toBe(204);
    expect(calls).toBe(1);
    expect(rx.got).toEqual([{ host: `pinned.test:${rx.port}`, url: '/hook?x=1', body: '{"a":1}' }]);
    await rx.close();
  });

  it('does not follow redirects', async () => {
    const target = await receiver();
    const rx = await receiver((res) => res.writeHead(307, { location: `http://127.0.0.1:${target.port}/elsewhere` }).end());
    const policy = { allowPrivate: true, lookup: (async () => []) as Lookup };
    expect(await postPinned(`http://127.0.0.1:${rx.port}/hook`, { headers, body: '{}', signal: timeout(), policy })).toBe(307);
    expect(rx.got).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(target.got).toEqual([]);
    await Promise.all([rx.close(), target.close()]);
  });

  it('a DNS failure is an ordinary (retryable) error, not a refusal', async () => {
    const lookup: Lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const err = await postPinned('https://gone.example.invalid/hook', { headers, body: '{}', signal: timeout(), policy: { allowPrivate: false, lookup } }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(RefusedTarget);
    expect((err as Error).message).toBe('DNS lookup of gone.example.invalid failed: ENOTFOUND');
  });
});
