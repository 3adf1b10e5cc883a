/**
 * Who may do what (issue 13): each hole the security probe found, as a test against a real
 * server, Postgres and real sockets. Every refusal is typed and changes nothing.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { connect, connectError, request } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';
import { joinForm } from './fields.harness.js';

const FIELDS = [
  { name: 'note', kind: 'textarea', value: 'hello' },
  { name: 'ref', kind: 'text', value: 'R-1', readOnly: true },
  { name: 'channel', kind: 'select', value: 'web', readOnly: true },
];

/** One server on a fresh Postgres database with one tenant, for a describe block; closed after it. */
function suiteServer(env: Record<string, string> = {}) {
  const ctx = { open: [] as Socket[] } as { srv: TestServer; tenant: Awaited<ReturnType<typeof createTenant>>; open: Socket[]; drop?: () => Promise<void> };
  beforeAll(async () => {
    const db = await createTestDatabase();
    ctx.drop = db.drop;
    ctx.srv = await startTandem({ databaseUrl: db.url, env });
    ctx.tenant = await createTenant(ctx.srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of ctx.open) s.close();
    await ctx.srv?.close();
    await ctx.drop?.();
  });
  return ctx;
}

describe.skipIf(!hasPg)('authority: server-internal writes cannot be claimed by a client', () => {
  const env = suiteServer();
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open = env.open;
  beforeAll(() => void ({ srv, tenant } = env));

  it('refuses a text op on a read-only field whatever its clientId says', async () => {
    const s = await connect(srv.url, await tenant.token('mallory'));
    open.push(s);
    const { roomId } = await joinForm(s, `/admin/shop/order/${uniqueId()}/change/`, FIELDS);
    for (const clientId of ['srv-abcdefgh', `srv-${crypto.randomUUID()}`, 'system-abcdefgh']) {
      const r = await request(s, 'field:op', { roomId, field: 'ref', baseVersion: 0, op: ['pwned '], clientId, seq: 1 });
      expect(r, clientId).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const set = await request(s, 'field:set', { roomId, field: 'channel', baseVersion: 0, value: 'x', clientId: 'srv-abcdefgh', seq: 2 });
    expect(set).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const fetched = await request(s, 'field:fetch', { roomId, field: 'ref', since: 0, snapshot: true });
    expect(fetched).toMatchObject({ ok: true, snapshot: { value: 'R-1', version: 0 } });
    const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_ops WHERE room_id = $1`, [roomId]);
    expect(rows[0]!.n).toBe(0);
  });

  it('still lets the saved record re-base read-only fields (a system write made in code)', async () => {
    const s = await connect(srv.url, await tenant.token('ann'));
    open.push(s);
    const pageKey = `shop.order:${uniqueId()}`;
    const joined = await request(s, 'room:join', { context: { url: `/pages/${pageKey}`, pageKey, title: 'Order', fields: FIELDS } });
    expect(joined).toMatchObject({ ok: true });
    const roomId = joined.roomId as string;
    const r = await fetch(`${srv.url}/api/v1/records/changed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pageKey, values: { ref: 'R-2', channel: 'phone' } }),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(await r.json()).toMatchObject({ roomId, rebased: ['channel', 'ref'] });
  });
});

describe.skipIf(!hasPg)('authority: work items need read on their page, whatever the role', () => {
  let srv: TestServer;
  let drop: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const page = `/admin/shop/order/${Math.floor(Math.random() * 1e6)}/change/`;
  let ann: Socket;
  let apo: Socket;
  let annToken: string;
  let apoToken: string;
  let roomId: string;
  let delegationId: string;
  let requestId: string;
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${srv.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const state = async () =>
    (
      await srv.app.db.query<{ s: string }>(
        `SELECT (SELECT string_agg(status || ':' || coalesce(assignee_id, ''), ',') FROM delegations WHERE tenant_id = $1) || '|' ||
                (SELECT string_agg(status || ':' || coalesce(helper_id, ''), ',') FROM assistance_requests WHERE tenant_id = $1) AS s`,
        [tenant.tenant.id],
      )
    ).rows[0]!.s;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    srv = await startTandem({ databaseUrl: db.url, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
    tenant = await createTenant(srv.app, uniqueId());
    // apo holds every role and the request's expertise, but may read only another part of the app.
    apoToken = await tenant.token('apo', { roles: ['approver', 'helper', 'admin'], expertise: ['billing'], perms: { 'hr.*': ['read', 'write', 'comment'] } });
    apo = await connect(srv.url, apoToken);
    annToken = await tenant.token('ann');
    ann = await connect(srv.url, annToken);
    const walt = await connect(srv.url, await tenant.token('walt'));
    open.push(apo, ann, walt);
    const j = await request(ann, 'room:join', { context: { url: page, title: 'Order', fields: [{ name: 'total', kind: 'number', value: 1 }] } });
    roomId = j.roomId;
    delegationId = (await request(ann, 'work:delegate', { roomId, fields: ['total'], assigneeId: 'walt' })).delegation.id;
    requestId = (await request(ann, 'work:help', { roomId, message: 'vat?', topic: 'billing' })).request.id;
    expect(delegationId && requestId).toBeTruthy();
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
    await drop?.();
  });

  it('routes a help request only to helpers who may read its page', async () => {
    const { rows } = await srv.app.db.query<{ type: string; helper: string | null }>(
      `SELECT type, data->>'helperId' AS helper FROM events WHERE tenant_id = $1 AND type LIKE 'assistance.%' ORDER BY id`,
      [tenant.tenant.id],
    );
    expect(rows.map((r) => r.type)).toEqual(['assistance.created', 'assistance.queued']);
    const queue = await request(apo, 'work:queue', {});
    expect(queue).toMatchObject({ ok: true, queue: [] });
    expect((await api('GET', '/assistance/queue', apoToken)).body).toEqual({ queue: [] });
    const inbox = await request(apo, 'work:inbox', {});
    expect(inbox).toMatchObject({ ok: true, offers: [], helping: [], mine: [], queue: [] });
    const sugg = await api('GET', `/rooms/${roomId}/suggestions?limit=50`, annToken);
    expect(sugg.status).toBe(200);
    expect(sugg.body.suggestions.map((s: { userId: string }) => s.userId)).not.toContain('apo');
  });

  it('refuses reading or acting on delegations and help requests of an unreadable page as not found, and changes nothing', async () => {
    const before = await state();
    const failures: string[] = [];
    const sock: Array<[string, Record<string, unknown>]> = [
      ['work:delegation:get', { id: delegationId }],
      ['work:delegation:act', { id: delegationId, action: 'cancel' }],
      ['work:delegation:act', { id: delegationId, action: 'approve' }],
      ['work:delegation:act', { id: delegationId, action: 'reject', note: 'no' }],
      ['work:help:get', { id: requestId }],
      ['work:help:act', { id: requestId, action: 'accept' }],
      ['work:help:act', { id: requestId, action: 'cancel' }],
      ['work:help:act', { id: requestId, action: 'resolve' }],
      ['work:help', { roomId, message: 'x' }],
    ];
    for (const [event, payload] of sock) {
      const r = await request(apo, event, payload);
      if (r.ok || r.error.code !== 'not_found') failures.push(`${event} ${JSON.stringify(payload)}: ${JSON.stringify(r).slice(0, 200)}`);
    }
    const rest: Array<[string, string, unknown?]> = [
      ['GET', `/delegations/${delegationId}`],
      ['POST', `/delegations/${delegationId}/transitions`, { action: 'cancel' }],
      ['GET', `/assistance/${requestId}`],
      ['GET', `/assistance/${requestId}/timings`],
      ['POST', `/assistance/${requestId}/transitions`, { action: 'accept' }],
      ['POST', '/assistance', { roomId, message: 'x' }],
      ['POST', '/delegations', { roomId, fields: ['total'], assigneeId: 'ann' }],
      ['GET', `/rooms/${roomId}/suggestions`],
      ['GET', `/rooms/${roomId}/fields/total/history`],
      ['GET', `/rooms/${roomId}/conflicts`],
      ['GET', `/rooms/${roomId}/messages`],
      ['GET', `/rooms/${roomId}/comments`],
    ];
    for (const [method, path, body] of rest) {
      const r = await api(method, path, apoToken, body);
      if (r.status !== 404 || r.body.error.code !== 'not_found') failures.push(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      // Unreadable and nonexistent answer the same, naming nothing of the page.
      if (JSON.stringify(r.body).includes('shop.order')) failures.push(`${method} ${path} names the page: ${JSON.stringify(r.body)}`);
    }
    // Lists leave them out too.
    const listed = await api('GET', '/assistance?requesterId=apo', apoToken);
    if (listed.status !== 200 || listed.body.requests.length !== 0) failures.push(`GET /assistance: ${JSON.stringify(listed.body).slice(0, 200)}`);
    // An API key acting for apo is held to apo's page rights.
    const viaApp = await api('POST', `/delegations/${delegationId}/transitions`, tenant.apiKey, { action: 'cancel', actorId: 'apo' });
    if (viaApp.status !== 404) failures.push(`app for apo: ${viaApp.status} ${JSON.stringify(viaApp.body).slice(0, 200)}`);
    expect(failures).toEqual([]);
    expect(await state()).toBe(before);
    // The page's own people still see and act.
    expect(await request(ann, 'work:delegation:get', { id: delegationId })).toMatchObject({ ok: true });
    expect(await api('GET', `/assistance/${requestId}`, annToken)).toMatchObject({ status: 200 });
  });

  it('refuses a delegation to someone who cannot read the page, on sockets and REST, and creates nothing', async () => {
    const other = `/admin/shop/order/${Math.floor(Math.random() * 1e6)}/change/`;
    const j = await request(ann, 'room:join', { context: { url: other, title: 'Order', fields: [{ name: 'qty', kind: 'number', value: 2 }] } });
    const counts = async () =>
      (
        await srv.app.db.query<{ d: number; n: number; e: number }>(
          `SELECT (SELECT count(*)::int FROM delegations WHERE tenant_id = $1) AS d,
                  (SELECT count(*)::int FROM notifications WHERE tenant_id = $1 AND user_id = 'apo') AS n,
                  (SELECT count(*)::int FROM events WHERE tenant_id = $1 AND type LIKE 'delegation.%') AS e`,
          [tenant.tenant.id],
        )
      ).rows[0]!;
    const before = await counts();
    const bySocket = await request(ann, 'work:delegate', { roomId: j.roomId, fields: ['qty'], assigneeId: 'apo' });
    expect(bySocket).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { assigneeId: 'apo' } } });
    const byRest = await api('POST', '/delegations', annToken, { roomId: j.roomId, fields: ['qty'], assigneeId: 'apo' });
    expect(byRest).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect(await counts()).toEqual(before);
    // Someone who may read it still gets it.
    expect(await request(ann, 'work:delegate', { roomId: j.roomId, fields: ['qty'], assigneeId: 'walt' })).toMatchObject({ ok: true });
  });

  it("tells a party of a delegation's moves only while they may read its page (notification and live frame)", async () => {
    const notes = async (status: string) =>
      (
        await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND user_id = 'walt' AND data->>'delegationId' = $2 AND data->>'status' = $3`, [
          tenant.tenant.id,
          delegationId,
          status,
        ])
      ).rows[0]!.n;
    expect(await notes('pending')).toBe(1); // walt could read the page when it was delegated to him
    // walt's next token grants another part of the app only (the directory keeps the last token's rights).
    const narrowed = await connect(srv.url, await tenant.token('walt', { perms: { 'hr.*': ['read', 'write', 'comment'] } }));
    open.push(narrowed);
    // Only what the cancel causes: the earlier "pending" notification's live frame may still be on
    // its way to all of walt's connections (a loaded machine delivered it to this new one).
    const frames: unknown[] = [];
    narrowed.on('work:delegation', (p: { delegation?: { status?: string } }) => p.delegation?.status !== 'pending' && frames.push(p));
    narrowed.on('notification', (p: { data?: { status?: string } }) => p.data?.status !== 'pending' && frames.push(p));
    expect(await request(ann, 'work:delegation:act', { id: delegationId, action: 'cancel' })).toMatchObject({ ok: true, delegation: { status: 'cancelled' } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await notes('cancelled')).toBe(0);
    expect(frames).toEqual([]);
  });
});

describe.skipIf(!hasPg)('authority: tokens from the future, and where a room may point', () => {
  const env = suiteServer();
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open = env.open;
  beforeAll(() => void ({ srv, tenant } = env));

  const signed = (iat: number) =>
    new SignJWT({ tenant: tenant.tenant.id, name: 'Fay', perms: { '*': ['read'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('tandem')
      .setAudience('tandem')
      .setSubject('fay')
      .setIssuedAt(iat)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 7200)
      .sign(new TextEncoder().encode(tenant.secret));

  it('refuses a token issued in the future with its own code, on REST and sockets; a slightly fast clock passes', async () => {
    const future = await signed(Math.floor(Date.now() / 1000) + 3600);
    const rest = await fetch(`${srv.url}/api/v1/delegations`, { headers: { authorization: `Bearer ${future}` } });
    expect(rest.status).toBe(401);
    expect(((await rest.json()) as { error: { code: string } }).error.code).toBe('token_issued_in_future');
    expect((await connectError(srv.url, future)).data).toMatchObject({ code: 'token_issued_in_future' });
    const s = await connect(srv.url, await signed(Math.floor(Date.now() / 1000) + 2));
    open.push(s);
  });

  it("keeps a room's URL on the tenant's host origins (or a path), and lets only writers move it", async () => {
    const pageKey = `shop.order:${uniqueId()}`;
    const join = (s: Socket, url: string) => request(s, 'room:join', { context: { url, pageKey, title: 'Order', fields: [] } });
    const storedUrl = async () => (await srv.app.rooms.store.getByKey(tenant.tenant.id, pageKey))?.url;
    const writer = await connect(srv.url, await tenant.token('wes'));
    const reader = await connect(srv.url, await tenant.token('rea', { perms: { 'shop.*': ['read'] } }));
    open.push(writer, reader);
    // ALLOWED_ORIGINS stands in while the tenant names no host origins of its own.
    expect(await join(writer, `${TEST_ORIGIN}/admin/shop/order/1/change/`)).toMatchObject({ ok: true });
    for (const url of ['https://evil.example/phish', '//evil.example/phish', '/\\evil.example/phish']) {
      expect(await join(reader, url), url).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await join(writer, url), url).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    // A reader's join never moves the URL, even to a path.
    expect(await join(reader, '/admin/logout/')).toMatchObject({ ok: true });
    expect(await storedUrl()).toBe(`${TEST_ORIGIN}/admin/shop/order/1/change/`);
    // With its own host origins, the tenant's pages live there and only there.
    await srv.app.tenants.setHostOrigins(tenant.tenant.id, ['https://admin.example.com']);
    expect(await join(writer, `${TEST_ORIGIN}/admin/shop/order/1/change/`)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await join(writer, 'https://admin.example.com/admin/shop/order/1/change/')).toMatchObject({ ok: true });
    expect(await storedUrl()).toBe('https://admin.example.com/admin/shop/order/1/change/');
    await expect(srv.app.tenants.setHostOrigins(tenant.tenant.id, ['https://admin.example.com/path'])).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
