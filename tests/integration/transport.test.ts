import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';
import { uniqueId } from '../helpers/services.js';

type ErrorJson = { error: { code: string; message: string } };

/** Opens the plain WebSocket stream; resolves with the open socket and its first message, or the refusal status. */
function openStream(url: string, headers: Record<string, string>) {
  return new Promise<{ ws: WebSocket; hello: any } | { status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream`, { headers });
    ws.once('message', (d) => resolve({ ws, hello: JSON.parse(d.toString()) }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

const nextMessage = (ws: WebSocket) => new Promise<any>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));

describe('one port: Socket.IO and the plain WebSocket stream', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    srv = await startTandem();
    tenant = await createTenant(srv.app, uniqueId('tr'));
  });
  afterAll(() => srv?.close());

  it('serves both at once on the same port', async () => {
    const io = await connect(srv.url, await tenant.token('u1'), { origin: TEST_ORIGIN });
    const opened = await openStream(srv.url, { authorization: `Bearer ${tenant.apiKey}` });
    if (!('ws' in opened)) throw new Error(`stream refused: ${opened.status} ${opened.body}`);
    const { ws, hello } = opened;
    expect(hello).toMatchObject({ type: 'hello', tenantId: tenant.tenant.id });

    // Interleave traffic on both.
    for (let i = 0; i < 5; i++) {
      const pong = nextMessage(ws);
      ws.send(JSON.stringify({ type: 'ping', id: `p${i}` }));
      const ack = request(io, 'auth:refresh', { token: await tenant.token('u1') });
      expect(await pong).toMatchObject({ type: 'pong', id: `p${i}` });
      expect(await ack).toMatchObject({ ok: true });
    }
    const bad = nextMessage(ws);
    ws.send('not json');
    expect(await bad).toMatchObject({ type: 'error', error: { code: 'validation_failed' } });
    // Both are still up after each other's traffic.
    expect(io.connected).toBe(true);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    io.close();
  });

  it('refuses an unauthenticated or user-token stream upgrade with an HTTP error', async () => {
    const none = await openStream(srv.url, {});
    expect(none).toMatchObject({ status: 401 });
    expect(JSON.parse((none as { body: string }).body).error.code).toBe('unauthorized');
    const badKey = await openStream(srv.url, { authorization: 'Bearer tdm_nope_nope_nope' });
    expect(badKey).toMatchObject({ status: 401 });
    const user = await openStream(srv.url, { authorization: `Bearer ${await tenant.token('u1')}` });
    expect(user).toMatchObject({ status: 403 });
  });

  it('ends an upgrade to a path with no WebSocket route instead of hanging, and Socket.IO keeps working', async () => {
    // @fastify/websocket upgrades and immediately closes; engine.io must not grab or destroy it.
    const ended = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/nowhere`);
      const timer = setTimeout(() => reject(new Error('upgrade to /nowhere hung')), 3_000);
      ws.once('unexpected-response', (_req, r) => (clearTimeout(timer), resolve(`http ${r.statusCode}`)));
      ws.once('close', () => (clearTimeout(timer), resolve('closed')));
      ws.once('error', () => undefined);
    });
    expect(['closed', 'http 404']).toContain(ended);
    const io = await connect(srv.url, await tenant.token('u2'), { origin: TEST_ORIGIN });
    io.close();
  });

  it('closes a Socket.IO connection that sends a message over the size limit', async () => {
    const io = await connect(srv.url, await tenant.token('u3'), { origin: TEST_ORIGIN });
    const reason = new Promise<string>((r) => io.once('disconnect', r));
    io.emit('auth:refresh', { token: 'x'.repeat(srv.app.config.limits.socketMessageBytes + 1024) });
    expect(await reason).toBe('transport close');
    io.close();
  });
});

describe('HTTP surface: limits, errors, headers', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    srv = await startTandem({ env: { RATE_LIMIT_PER_MINUTE: '5', BODY_LIMIT_BYTES: '2048' } });
    tenant = await createTenant(srv.app, uniqueId('hs'));
  });
  afterAll(() => srv?.close());

  it('answers 413 payload_too_large for a body over the limit', async () => {
    const r = await fetch(`${srv.url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}-413`, 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'a', name: 'x'.repeat(4096) }),
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as ErrorJson).error.code).toBe('payload_too_large');
  });

  it('answers 429 rate_limited with retry-after once a caller is over its rate, other callers unaffected', async () => {
    const hit = (auth: string) => fetch(`${srv.url}/api/v1/me`, { headers: { authorization: auth } });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 7; i++) {
      const r = await hit(`Bearer ${tenant.apiKey}`);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(limited).toBeDefined();
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited!.json()) as ErrorJson).error.code).toBe('rate_limited');
    // Another credential has its own budget; health probes are never limited.
    const { key } = await srv.app.tenants.createApiKey(tenant.tenant.id, 'second');
    expect((await hit(`Bearer ${key}`)).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it('one error shape for unknown routes and bad JSON', async () => {
    const nf = await fetch(`${srv.url}/api/v1/nope?secret=1`, { headers: { authorization: 'Bearer other-1' } });
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: { code: 'not_found', message: 'No route GET /api/v1/nope' } });
    const bad = await fetch(`${srv.url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: 'Bearer other-2', 'content-type': 'application/json' },
      body: '{"sub": ',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorJson).error.code).toBe('bad_request');
  });

  it('sends CORS headers only to allowed origins, never *, and security headers everywhere', async () => {
    const allowed = await fetch(`${srv.url}/healthz`, { headers: { origin: TEST_ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await fetch(`${srv.url}/healthz`, { headers: { origin: 'http://evil.test' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${srv.url}/api/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(allowed.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(allowed.headers.get('strict-transport-security')).toBeTruthy();
  });

  it('publishes the OpenAPI document and Prometheus metrics', async () => {
    const doc = (await (await fetch(`${srv.url}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/token', '/api/v1/me']));
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toContain('tandem_http_request_duration_seconds_bucket');
    expect(metrics).toContain('tandem_sockets_connected');
  });
});

describe('request ids in the logs', () => {
  let srv: TestServer;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    srv = await startTandem({ overrides: { logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } } });
  });
  afterAll(() => srv?.close());

  const logged = (reqId: unknown) => lines.filter((l) => l.reqId === reqId);

  it("logs every request under the caller's x-request-id, or a fresh id when it is missing or malformed", async () => {
    expect((await fetch(`${srv.url}/api/v1/nowhere`, { headers: { 'x-request-id': 'trace-42.a_b' } })).status).toBe(404);
    await expect.poll(() => logged('trace-42.a_b').length).toBeGreaterThanOrEqual(2); // received + completed
    expect(logged('trace-42.a_b').some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 404)).toBe(true);

    for (const bad of ['has spaces', 'x'.repeat(65)]) {
      await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': bad } });
      expect(logged(bad)).toEqual([]);
    }
    await fetch(`${srv.url}/healthz`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    await expect.poll(() => new Set(lines.filter((l) => typeof l.reqId === 'string' && uuid.test(l.reqId)).map((l) => l.reqId)).size).toBeGreaterThanOrEqual(3);
  });
});

describe('development mode routes', () => {
  let dev: TestServer;
  let prod: TestServer;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([startTandem({ env: { DEV_MODE: 'true' } }), startTandem()]);
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  it('mints a demo user token that authenticates as that user of tenant demo; unknown users are 404', async () => {
    const r = await fetch(`${dev.url}/api/v1/dev/token?user=bob`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { token: string; expiresAt: string; user: { id: string; name: string } };
    expect(body.user.id).toBe('bob');
    const me = await fetch(`${dev.url}/api/v1/me`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(await me.json()).toMatchObject({ kind: 'user', tenantId: 'demo', id: 'bob' });
    const users = (await (await fetch(`${dev.url}/api/v1/dev/users`)).json()) as Array<{ id: string }>;
    expect(users.map((u) => u.id)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
    const unknown = await fetch(`${dev.url}/api/v1/dev/token?user=mallory`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorJson).error.code).toBe('not_found');
  });

  it('does not exist without DEV_MODE', async () => {
    for (const path of ['/api/v1/dev/token?user=alice', '/api/v1/dev/users']) {
      const r = await fetch(`${prod.url}${path}`);
      expect(r.status, path).toBe(404);
    }
    expect(await prod.app.tenants.getTenant('demo')).toBeFalsy(); // and no demo tenant was seeded
  });
});
