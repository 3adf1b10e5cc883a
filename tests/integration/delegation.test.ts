import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor } from '../helpers/clients.js';
import { uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';

const context = {
  url: '/admin/shop/order/42/change/',
  title: 'Order 42',
  fields: [
    { name: 'customer_note', kind: 'textarea', label: 'Customer note' },
    { name: 'total', kind: 'number', label: 'Total' },
    { name: 'status', kind: 'select', label: 'Status' },
  ],
};

describe('form delegation (embedded PGlite)', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let alice: Socket, bob: Socket, carol: Socket;
  let roomId: string;
  const versions: Record<string, number> = {};
  let seq = 0;

  const set = async (s: Socket, field: string, value: unknown) => {
    const r = await request(s, 'field:set', { roomId, field, baseVersion: versions[field] ?? 0, value, clientId: `client-${s.id!.slice(0, 8).replace(/[^A-Za-z0-9_-]/g, 'x')}`, seq: ++seq });
    if (r.ok) versions[field] = r.version;
    return r;
  };
  const act = (s: Socket, id: string, action: string, extra: Record<string, unknown> = {}) => request(s, 'work:delegation:act', { id, action, ...extra });
  const api = (path: string, opts: { method?: string; token?: string; body?: unknown } = {}) =>
    fetch(`${srv.url}/api/v1${path}`, {
      method: opts.method ?? 'GET',
      headers: { authorization: `Bearer ${opts.token ?? tenant.apiKey}`, ...(opts.body ? { 'content-type': 'application/json' } : {}), origin: TEST_ORIGIN },
      ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  beforeAll(async () => {
    srv = await startTandem({ env: { TIMER_SWEEP_MS: '50' } });
    tenant = await createTenant(srv.app, uniqueId());
    alice = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }), { origin: TEST_ORIGIN });
    bob = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }), { origin: TEST_ORIGIN });
    carol = await connect(srv.url, await tenant.token('carol', { name: 'Carol' }), { origin: TEST_ORIGIN });
    for (const s of [alice, bob, carol]) {
      const j = await request(s, 'room:join', { context });
      expect(j.ok).toBe(true);
      roomId = j.roomId;
      for (const [name, f] of Object.entries(j.document?.fields ?? {}) as Array<[string, { version: number }]>) versions[name] = f.version;
    }
  });
  afterAll(async () => {
    for (const s of [alice, bob, carol]) s?.close();
    await srv?.close();
  });

  it('runs the whole lifecycle with server-enforced field rights', async () => {
    const seen = waitFor(bob, 'work:delegation', (p) => p.delegation.status === 'pending');
    const created = await request(alice, 'work:delegate', {
      roomId,
      fields: ['customer_note', 'total'],
      assigneeId: 'bob',
      note: 'Please fill in the refund',
      values: { customer_note: 'hello', total: 12 },
      meta: { total: { label: 'Total', kind: 'number' } },
    });
    expect(created).toMatchObject({ ok: true, delegation: { status: 'pending', hold: 'free', assignee: { id: 'bob', name: 'Bob' }, valuesAtCreation: { customer_note: 'hello', total: 12 } } });
    const id = created.delegation.id as string;
    await seen;

    // A field can be in one open delegation only.
    expect(await request(alice, 'work:delegate', { roomId, fields: ['total'], assigneeId: 'carol' })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    // Pending: not locked yet. Illegal moves change nothing.
    expect(await act(carol, id, 'accept')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await act(alice, id, 'approve')).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    expect(await act(bob, id, 'accept')).toMatchObject({ ok: true, delegation: { status: 'accepted', hold: 'assignee' } });

    // Accepted: only bob writes the delegated fields, over Socket.IO (value writes and co-editing ops).
    const refused = await set(carol, 'total', 99);
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', details: { field: 'total', assignee: { id: 'bob', name: 'Bob' } } } });
    expect(refused.error.message).toMatch(/delegated to Bob/);
    expect(await set(alice, 'total', 98)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const op = await request(carol, 'field:op', { roomId, field: 'customer_note', baseVersion: versions.customer_note ?? 0, op: ['x'], clientId: 'carol-client-1', seq: 1 });
    expect(op).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await set(bob, 'total', 42)).toMatchObject({ ok: true });
    const bobOp = await request(bob, 'field:op', { roomId, field: 'customer_note', baseVersion: versions.customer_note ?? 0, op: ['Refund approved. '], clientId: 'bob-client-1', seq: 1 });
    expect(bobOp).toMatchObject({ ok: true });
    expect(await set(carol, 'status', 'open')).toMatchObject({ ok: true }); // not delegated
    // The same guard every write path calls (REST included):
    await expect(srv.app.rooms.assertFieldWritable({ tenantId: tenant.tenant.id, roomId, field: 'total', userId: 'carol' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(srv.app.rooms.assertFieldWritable({ tenantId: tenant.tenant.id, roomId, field: 'total', userId: 'bob' })).resolves.toBeUndefined();

    // A newcomer's join answer shows who holds which field.
    const dave = await connect(srv.url, await tenant.token('dave'), { origin: TEST_ORIGIN });
    const dj = await request(dave, 'room:join', { context });
    expect(dj.work.delegations).toMatchObject([{ id, status: 'accepted', assignee: { name: 'Bob' }, fields: [{ name: 'customer_note' }, { name: 'total', label: 'Total', kind: 'number' }] }]);
    dave.close();

    // Submitted: frozen for everyone, bob included.
    expect(await act(bob, id, 'submit', { values: { total: 42, status: 'ignored' } })).toMatchObject({ ok: true, delegation: { status: 'submitted', hold: 'frozen', submittedValues: { total: 42 } } });
    expect(await set(bob, 'total', 43)).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/under review/) } });

    // Rejected (a reason is required): back to bob with the reason.
    expect(await act(alice, id, 'reject')).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    const bobHears = waitFor(bob, 'work:delegation', (p) => p.delegation.status === 'rejected');
    expect(await act(alice, id, 'reject', { note: 'Total must include VAT' })).toMatchObject({ ok: true, delegation: { status: 'rejected', state: { reason: 'Total must include VAT', by: 'alice' } } });
    expect((await bobHears).delegation.hold).toBe('assignee');
    expect(await set(bob, 'total', 51.6)).toMatchObject({ ok: true });
    expect(await set(carol, 'total', 1)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await act(bob, id, 'submit')).toMatchObject({ ok: true, delegation: { status: 'submitted', state: { round: 2 } } });

    // Approved: the fields return to everyone.
    expect(await act(carol, id, 'approve')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await act(alice, id, 'approve')).toMatchObject({ ok: true, delegation: { status: 'approved', hold: 'free' } });
    expect(await set(carol, 'total', 60)).toMatchObject({ ok: true });
    expect(await act(alice, id, 'cancel')).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });

    // Persisted, audited, published and notified, one per transition.
    const detail = await request(bob, 'work:delegation:get', { id });
    expect(detail.delegation.history.map((h: { to: string }) => h.to)).toEqual(['pending', 'accepted', 'submitted', 'rejected', 'submitted', 'approved']);
    const q = (sql: string) => srv.app.db.query<{ v: string }>(sql, [tenant.tenant.id, `delegation:${id}`]).then((r) => r.rows.map((x) => x.v));
    expect(await q(`SELECT action AS v FROM audit_log WHERE tenant_id = $1 AND subject = $2 ORDER BY id`)).toEqual([
      'delegation.created', 'delegation.accepted', 'delegation.submitted', 'delegation.rejected', 'delegation.submitted', 'delegation.approved',
    ]);
    const events = await srv.app.db.query<{ type: string }>(`SELECT type FROM events WHERE tenant_id = $1 AND type LIKE 'delegation.%' ORDER BY id`, [tenant.tenant.id]);
    expect(events.rows.map((r) => r.type)).toEqual(['delegation.created', 'delegation.accepted', 'delegation.submitted', 'delegation.rejected', 'delegation.submitted', 'delegation.approved']);
    const notes = await srv.app.db.query<{ user_id: string; title: string }>(`SELECT user_id, title FROM notifications WHERE tenant_id = $1 AND type = 'delegation' ORDER BY id`, [tenant.tenant.id]);
    expect(notes.rows.map((r) => r.user_id)).toEqual(['bob', 'alice', 'alice', 'bob', 'alice', 'bob']);
    expect(notes.rows[0]!.title).toBe('Alice delegated 2 fields of Order 42 to you');
  });

  it('lists a user\'s delegations given and received, by state, over Socket.IO and REST', async () => {
    const given = await request(alice, 'work:delegations', { role: 'given', status: ['approved'] });
    expect(given.delegations.length).toBeGreaterThanOrEqual(1);
    const bobToken = await tenant.token('bob', { name: 'Bob' });
    const received = await api('/delegations?role=received&status=approved', { token: bobToken });
    expect(received.status).toBe(200);
    expect(received.body.delegations.every((d: { assignee: { id: string }; status: string }) => d.assignee.id === 'bob' && d.status === 'approved')).toBe(true);
    expect((await api('/delegations?role=given', { token: bobToken })).body.delegations).toEqual([]);
    expect((await api('/delegations?role=received')).status).toBe(400); // an API key must name the user
    expect((await api('/delegations?role=received&userId=bob')).body.delegations.length).toBe(received.body.delegations.length);
  });

  it('REST: a business app creates and drives a delegation on behalf of users, with the same rules', async () => {
    const created = await api('/delegations', { method: 'POST', body: { pageKey: 'shop.order:42', delegatorId: 'alice', assigneeId: 'carol', fields: ['status'], note: 'set status', dueAt: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(created.status).toBe(201);
    const id = created.body.delegation.id;
    const t = (body: unknown) => api(`/delegations/${id}/transitions`, { method: 'POST', body });
    expect((await t({ action: 'accept', actorId: 'bob' })).body.error.code).toBe('forbidden');
    expect((await t({ action: 'accept' })).status).toBe(400);
    expect((await t({ action: 'accept', actorId: 'carol' })).body.delegation.status).toBe('accepted');
    // Non-assignee writes are refused by the guard, assignee's accepted.
    expect(await set(bob, 'status', 'x')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await set(carol, 'status', 'paid')).toMatchObject({ ok: true });
    // A user token may not act for someone else.
    const aliceToken = await tenant.token('alice', { name: 'Alice' });
    expect((await api(`/delegations/${id}/transitions`, { method: 'POST', token: aliceToken, body: { action: 'cancel', actorId: 'carol' } })).status).toBe(403);
    const cancelled = await api(`/delegations/${id}/transitions`, { method: 'POST', token: aliceToken, body: { action: 'cancel', note: 'not needed' } });
    expect(cancelled.body.delegation).toMatchObject({ status: 'cancelled', state: { by: 'alice', reason: 'not needed' } });
    // Cancelling removed the expiry timer.
    const timers = await srv.app.db.query(`SELECT 1 FROM timers WHERE kind = 'delegation.expire' AND key = $1 AND fired_at IS NULL`, [id]);
    expect(timers.rows).toHaveLength(0);
    const got = await api(`/delegations/${id}`);
    expect(got.body.delegation.history.map((h: { to: string; actorId: string }) => `${h.to}:${h.actorId}`)).toEqual(['pending:alice', 'accepted:carol', 'cancelled:alice']);
  });

  it('refuses bad input with a clear error and creates nothing', async () => {
    const bad = [
      { roomId, fields: [], assigneeId: 'bob' },
      { roomId, fields: ['a', 'a'], assigneeId: 'bob' },
      { roomId, fields: ['total'], assigneeId: 'alice' },
      { roomId, fields: ['total'], assigneeId: 'nobody' },
      { roomId, fields: ['total'], assigneeId: 'bob', dueAt: '2001-01-01T00:00:00Z' },
      { roomId, fields: ['total'], assigneeId: 'bob', dueAt: 'tomorrow' },
    ];
    const codes = [];
    for (const b of bad) codes.push((await request(alice, 'work:delegate', b)).error?.code);
    expect(codes).toEqual(['validation_failed', 'validation_failed', 'bad_request', 'not_found', 'validation_failed', 'validation_failed']);
    const reader = await connect(srv.url, await tenant.token('erin', { perms: { '*': ['read'] } }), { origin: TEST_ORIGIN });
    await request(reader, 'room:join', { context });
    expect(await request(reader, 'work:delegate', { roomId, fields: ['total'], assigneeId: 'bob' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    reader.close();
    const open = await srv.app.db.query(`SELECT 1 FROM delegation_fields WHERE room_id = $1 AND held`, [roomId]);
    expect(open.rows).toHaveLength(0);
  });

  it('expires a delegation when its due time passes (durable timer) and frees the fields', async () => {
    // Listening before the accept: on a busy machine the expiry can be broadcast before the accept's answer arrives.
    let id = '';
    const expiring = waitFor(alice, 'work:delegation', (p) => p.delegation.id === id && p.delegation.status === 'expired', 20_000);
    const created = await request(alice, 'work:delegate', { roomId, fields: ['total'], assigneeId: 'bob', dueAt: new Date(Date.now() + 1500).toISOString() });
    id = created.delegation.id;
    expect((await act(bob, id, 'accept')).ok).toBe(true);
    const expired = await expiring;
    expect(expired.delegation.hold).toBe('free');
    expect(await set(carol, 'total', 7)).toMatchObject({ ok: true });
    const n = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE subject = $1 AND action = 'delegation.expired'`, [`delegation:${id}`]);
    expect(n.rows[0]!.n).toBe(1);
  });

  it('assistance on the embedded database: routing inside the request transaction offers it to a helper', async () => {
    const helper = await connect(srv.url, await tenant.token('hank', { name: 'Hank', roles: ['helper'] }), { origin: TEST_ORIGIN });
    const offered = waitFor(helper, 'work:offer');
    const r = await request(carol, 'work:help', { roomId, message: 'How do I refund?' });
    expect(r).toMatchObject({ ok: true, request: { status: 'offered', helper: { id: 'hank' } } });
    expect((await offered).request.id).toBe(r.request.id);
    expect(await request(helper, 'work:help:act', { id: r.request.id, action: 'decline' })).toMatchObject({ ok: true, request: { status: 'queued' } });
    helper.close();
  });
});
