// The TypeScript client against a real Tandem (Postgres, real sockets, a real webhook receiver):
// every call below goes through the generated types and openapi-fetch, every answer is also
// checked against /docs/json by the test server (tests/helpers/contract.ts).
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, request } from '../../../tests/helpers/clients.js';
import { componentValidator } from '../../../tests/helpers/contract.js';
import { createTestDatabase, hasPg, uniqueId } from '../../../tests/helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../../../tests/helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../../../tests/helpers/tcp-proxy.js';
import { askBobToCheck, connectTandem, follow, onWebhook, recordSaved } from '../examples/erp.js';
import { generateSchema } from '../scripts/schema.js';
import { createTandemClient, openEventStream, verifyWebhook, WebhookVerificationError, type TandemClient, type TandemEvent } from '../src/index.js';

const context = {
  url: '/admin/shop/order/7/change/',
  title: 'Order 7',
  fields: [
    { name: 'status', kind: 'select', label: 'Status' },
    { name: 'note', kind: 'textarea', label: 'Note' },
  ],
};
const pageKey = 'shop.order:7';
const perms = { 'shop.order:*': ['read', 'write', 'comment'] as Array<'read' | 'write' | 'comment'> };

describe.skipIf(!hasPg)('TypeScript client (clients/typescript) against a real server', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let app: TandemClient;
  let alice: Socket;
  let doc: unknown;

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({
      databaseUrl: db.url,
      env: { EVENTS_POLL_MS: '100', WEBHOOK_RETRY_SCHEDULE: '0.2,0.2', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
    });
    tenant = await createTenant(srv.app, uniqueId());
    app = createTandemClient({ baseUrl: srv.url, credential: tenant.apiKey });
    doc = await (await fetch(`${srv.url}/docs/json`)).json();
  });
  afterAll(async () => {
    alice?.close();
    await srv?.close();
    await db?.drop();
  });

  it('the committed types are exactly what openapi-typescript makes of the live document', async () => {
    const committed = readFileSync(new URL('../src/schema.d.ts', import.meta.url), 'utf8');
    expect(await generateSchema(doc)).toBe(committed);
    // No body the generator could only call `unknown`.
    expect(committed).not.toMatch(/"application\/json": unknown/);
  });

  it('mints a user token with the API key; the token works as a credential of its own', async () => {
    const minted = await app.POST('/api/v1/auth/token', { body: { sub: 'alice', name: 'Alice', roles: ['approver'], perms } });
    expect(minted.response.status).toBe(200);
    const asAlice = createTandemClient({ baseUrl: srv.url, credential: minted.data!.token });
    const me = await asAlice.GET('/api/v1/me');
    expect(me.data).toMatchObject({ kind: 'user', id: 'alice', tenantId: tenant.tenant.id, roles: ['approver'] });
    // A wrong credential is a typed error, not an exception.
    const bad = await createTandemClient({ baseUrl: srv.url, credential: 'tdm_nope' }).GET('/api/v1/me');
    expect(bad.response.status).toBe(401);
    expect(bad.error?.error.code).toBe('api_key_invalid');

    alice = await connect(srv.url, minted.data!.token, { origin: TEST_ORIGIN });
    expect((await request(alice, 'room:join', { context })).ok).toBe(true);
    for (const sub of ['bob', 'dave']) {
      const r = await app.POST('/api/v1/auth/token', { body: { sub, name: sub, roles: sub === 'dave' ? ['helper'] : [], expertise: sub === 'dave' ? ['billing'] : [], perms } });
      expect(r.response.status).toBe(200);
    }
  });

  it('reports a saved record: the open form re-bases and says so', async () => {
    const changed = await app.POST('/api/v1/records/changed', { body: { pageKey, values: { status: 'shipped' }, savedBy: 'erp' } });
    expect(changed.data).toMatchObject({ rebased: ['status'] });
    expect(changed.data!.roomId).toMatch(/^[0-9a-f-]{36}$/);
    const nobody = await app.POST('/api/v1/records/changed', { body: { pageKey: 'shop.order:nobody-has-it-open', values: { status: 'x' } } });
    expect(nobody.data).toEqual({ roomId: null, rebased: [] });
  });

  it('drives a delegation through its lifecycle; a refused move is a typed 409', async () => {
    const created = await app.POST('/api/v1/delegations', { body: { pageKey, fields: ['note'], assigneeId: 'bob', delegatorId: 'alice', note: 'check it' } });
    expect(created.response.status).toBe(201);
    const id = created.data!.delegation.id;
    expect(created.data!.delegation).toMatchObject({ status: 'pending', assignee: { id: 'bob' }, fields: [{ name: 'note' }] });

    const early = await app.POST('/api/v1/delegations/{id}/transitions', { params: { path: { id } }, body: { action: 'approve', actorId: 'alice' } });
    expect(early.response.status).toBe(409);
    expect(early.error?.error.code).toBe('invalid_transition');

    const move = (action: 'accept' | 'submit' | 'approve', actorId: string) =>
      app.POST('/api/v1/delegations/{id}/transitions', { params: { path: { id } }, body: { action, actorId, ...(action === 'submit' ? { values: { note: 'checked' } } : {}) } });
    expect((await move('accept', 'bob')).data?.delegation.status).toBe('accepted');
    expect((await move('submit', 'bob')).data?.delegation.status).toBe('submitted');
    expect((await move('approve', 'alice')).data?.delegation.status).toBe('approved');

    const got = await app.GET('/api/v1/delegations/{id}', { params: { path: { id } } });
    expect(got.data!.delegation.history.map((h) => h.to)).toEqual(['pending', 'accepted', 'submitted', 'approved']);
    const listed = await app.GET('/api/v1/delegations', { params: { query: { userId: 'bob', role: 'received' } } });
    expect(listed.data!.delegations.map((d) => d.id)).toContain(id);
  });

  it('asks for help, a helper takes it and resolves it', async () => {
    const asked = await app.POST('/api/v1/assistance', { body: { pageKey, message: 'Which rate applies?', topic: 'billing', requesterId: 'alice' } });
    expect(asked.response.status).toBe(201);
    const id = asked.data!.request.id;
    expect(['offered', 'queued']).toContain(asked.data!.request.status);
    const act = (action: 'accept' | 'resolve') => app.POST('/api/v1/assistance/{id}/transitions', { params: { path: { id } }, body: { action, actorId: 'dave' } });
    expect((await act('accept')).data?.request).toMatchObject({ status: 'accepted', helper: { id: 'dave' } });
    expect((await act('resolve')).data?.request.status).toBe('resolved');
    const timings = await app.GET('/api/v1/assistance/{id}/timings', { params: { path: { id } } });
    expect(timings.data).toMatchObject({ id, status: 'resolved' });
    expect(timings.data!.toResolveMs).toBeGreaterThanOrEqual(0);
  });

  it('verifies a real webhook delivery, and refuses a tampered body, another secret and a stale timestamp', async () => {
    const received: Array<{ body: string; headers: http.IncomingHttpHeaders }> = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ body, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const hook = await app.POST('/api/v1/webhooks', { body: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, eventTypes: ['record.*'] } });
      expect(hook.response.status).toBe(201);
      const secret = hook.data!.secret;
      await app.POST('/api/v1/records/changed', { body: { pageKey, values: { status: 'delivered' }, savedBy: 'erp' } });
      await vi.waitFor(() => expect(received.length).toBeGreaterThan(0), { timeout: 15_000, interval: 50 });
      const { body, headers } = received[0]!;

      const event = await verifyWebhook({ secret, body, headers });
      expect(event.type).toBe('record.changed');
      if (event.type === 'record.changed') expect(event.data).toMatchObject({ values: { status: 'delivered' }, rebased: ['status'], savedBy: 'erp' });
      expect(componentValidator(doc, 'Event')(event)).toBeNull();

      const refused = async (o: Parameters<typeof verifyWebhook>[0]) => ((await verifyWebhook(o).catch((e: unknown) => e)) as WebhookVerificationError).reason;
      expect(await refused({ secret, body: body.replace('delivered', 'stolen'), headers })).toBe('bad_signature');
      expect(await refused({ secret: 'another-secret-of-16+', body, headers })).toBe('bad_signature');
      expect(await refused({ secret, body, headers, now: Number(headers['x-tandem-timestamp']) + 3600 })).toBe('stale_timestamp');
      expect(await refused({ secret, body, headers: {} })).toBe('missing_signature');
      await app.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: hook.data!.id } } });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('the event stream resumes after a dropped connection: every event once, in order, typed and as documented', async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: srv.port });
    const isEvent = componentValidator(doc, 'Event');
    const seen: TandemEvent[] = [];
    const hellos: string[] = [];
    let drops = 0;
    const stream = openEventStream({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      apiKey: tenant.apiKey,
      types: ['record.changed'],
      rooms: ['shop.order:*'],
      minDelayMs: 50,
      maxDelayMs: 200,
      onEvent: (e) => void seen.push(e),
      onHello: (h) => void hellos.push(h.resume),
      onDisconnect: () => void drops++,
    });
    try {
      await stream.ready;
      const save = (status: string) => app.POST('/api/v1/records/changed', { body: { pageKey, values: { status }, savedBy: 'erp' } });
      await save('s1');
      await vi.waitFor(() => expect(seen.length).toBe(1), { timeout: 10_000, interval: 20 });

      proxy.cut();
      await vi.waitFor(() => expect(drops).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
      await save('s2');
      await save('s3');
      proxy.restore();

      await vi.waitFor(() => expect(seen.length).toBe(3), { timeout: 15_000, interval: 20 });
      const statuses = seen.map((e) => (e.type === 'record.changed' ? e.data.values.status : null));
      expect(statuses).toEqual(['s1', 's2', 's3']);
      expect(new Set(seen.map((e) => e.id)).size).toBe(3);
      expect(hellos[0]).toBe('live');
      expect(hellos.at(-1)).toBe('resumed');
      expect(stream.lastEventId).toBe(seen[2]!.id);
      for (const e of seen) expect(isEvent(e)).toBeNull();
    } finally {
      stream.close();
      await proxy.close();
    }
  });
  it('the example in docs/api.md runs as written (clients/typescript/examples/erp.ts)', async () => {
    const tandem = connectTandem(srv.url, tenant.apiKey);
    const seen: TandemEvent[] = [];
    const stream = follow(srv.url, tenant.apiKey, undefined, async (e) => void seen.push(e));
    try {
      await stream.ready;
      expect(await recordSaved(tandem, pageKey, { status: 'example' })).toEqual(['status']);
      const d = await askBobToCheck(tandem, pageKey, 'status');
      expect(d).toMatchObject({ status: 'pending', assignee: { id: 'bob' }, fields: [{ name: 'status' }] });
      await vi.waitFor(() => expect(seen.map((e) => e.type)).toEqual(['record.changed', 'delegation.created']), { timeout: 10_000, interval: 20 });

      // A delivery signed the way Tandem signs (src/features/webhooks/sign.ts), then the same body tampered with.
      const secret = 'example-secret-0123456789';
      const body = JSON.stringify(seen[0]);
      const ts = Math.floor(Date.now() / 1000);
      const headers = { 'x-tandem-timestamp': String(ts), 'x-tandem-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}` };
      expect(await onWebhook(secret, body, headers)).toBe(204);
      expect(await onWebhook(secret, body.replace('example', 'forged'), headers)).toBe(401);
    } finally {
      stream.close();
    }
  });
  it('posts to the chat and comments on a field as the app; a resend is the original', async () => {
    const room = pageKey;
    const first = await app.POST('/api/v1/rooms/{room}/messages', { params: { path: { room } }, body: { body: 'Paid, ready to ship', clientMsgId: 'erp-pay-7' } });
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({ duplicate: false, message: { author: { type: 'app' }, body: 'Paid, ready to ship' } });
    const again = await app.POST('/api/v1/rooms/{room}/messages', { params: { path: { room } }, body: { body: 'Paid, ready to ship', clientMsgId: 'erp-pay-7' } });
    expect(again.response.status).toBe(200);
    expect(again.data).toMatchObject({ duplicate: true, message: { id: first.data!.message.id } });
    const comment = await app.POST('/api/v1/rooms/{room}/comments', { params: { path: { room } }, body: { field: 'note', body: 'Customer asked for a call' } });
    expect(comment.response.status).toBe(201);
    const threads = await app.GET('/api/v1/rooms/{room}/comments', { params: { path: { room }, query: { field: 'note' } } });
    expect(threads.data!.threads.map((t) => t.body)).toContain('Customer asked for a call');
  });

  it("every event this suite caused, as the tenant's log holds it, matches the document's Event schema", async () => {
    const isEvent = componentValidator(doc, 'Event');
    const logged = async () => (await srv.app.events.readTenant(tenant.tenant.id, await srv.app.events.oldestCursor(tenant.tenant.id), 1000)).map(({ cursor: _cursor, ...e }) => e);
    // The suite wrote record, delegation, assistance, notification, chat and comment events (some notifications are written after the move's commit).
    const families = ['assistance', 'chat', 'comment', 'delegation', 'notification', 'record'];
    await vi.waitFor(async () => expect([...new Set((await logged()).map((e) => e.type.split('.')[0]))].sort()).toEqual(families), { timeout: 10_000, interval: 100 });
    const events = await logged();
    expect(events.map(isEvent).filter(Boolean)).toEqual([]);
  });
});
