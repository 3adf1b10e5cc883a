/**
 * Adversarial access review: tenant isolation, room rights, ownership, credential kinds and
 * malformed input, walked route by route and event by event against a real server and Postgres.
 * Every refusal must be a typed 4xx and leave the data as it was.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RoomPermissions } from '../../src/auth/permissions.js';
import { connect, onRoomEvent, request, waitForRoomEvent } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

type Tenant = Awaited<ReturnType<typeof createTenant>>;
interface Reply {
  status: number;
  body: any;
}

const NIL_UUID = '00000000-0000-4000-8000-000000000000';
const ORDER_FIELDS = [
  { name: 'note', kind: 'textarea', label: 'Note' },
  { name: 'status', kind: 'select', label: 'Status', value: 'new' },
  { name: 'total', kind: 'number', label: 'Total', value: 1 },
  { name: 'ref', kind: 'text', label: 'Reference', readOnly: true, value: 'R-1' },
  { name: 'channel', kind: 'select', label: 'Channel', readOnly: true, value: 'web' },
];
const joinCtx = (pageKey: string) => ({ context: { url: `/pages/${pageKey}`, pageKey, title: pageKey, fields: ORDER_FIELDS } });

/** Tables whose rows belong to a tenant; presence visits and the directory change with connections and are left out. */
const TENANT_TABLES = [
  'rooms',
  'chat_messages',
  'chat_reads',
  'comments',
  'form_documents',
  'form_fields',
  'field_ops',
  'field_conflicts',
  'delegations',
  'assistance_requests',
  'webhook_endpoints',
  'webhook_deliveries',
  'notifications',
  'events',
  'work_events',
];

describe.skipIf(!hasPg)('access: tenant isolation, room rights, ownership, input (Postgres, real sockets)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let A: Tenant;
  let B: Tenant;
  const open: Socket[] = [];
  let n = 0;
  const next = () => ++n;

  const user = async (t: Tenant, id: string, extra: Record<string, unknown> = {}) => {
    const s = await connect(srv.url, await t.token(id, { name: id, ...extra }));
    open.push(s);
    return s;
  };
  const join = async (s: Socket, pageKey: string) => {
    const r = await request(s, 'room:join', joinCtx(pageKey));
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
    return r;
  };
  const api = async (method: string, path: string, token: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${srv.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  /** A fingerprint of everything a tenant owns: any change to any row shows. */
  async function snapshot(tenantId: string) {
    const out: Record<string, unknown> = {};
    for (const t of TENANT_TABLES) {
      // Delivery bookkeeping of notifications moves on its own (pending → live); what a user sees does not.
      const { rows } = await srv.app.db.query(
        `SELECT count(*)::int AS n, coalesce(md5(string_agg((to_jsonb(x) - 'delivery' - 'delivered_at')::text, '|' ORDER BY (to_jsonb(x) - 'delivery' - 'delivered_at')::text)), '') AS h
           FROM ${t} x WHERE tenant_id = $1`,
        [tenantId],
      );
      out[t] = rows[0];
    }
    const reactions = await srv.app.db.query(
      `SELECT count(*)::int AS n FROM chat_reactions r JOIN chat_messages m ON m.id = r.message_id WHERE m.tenant_id = $1`,
      [tenantId],
    );
    out.chat_reactions = reactions.rows[0];
    const held = await srv.app.db.query(
      `SELECT count(*)::int AS n, coalesce(md5(string_agg(f::text, '|' ORDER BY f::text)), '') AS h FROM delegation_fields f JOIN delegations d ON d.id = f.delegation_id WHERE d.tenant_id = $1`,
      [tenantId],
    );
    out.delegation_fields = held.rows[0];
    return out;
  }

  // Tenant B's things, which tenant A will try to reach.
  const b = {} as { roomId: string; pageKey: string; messageId: string; commentId: string; conflictId: string; delegationId: string; assistanceId: string; webhookId: string; notificationId: string };
  // Tenant A's own room and things.
  const a = {} as { roomId: string; messageId: string; commentId: string; delegationId: string; assistanceId: string };
  let annA: Socket; // tenant A, every right everywhere
  let ann: string; // ann's token

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({
      databaseUrl: db.url,
      env: { RATE_LIMIT_PER_MINUTE: '100000', CHAT_SEND_BURST: '1000', CHAT_SEND_PER_SECOND: '1000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', EVENTS_POLL_MS: '200' },
    });
    A = await createTenant(srv.app, uniqueId('a'));
    B = await createTenant(srv.app, uniqueId('b'));

    // ——— tenant B: one of everything ———
    const bob = await user(B, 'bob');
    const bea = await user(B, 'bea');
    b.pageKey = 'shop.order:1';
    const jb = await join(bob, b.pageKey);
    await join(bea, b.pageKey);
    b.roomId = jb.roomId;
    b.messageId = (await request(bob, 'chat:send', { roomId: b.roomId, body: 'b secret', clientMsgId: 'b-1' })).message.id;
    b.commentId = (await request(bob, 'comment:create', { roomId: b.roomId, field: 'note', body: 'b comment' })).comment.id;
    expect(await request(bob, 'field:set', { roomId: b.roomId, field: 'status', baseVersion: 0, value: 'paid', clientId: 'bobclient01', seq: 1 })).toMatchObject({ ok: true });
    const conflict = await request(bea, 'field:set', { roomId: b.roomId, field: 'status', baseVersion: 0, value: 'void', clientId: 'beaclient01', seq: 1 });
    expect(conflict).toMatchObject({ ok: false, error: { code: 'version_conflict' } });
    b.conflictId = conflict.error.details.conflictId;
    b.delegationId = (await request(bob, 'work:delegate', { roomId: b.roomId, fields: ['total'], assigneeId: 'bea' })).delegation.id;
    b.assistanceId = (await request(bob, 'work:help', { roomId: b.roomId, message: 'b needs help' })).request.id;
    const hook = await api('POST', '/webhooks', B.apiKey, { url: 'https://hooks.example.invalid/b', eventTypes: ['never.fires'] });
    expect(hook.status).toBe(201);
    b.webhookId = hook.body.id;
    const note = await api('POST', '/users/bob/notifications', B.apiKey, { title: 'for bob only' });
    expect(note.status).toBe(201);
    b.notificationId = note.body.id;
    for (const id of Object.values(b)) expect(id).toBeTruthy();

    // ——— tenant A: ann with every right, and her own things ———
    ann = await A.token('ann', { name: 'ann' });
    annA = await connect(srv.url, ann);
    open.push(annA);
    await user(A, 'walt'); // in A's directory, for delegations
    a.roomId = (await join(annA, 'acc.order:7')).roomId;
    a.messageId = (await request(annA, 'chat:send', { roomId: a.roomId, body: 'a message', clientMsgId: 'a-1' })).message.id;
    a.commentId = (await request(annA, 'comment:create', { roomId: a.roomId, field: 'note', body: 'a comment' })).comment.id;
    a.delegationId = (await request(annA, 'work:delegate', { roomId: a.roomId, fields: ['total'], assigneeId: 'walt' })).delegation.id;
    a.assistanceId = (await request(annA, 'work:help', { roomId: a.roomId, message: 'a needs help' })).request.id;
    for (const id of Object.values(a)) expect(id).toBeTruthy();
  });

  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
    await db?.drop();
  });

  it("refuses every REST route another tenant's ids, with a typed 4xx and no change", async () => {
    const before = await snapshot(B.tenant.id);
    const key = A.apiKey;
    const cases: Array<[string, string, string, unknown, number, string]> = [
      // [method, path, credential, body, status, code]
      ['GET', `/rooms/${b.roomId}/messages`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/messages`, ann, undefined, 404, 'not_found'],
      ['POST', `/rooms/${b.roomId}/messages`, key, { body: 'x' }, 404, 'not_found'],
      ['POST', `/rooms/${b.roomId}/messages`, ann, { body: 'x' }, 404, 'not_found'],
      ['POST', `/rooms/${a.roomId}/messages`, key, { body: 'x', threadRootId: b.messageId }, 404, 'not_found'],
      ['GET', `/rooms/${a.roomId}/messages?threadRootId=${b.messageId}`, key, undefined, 200, ''],
      ['GET', `/rooms/${b.roomId}/comments`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/comments`, ann, undefined, 404, 'not_found'],
      ['POST', `/rooms/${b.roomId}/comments`, key, { field: 'note', body: 'x' }, 404, 'not_found'],
      ['POST', `/rooms/${a.roomId}/comments`, ann, { field: 'note', body: 'x', parentId: b.commentId }, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/fields/note/history`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/fields/status/history`, ann, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/conflicts`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/conflicts`, ann, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/presence`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/visits`, ann, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/suggestions`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${b.roomId}/suggestions`, ann, undefined, 404, 'not_found'],
      ['GET', `/delegations/${b.delegationId}`, key, undefined, 404, 'not_found'],
      ['GET', `/delegations/${b.delegationId}`, ann, undefined, 404, 'not_found'],
      ['POST', `/delegations/${b.delegationId}/transitions`, key, { action: 'cancel', actorId: 'ann' }, 404, 'not_found'],
      ['POST', `/delegations/${b.delegationId}/transitions`, ann, { action: 'cancel' }, 404, 'not_found'],
      ['POST', '/delegations', key, { roomId: b.roomId, fields: ['note'], assigneeId: 'walt', delegatorId: 'ann' }, 404, 'not_found'],
      ['POST', '/delegations', ann, { roomId: b.roomId, fields: ['note'], assigneeId: 'walt' }, 404, 'not_found'],
      ['POST', '/delegations', key, { roomId: a.roomId, fields: ['note'], assigneeId: 'bea', delegatorId: 'ann' }, 404, 'not_found'],
      ['POST', '/delegations', key, { roomId: a.roomId, fields: ['note'], assigneeId: 'walt', delegatorId: 'bob' }, 404, 'not_found'],
      ['GET', '/delegations?userId=bob', key, undefined, 404, 'not_found'],
      ['GET', `/assistance/${b.assistanceId}`, key, undefined, 404, 'not_found'],
      ['GET', `/assistance/${b.assistanceId}`, ann, undefined, 404, 'not_found'],
      ['GET', `/assistance/${b.assistanceId}/timings`, key, undefined, 404, 'not_found'],
      ['POST', `/assistance/${b.assistanceId}/transitions`, key, { action: 'cancel', actorId: 'ann' }, 404, 'not_found'],
      ['POST', `/assistance/${b.assistanceId}/transitions`, ann, { action: 'cancel' }, 404, 'not_found'],
      ['POST', '/assistance', key, { roomId: b.roomId, message: 'x', requesterId: 'ann' }, 404, 'not_found'],
      ['POST', '/assistance', ann, { roomId: b.roomId, message: 'x' }, 404, 'not_found'],
      ['POST', '/assistance', key, { pageKey: b.pageKey, message: 'x', requesterId: 'ann' }, 404, 'not_found'],
      ['POST', '/assistance', key, { roomId: a.roomId, message: 'x', requesterId: 'bob' }, 404, 'not_found'],
      ['DELETE', `/webhooks/${b.webhookId}`, key, undefined, 404, 'not_found'],
      ['GET', `/webhooks/${b.webhookId}/deliveries`, key, undefined, 404, 'not_found'],
      ['POST', '/users/bob/notifications', key, { title: 'spoofed' }, 404, 'not_found'],
      ['GET', `/tenants/${B.tenant.id}`, key, undefined, 403, 'wrong_tenant'],
    ];
    const failures: string[] = [];
    for (const [method, path, cred, body, status, code] of cases) {
      const r = await api(method, path, cred, body);
      const who = cred === key ? 'A key' : 'A user';
      if (r.status !== status || (code && r.body?.error?.code !== code)) failures.push(`${method} ${path} (${who}): ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);

    // Lists and inboxes answer for A only: B's things never appear.
    const lists = await Promise.all([
      api('GET', '/webhooks', key),
      api('GET', '/assistance?requesterId=bob', key),
      api('GET', '/assistance/queue', key),
      api('GET', '/users/bob/notifications', key),
      api('GET', '/users/bob/presence', key),
      api('GET', '/rooms/active', key),
      api('GET', '/presence/online', key),
      api('GET', `/delegations?roomId=${b.roomId}`, ann),
    ]);
    for (const r of lists) {
      expect(r.status).toBe(200);
      const text = JSON.stringify(r.body);
      for (const secret of [b.roomId, b.webhookId, b.assistanceId, b.delegationId, b.pageKey, 'b secret', 'b needs help', 'for bob only', '"bea"']) {
        expect(text, `${text.slice(0, 300)} leaks ${secret}`).not.toContain(secret);
      }
    }
    expect(lists[4]!.body).toEqual({ userId: 'bob', status: 'offline', rooms: [] });

    // Marking B's notification read from A (as an app for "bob", or as a user) touches nothing.
    expect(await api('POST', '/users/bob/notifications/read', key, { ids: [b.notificationId] })).toMatchObject({ status: 200, body: { ids: [] } });
    expect(await api('POST', '/notifications/read', ann, { ids: [b.notificationId] })).toMatchObject({ status: 200, body: { ids: [] } });
    // A record change for B's page key, sent with A's key, is A's business only.
    expect(await api('POST', '/records/changed', key, { pageKey: b.pageKey, values: { status: 'hacked', note: 'hacked' } })).toMatchObject({ status: 200, body: { roomId: null, rebased: [] } });

    expect(await snapshot(B.tenant.id)).toEqual(before);
  });

  it("refuses every socket event another tenant's ids (never joined, or not in this room), and changes nothing", async () => {
    const before = await snapshot(B.tenant.id);
    const s = annA;
    const r = b.roomId;
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['chat:send', { roomId: r, body: 'x', clientMsgId: `x${next()}` }, 'not_found'],
      ['chat:edit', { roomId: r, messageId: b.messageId, body: 'x' }, 'not_found'],
      ['chat:delete', { roomId: r, messageId: b.messageId }, 'not_found'],
      ['chat:react', { roomId: r, messageId: b.messageId, emoji: '👍' }, 'not_found'],
      ['chat:history', { roomId: r }, 'not_found'],
      ['chat:read', { roomId: r, seq: 1 }, 'not_found'],
      ['chat:sync', { roomId: r, afterSeq: 0 }, 'not_found'],
      ['chat:typing', { roomId: r, typing: true }, 'not_found'],
      ['chat:edit', { roomId: a.roomId, messageId: b.messageId, body: 'x' }, 'not_found'],
      ['chat:delete', { roomId: a.roomId, messageId: b.messageId }, 'not_found'],
      ['chat:react', { roomId: a.roomId, messageId: b.messageId, emoji: '👍' }, 'not_found'],
      ['chat:send', { roomId: a.roomId, body: 'x', clientMsgId: `x${next()}`, threadRootId: b.messageId }, 'not_found'],
      ['comment:create', { roomId: r, field: 'note', body: 'x' }, 'not_found'],
      ['comment:create', { roomId: a.roomId, field: 'note', body: 'x', parentId: b.commentId }, 'not_found'],
      ['comment:edit', { roomId: r, commentId: b.commentId, body: 'x' }, 'not_found'],
      ['comment:edit', { roomId: a.roomId, commentId: b.commentId, body: 'x' }, 'not_found'],
      ['comment:delete', { roomId: a.roomId, commentId: b.commentId }, 'not_found'],
      ['comment:resolve', { roomId: a.roomId, commentId: b.commentId }, 'not_found'],
      ['comment:reopen', { roomId: r, commentId: b.commentId }, 'not_found'],
      ['comment:list', { roomId: r }, 'not_found'],
      ['field:op', { roomId: r, field: 'note', baseVersion: 0, op: ['x'], clientId: 'annclient01', seq: next() }, 'not_found'],
      ['field:set', { roomId: r, field: 'status', baseVersion: 1, value: 'x', clientId: 'annclient01', seq: next() }, 'not_found'],
      ['field:fetch', { roomId: r, field: 'note', since: 0 }, 'not_found'],
      ['field:resolve', { roomId: r, conflictId: b.conflictId, choice: 'mine', clientId: 'annclient01', seq: next() }, 'not_found'],
      ['field:resolve', { roomId: a.roomId, conflictId: b.conflictId, choice: 'mine', clientId: 'annclient01', seq: next() }, 'not_found'],
      ['form:saved', { roomId: r, values: { status: 'x' } }, 'not_found'],
      ['form:draft', { roomId: r, choice: 'saved', values: { status: 'x' } }, 'not_found'],
      ['form:draft', { roomId: r, choice: 'continue' }, 'not_found'],
      ['presence:update', { roomId: r, focus: 'note' }, 'not_found'],
      ['presence:caret', { roomId: r, field: 'note', anchor: 0, head: 0 }, 'not_found'],
      ['room:leave', { roomId: r }, 'not_found'],
      ['work:delegate', { roomId: r, fields: ['note'], assigneeId: 'walt' }, 'not_found'],
      ['work:delegation:act', { id: b.delegationId, action: 'cancel' }, 'not_found'],
      ['work:delegation:get', { id: b.delegationId }, 'not_found'],
      ['work:suggest', { roomId: r }, 'not_found'],
      ['work:help', { roomId: r, message: 'x' }, 'not_found'],
      ['work:help:act', { id: b.assistanceId, action: 'cancel' }, 'not_found'],
      ['work:help:act', { id: b.assistanceId, action: 'accept' }, 'not_found'],
      ['work:help:get', { id: b.assistanceId }, 'not_found'],
    ];
    const failures: string[] = [];
    for (const [event, payload, code] of cases) {
      const res = await request(s, event, payload);
      if (res.ok || res.error.code !== code) failures.push(`${event} ${JSON.stringify(payload)}: ${JSON.stringify(res).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await request(s, 'notifications:read', { ids: [b.notificationId] })).toMatchObject({ ok: true, ids: [] });
    const lists = [await request(s, 'work:delegations', { roomId: r }), await request(s, 'work:inbox', {}), await request(s, 'notifications:list', {})];
    for (const l of lists) expect(JSON.stringify(l)).not.toMatch(new RegExp(`${b.roomId}|${b.delegationId}|${b.assistanceId}|for bob only`));
    expect(await snapshot(B.tenant.id)).toEqual(before);
  });

  it('enforces room rights (read / write / comment) on every path, REST and socket', async () => {
    const perms = (p: RoomPermissions) => ({ perms: p });
    // No read on a page: every room-addressed route answers 404, exactly as for a missing room.
    const nora = await A.token('nora', perms({ 'other.*': ['read'] })); // no right on acc.*
    const rita = await A.token('rita', perms({ 'acc.*': ['read'] }));
    const wendy = await A.token('wendy', perms({ 'acc.*': ['write'] }));
    const cody = await A.token('cody', perms({ 'acc.*': ['comment'] }));
    const before = await snapshot(A.tenant.id);
    const r = a.roomId;
    const rest: Array<[string, string, string, unknown, number, string]> = [
      ['GET', `/rooms/${r}/messages`, nora, undefined, 404, 'not_found'],
      ['GET', `/rooms/${encodeURIComponent('acc.order:7')}/messages`, nora, undefined, 404, 'not_found'],
      ['POST', `/rooms/${r}/messages`, nora, { body: 'x' }, 404, 'not_found'],
      ['POST', `/rooms/${r}/messages`, rita, { body: 'x' }, 403, 'forbidden'],
      ['POST', `/rooms/${r}/messages`, wendy, { body: 'x' }, 403, 'forbidden'],
      ['GET', `/rooms/${r}/comments`, nora, undefined, 404, 'not_found'],
      ['POST', `/rooms/${r}/comments`, rita, { field: 'note', body: 'x' }, 403, 'forbidden'],
      ['POST', `/rooms/${r}/comments`, wendy, { field: 'note', body: 'x' }, 403, 'forbidden'],
      ['GET', `/rooms/${r}/fields/note/history`, nora, undefined, 404, 'not_found'],
      ['GET', `/rooms/${r}/conflicts`, nora, undefined, 404, 'not_found'],
      ['GET', `/rooms/${r}/presence`, nora, undefined, 404, 'not_found'],
      ['GET', `/rooms/${r}/visits`, nora, undefined, 404, 'not_found'],
      ['GET', `/rooms/${r}/suggestions`, nora, undefined, 404, 'not_found'],
      ['GET', `/delegations/${a.delegationId}`, nora, undefined, 404, 'not_found'],
      ['POST', `/delegations/${a.delegationId}/transitions`, nora, { action: 'accept' }, 404, 'not_found'],
      ['POST', `/delegations/${a.delegationId}/transitions`, rita, { action: 'cancel' }, 403, 'forbidden'],
      ['POST', `/delegations/${a.delegationId}/transitions`, rita, { action: 'accept', actorId: 'walt' }, 403, 'forbidden'],
      ['POST', '/delegations', nora, { roomId: r, fields: ['note'], assigneeId: 'walt' }, 404, 'not_found'],
      ['POST', '/delegations', rita, { roomId: r, fields: ['note'], assigneeId: 'walt' }, 403, 'forbidden'],
      ['POST', '/delegations', cody, { pageKey: 'acc.order:7', fields: ['note'], assigneeId: 'walt' }, 403, 'forbidden'],
      ['POST', '/assistance', nora, { roomId: r, message: 'x' }, 404, 'not_found'],
      ['GET', `/assistance/${a.assistanceId}`, nora, undefined, 404, 'not_found'],
      ['POST', `/assistance/${a.assistanceId}/transitions`, rita, { action: 'cancel' }, 403, 'forbidden'],
      ['GET', '/assistance?requesterId=ann', nora, undefined, 403, 'forbidden'],
      ['GET', '/delegations?userId=ann', nora, undefined, 403, 'forbidden'],
      // Credential kinds: app-only routes refuse user tokens, user-only routes refuse API keys.
      ['POST', '/auth/token', ann, { sub: 'x', name: 'x', perms: { '*': ['read', 'write', 'comment'] } }, 403, 'forbidden'],
      ['GET', `/tenants/${A.tenant.id}`, ann, undefined, 403, 'forbidden'],
      ['POST', '/records/changed', ann, { pageKey: 'acc.order:7', values: { status: 'x' } }, 403, 'forbidden'],
      ['POST', '/webhooks', ann, { url: 'https://x.example.invalid/', eventTypes: ['*'] }, 403, 'forbidden'],
      ['GET', '/webhooks', ann, undefined, 403, 'forbidden'],
      ['DELETE', `/webhooks/${NIL_UUID}`, ann, undefined, 403, 'forbidden'],
      ['GET', '/users/ann/notifications', ann, undefined, 403, 'forbidden'],
      ['POST', '/users/walt/notifications', ann, { title: 'x' }, 403, 'forbidden'],
      ['POST', '/users/walt/notifications/read', ann, { all: true }, 403, 'forbidden'],
      ['GET', '/notifications', A.apiKey, undefined, 403, 'forbidden'],
      ['POST', '/notifications/read', A.apiKey, { all: true }, 403, 'forbidden'],
    ];
    const failures: string[] = [];
    for (const [method, path, cred, body, status, code] of rest) {
      const res = await api(method, path, cred, body);
      if (res.status !== status || res.body?.error?.code !== code) failures.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${ann}` } });
    ws.on('error', () => {});
    const refused = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    ws.close();
    if (refused !== 403) failures.push(`stream with a user token: ${refused}`);

    // Sockets: no read → no join; read only → no chat, comments or writes; write ≠ comment.
    const sNora = await connect(srv.url, nora);
    const sRita = await connect(srv.url, rita);
    const sWendy = await connect(srv.url, wendy);
    const sCody = await connect(srv.url, cody);
    open.push(sNora, sRita, sWendy, sCody);
    expect(await request(sNora, 'room:join', joinCtx('acc.order:7'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await join(sRita, 'acc.order:7')).permissions).toEqual(['read']);
    expect((await join(sWendy, 'acc.order:7')).permissions).toEqual(['read', 'write']);
    expect((await join(sCody, 'acc.order:7')).permissions).toEqual(['read', 'comment']);
    const sock: Array<[Socket, string, string, Record<string, unknown>, string]> = [
      [sNora, 'nora', 'chat:send', { roomId: r, body: 'x', clientMsgId: `n${next()}` }, 'not_found'],
      [sNora, 'nora', 'chat:history', { roomId: r }, 'not_found'],
      [sNora, 'nora', 'comment:list', { roomId: r }, 'not_found'],
      [sNora, 'nora', 'field:fetch', { roomId: r, field: 'note', since: 0 }, 'not_found'],
      [sNora, 'nora', 'work:delegation:get', { id: a.delegationId }, 'not_found'],
      [sNora, 'nora', 'work:help:get', { id: a.assistanceId }, 'not_found'],
      [sNora, 'nora', 'work:help', { roomId: r, message: 'x' }, 'not_found'],
      [sRita, 'rita', 'chat:send', { roomId: r, body: 'x', clientMsgId: `r${next()}` }, 'forbidden'],
      [sRita, 'rita', 'chat:react', { roomId: r, messageId: a.messageId, emoji: '👍' }, 'forbidden'],
      [sRita, 'rita', 'chat:typing', { roomId: r, typing: true }, 'forbidden'],
      [sRita, 'rita', 'comment:create', { roomId: r, field: 'note', body: 'x' }, 'forbidden'],
      [sRita, 'rita', 'comment:resolve', { roomId: r, commentId: a.commentId }, 'forbidden'],
      [sRita, 'rita', 'field:op', { roomId: r, field: 'note', baseVersion: 0, op: ['x'], clientId: 'ritaclient1', seq: next() }, 'forbidden'],
      [sRita, 'rita', 'field:set', { roomId: r, field: 'status', baseVersion: 0, value: 'x', clientId: 'ritaclient1', seq: next() }, 'forbidden'],
      [sRita, 'rita', 'form:saved', { roomId: r }, 'forbidden'],
      [sRita, 'rita', 'form:draft', { roomId: r, choice: 'saved', values: { status: 'x' } }, 'forbidden'],
      [sRita, 'rita', 'work:delegate', { roomId: r, fields: ['note'], assigneeId: 'walt' }, 'forbidden'],
      [sRita, 'rita', 'work:delegation:act', { id: a.delegationId, action: 'accept' }, 'forbidden'],
      [sRita, 'rita', 'work:help:act', { id: a.assistanceId, action: 'cancel' }, 'forbidden'],
      [sWendy, 'wendy', 'chat:send', { roomId: r, body: 'x', clientMsgId: `w${next()}` }, 'forbidden'],
      [sWendy, 'wendy', 'comment:create', { roomId: r, field: 'note', body: 'x' }, 'forbidden'],
      [sWendy, 'wendy', 'field:set', { roomId: r, field: 'channel', baseVersion: 0, value: 'x', clientId: 'wendyclient', seq: next() }, 'forbidden'],
      [sWendy, 'wendy', 'field:op', { roomId: r, field: 'ref', baseVersion: 0, op: ['x'], clientId: 'wendyclient', seq: next() }, 'forbidden'],
      [sCody, 'cody', 'field:set', { roomId: r, field: 'status', baseVersion: 0, value: 'x', clientId: 'codyclient1', seq: next() }, 'forbidden'],
      [sCody, 'cody', 'field:op', { roomId: r, field: 'note', baseVersion: 0, op: ['x'], clientId: 'codyclient1', seq: next() }, 'forbidden'],
      [sCody, 'cody', 'chat:edit', { roomId: r, messageId: a.messageId, body: 'mine now' }, 'forbidden'],
      [sCody, 'cody', 'chat:delete', { roomId: r, messageId: a.messageId }, 'forbidden'],
      [sCody, 'cody', 'comment:edit', { roomId: r, commentId: a.commentId, body: 'mine now' }, 'forbidden'],
      [sCody, 'cody', 'comment:delete', { roomId: r, commentId: a.commentId }, 'forbidden'],
      [sCody, 'cody', 'work:delegation:act', { id: a.delegationId, action: 'cancel' }, 'forbidden'],
    ];
    for (const [s, who, event, payload, code] of sock) {
      const res = await request(s, event, payload);
      if (res.ok || res.error.code !== code) failures.push(`${who} ${event}: ${JSON.stringify(res).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot(A.tenant.id)).toEqual(before);

    // What the rights do allow goes through (and the fingerprint sees it).
    expect(await request(sRita, 'chat:history', { roomId: r })).toMatchObject({ ok: true });
    expect(await request(sCody, 'chat:send', { roomId: r, body: 'cody here', clientMsgId: `c${next()}` })).toMatchObject({ ok: true });
    expect(await request(sWendy, 'field:set', { roomId: r, field: 'status', baseVersion: 0, value: 'paid', clientId: 'wendyclient', seq: next() })).toMatchObject({ ok: true });
    expect(await snapshot(A.tenant.id)).not.toEqual(before);
    // A conflict is resolved by the writer who met it, nobody else.
    const mine = await request(annA, 'field:set', { roomId: r, field: 'status', baseVersion: 0, value: 'void', clientId: 'annclient01', seq: next() });
    expect(mine).toMatchObject({ ok: false, error: { code: 'version_conflict' } });
    expect(await request(sWendy, 'field:resolve', { roomId: r, conflictId: mine.error.details.conflictId, choice: 'mine', clientId: 'wendyclient', seq: next() })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('answers malformed input on every REST route with a typed 4xx and changes nothing', async () => {
    const before = await snapshot(A.tenant.id);
    const key = A.apiKey;
    const r = a.roomId;
    const big = 'x'.repeat(300 * 1024);
    const cases: Array<[string, string, string, unknown, number, string]> = [
      // malformed ids in paths
      ['GET', '/rooms/not-a-uuid/presence', key, undefined, 400, 'validation_failed'],
      ['GET', '/rooms/not-a-uuid/visits', key, undefined, 400, 'validation_failed'],
      ['GET', '/rooms/not-a-uuid/conflicts', ann, undefined, 400, 'validation_failed'],
      ['GET', '/rooms/not-a-uuid/fields/note/history', ann, undefined, 400, 'validation_failed'],
      ['GET', '/rooms/not-a-uuid/suggestions', key, undefined, 400, 'validation_failed'],
      ['GET', '/rooms/not-a-uuid/messages', key, undefined, 404, 'not_found'],
      ['GET', '/rooms/%00/messages', key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${'9'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/messages`, key, undefined, 404, 'not_found'],
      ['GET', '/rooms/a%00b/comments', ann, undefined, 400, 'validation_failed'],
      ['POST', '/rooms/a%00b/messages', key, { body: 'x' }, 400, 'validation_failed'],
      ['GET', '/delegations/not-a-uuid', key, undefined, 400, 'validation_failed'],
      ['GET', `/delegations/${a.delegationId}x`, key, undefined, 400, 'validation_failed'],
      ['POST', '/delegations/not-a-uuid/transitions', key, { action: 'cancel', actorId: 'ann' }, 400, 'validation_failed'],
      ['GET', '/assistance/not-a-uuid', key, undefined, 400, 'validation_failed'],
      ['GET', '/assistance/not-a-uuid/timings', key, undefined, 400, 'validation_failed'],
      ['POST', '/assistance/not-a-uuid/transitions', key, { action: 'cancel', actorId: 'ann' }, 400, 'validation_failed'],
      ['DELETE', '/webhooks/not-a-uuid', key, undefined, 400, 'validation_failed'],
      ['GET', '/webhooks/not-a-uuid/deliveries', key, undefined, 400, 'validation_failed'],
      // Fastify matches no route for a parameter over 100 characters: still a typed 404.
      ['GET', `/users/${'u'.repeat(129)}/presence`, key, undefined, 404, 'not_found'],
      // queries: negative, zero, huge, non-numeric, repeated (arrays), unknown enum values
      ['GET', `/rooms/${r}/messages?limit=-1`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?limit=0`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?limit=201`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?limit=abc`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?limit=1&limit=2`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?before=-5`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?before=1e400`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?before=99999999999999999999`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/messages?threadRootId=nope`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/comments?includeResolved=maybe`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/comments?field=a&field=b`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/fields/note/history?before=3000000000`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/fields/note/history?before=0`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/fields/note/history?limit=501`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/fields/${'f'.repeat(201)}/history`, key, undefined, 404, 'not_found'],
      ['GET', `/rooms/${r}/fields/a%00b/history`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/conflicts?limit=-3`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/visits?limit=501`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/suggestions?limit=0`, key, undefined, 400, 'validation_failed'],
      ['GET', `/rooms/${r}/suggestions?tags=${'t'.repeat(301)}`, key, undefined, 400, 'validation_failed'],
      ['GET', '/presence/online?status=sleeping', key, undefined, 400, 'validation_failed'],
      ['GET', '/delegations?userId=ann&roomId=nope', key, undefined, 400, 'validation_failed'],
      ['GET', '/delegations?userId=ann&status=pending,bogus', key, undefined, 400, 'validation_failed'],
      ['GET', '/delegations?userId=ann&status=a&status=b', key, undefined, 400, 'validation_failed'],
      ['GET', '/delegations?userId=ann&role=boss', key, undefined, 400, 'validation_failed'],
      ['GET', '/delegations?userId=ann&limit=-1', key, undefined, 400, 'validation_failed'],
      ['GET', '/delegations', key, undefined, 400, 'validation_failed'],
      ['GET', '/assistance?requesterId=ann&status=bogus', key, undefined, 400, 'validation_failed'],
      ['GET', '/assistance?requesterId=ann&limit=100000', key, undefined, 400, 'validation_failed'],
      ['GET', '/notifications?limit=0', ann, undefined, 400, 'validation_failed'],
      ['GET', '/notifications?beforeSeq=-1', ann, undefined, 400, 'validation_failed'],
      ['GET', '/notifications?unreadOnly=maybe', ann, undefined, 400, 'validation_failed'],
      ['GET', `/webhooks/${NIL_UUID}/deliveries?status=bogus`, key, undefined, 400, 'validation_failed'],
      ['GET', `/webhooks/${NIL_UUID}/deliveries?beforeId=0`, key, undefined, 400, 'validation_failed'],
      // bodies: wrong types, arrays for strings, empty, unknown keys on strict schemas, bad enums
      ['POST', `/rooms/${r}/messages`, key, { body: ['x'] }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/messages`, key, { body: '' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/messages`, key, { body: 'a\u0000b' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/messages`, key, { body: 'x', clientMsgId: 'bad id!' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/messages`, key, { body: 'x', threadRootId: 'nope' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/messages`, key, { body: 'x', threadRootId: NIL_UUID }, 404, 'not_found'],
      ['POST', `/rooms/${r}/messages`, key, 'not json', 400, 'bad_request'],
      ['POST', `/rooms/${r}/messages`, key, '{"body":"x","__proto__":{"polluted":true}}', 400, 'bad_request'],
      ['POST', `/rooms/${r}/messages`, key, { body: big }, 413, 'payload_too_large'],
      ['POST', '/rooms/bad%20key!/messages', key, { body: 'x' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/messages`, key, '', 400, 'bad_request'],
      ['POST', `/rooms/${r}/comments`, key, { field: 'nope', body: 'x' }, 404, 'not_found'],
      ['POST', `/rooms/${r}/comments`, key, { field: '', body: 'x' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/comments`, key, { field: 'no\u0000te', body: 'x' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/comments`, key, { field: 'note', body: 'x', parentId: 'nope' }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/comments`, key, { field: 'note', body: 'x', range: { start: 5, end: 1, version: 0 } }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/comments`, key, { field: 'note', body: 'x', range: { start: 0, end: 1, version: 99 } }, 400, 'validation_failed'],
      ['POST', `/rooms/${r}/comments`, key, { field: 'note', body: 'x', range: { start: 0, end: 1, version: 2 ** 40 } }, 400, 'validation_failed'],
      ['POST', '/records/changed', key, { pageKey: 'acc.order:7', values: 'x' }, 400, 'validation_failed'],
      ['POST', '/records/changed', key, { pageKey: 'acc.order:7', values: { status: { nested: 1 } } }, 400, 'validation_failed'],
      ['POST', '/records/changed', key, { pageKey: 'acc.order:7', values: { status: 'a\u0000b' } }, 400, 'validation_failed'],
      ['POST', '/records/changed', key, { pageKey: '', values: {} }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: 'nope', fields: ['note'], assigneeId: 'walt', delegatorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, pageKey: 'acc.order:7', fields: ['note'], assigneeId: 'walt', delegatorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: 'note', assigneeId: 'walt', delegatorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: [], assigneeId: 'walt', delegatorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note', 'note'], assigneeId: 'walt', delegatorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: ['walt'], delegatorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'walt', delegatorId: 'ann', dueAt: 'tomorrow' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'walt', delegatorId: 'ann', dueAt: '2001-01-01T00:00:00Z' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'walt', delegatorId: 'ann', admin: true }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'walt', delegatorId: 'ann', note: 'a\u0000b' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'walt' }, 400, 'validation_failed'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'ann', delegatorId: 'ann' }, 400, 'bad_request'],
      ['POST', '/delegations', key, { roomId: r, fields: ['note'], assigneeId: 'nobody', delegatorId: 'ann' }, 404, 'not_found'],
      ['POST', `/delegations/${a.delegationId}/transitions`, key, { action: 'explode', actorId: 'walt' }, 400, 'validation_failed'],
      ['POST', `/delegations/${a.delegationId}/transitions`, key, { action: 'approve', actorId: 'ann' }, 409, 'invalid_transition'],
      ['POST', '/assistance', key, { roomId: r, message: '', requesterId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/assistance', key, { roomId: r, message: ['x'], requesterId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/assistance', key, { roomId: r, message: 'x', urgency: 'extreme', requesterId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/assistance', key, { roomId: r, message: 'a\u0000b', requesterId: 'ann' }, 400, 'validation_failed'],
      ['POST', `/assistance/${a.assistanceId}/transitions`, key, { action: 'explode', actorId: 'ann' }, 400, 'validation_failed'],
      ['POST', '/notifications/read', ann, { ids: ['abc'] }, 400, 'validation_failed'],
      ['POST', '/notifications/read', ann, { ids: [] }, 400, 'validation_failed'],
      ['POST', '/notifications/read', ann, { ids: ['99999999999999999999'] }, 400, 'validation_failed'],
      ['POST', '/notifications/read', ann, { all: false }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: '' }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: 'x', type: 'bogus' }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: 'x', link: { roomId: 'nope' } }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: 'x', link: { evil: 1 } }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: 'x', link: { url: 'javascript:alert(1)' } }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: 'a\u0000b' }, 400, 'validation_failed'],
      ['POST', '/users/ann/notifications', key, { title: 'x', data: { k: 'a\u0000b' } }, 400, 'validation_failed'],
      ['POST', '/webhooks', key, { url: 'ftp://x.example/', eventTypes: ['*'] }, 400, 'validation_failed'],
      ['POST', '/webhooks', key, { url: 'https://x.example/', eventTypes: [] }, 400, 'validation_failed'],
      ['POST', '/webhooks', key, { url: 'https://x.example/', eventTypes: ['Bad Type'] }, 400, 'validation_failed'],
      ['POST', '/webhooks', key, { url: 'https://x.example/', eventTypes: ['*'], secret: 'short' }, 400, 'validation_failed'],
      ['POST', '/webhooks', key, { url: 'https://x.example/', eventTypes: ['*'], description: 'a\u0000b' }, 400, 'validation_failed'],
      ['POST', '/auth/token', key, { sub: '', name: 'x' }, 400, 'validation_failed'],
      ['POST', '/auth/token', key, { sub: 'x', name: 'x', perms: { '*': ['admin'] } }, 400, 'validation_failed'],
      ['POST', '/auth/token', key, { sub: 'x', name: 'x', ttlSeconds: 10 }, 400, 'validation_failed'],
      ['POST', '/auth/token', key, { sub: 'x', name: 'x', ttlSeconds: 1e12 }, 400, 'validation_failed'],
      ['POST', '/auth/token', key, { sub: 'x\u0000y', name: 'x' }, 400, 'validation_failed'],
    ];
    const failures: string[] = [];
    for (const [method, path, cred, body, status, code] of cases) {
      const res = await api(method, path, cred, body);
      if (res.status !== status || res.body?.error?.code !== code) failures.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot(A.tenant.id)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers malformed socket payloads with a typed error and changes nothing', async () => {
    const before = await snapshot(A.tenant.id);
    const r = a.roomId;
    const op = (extra: Record<string, unknown>) => ({ roomId: r, field: 'note', baseVersion: 0, op: ['x'], clientId: 'annclient01', seq: 1_000_000 + next(), ...extra });
    const set = (extra: Record<string, unknown>) => ({ roomId: r, field: 'status', baseVersion: 0, value: 'x', clientId: 'annclient01', seq: 1_000_000 + next(), ...extra });
    const cases: Array<[string, unknown, string]> = [
      ['chat:send', undefined, 'validation_failed'],
      ['chat:send', 'a string', 'validation_failed'],
      ['chat:send', [r, 'x'], 'validation_failed'],
      ['chat:send', { roomId: 'nope', body: 'x', clientMsgId: 'x1' }, 'validation_failed'],
      ['chat:send', { roomId: [r], body: 'x', clientMsgId: 'x1' }, 'validation_failed'],
      ['chat:send', { roomId: r, body: 'x', clientMsgId: 'x1', threadRootId: 'nope' }, 'validation_failed'],
      ['chat:send', { roomId: r, body: 'a\u0000b', clientMsgId: 'x1' }, 'validation_failed'],
      ['chat:send', { roomId: r, body: 'x', clientMsgId: 'x1', threadRootId: NIL_UUID }, 'not_found'],
      ['chat:edit', { roomId: r, messageId: 'nope', body: 'x' }, 'validation_failed'],
      ['chat:edit', { roomId: r, messageId: NIL_UUID, body: 'x' }, 'not_found'],
      ['chat:react', { roomId: r, messageId: a.messageId, emoji: '💩' }, 'validation_failed'],
      ['chat:history', { roomId: r, limit: -1 }, 'validation_failed'],
      ['chat:history', { roomId: r, limit: 1e9 }, 'validation_failed'],
      ['chat:history', { roomId: r, before: 2 ** 60 }, 'validation_failed'],
      ['chat:history', { roomId: r, before: '5' }, 'validation_failed'],
      ['chat:read', { roomId: r, seq: -1 }, 'validation_failed'],
      ['chat:read', { roomId: r, seq: 1.5 }, 'validation_failed'],
      ['chat:sync', { roomId: r, afterSeq: 'x' }, 'validation_failed'],
      ['chat:typing', { roomId: r, typing: 'yes' }, 'validation_failed'],
      ['comment:create', { roomId: r, field: 'note', body: 'x', range: { start: 3, end: 1, version: 0 } }, 'validation_failed'],
      ['comment:create', { roomId: r, field: ['note'], body: 'x' }, 'validation_failed'],
      ['comment:create', { roomId: r, field: 'no\u0000te', body: 'x' }, 'validation_failed'],
      ['comment:resolve', { roomId: r, commentId: 'nope' }, 'validation_failed'],
      ['comment:list', { roomId: r, includeResolved: 'true' }, 'validation_failed'],
      ['field:op', op({ op: [{ d: -1 }] }), 'validation_failed'],
      ['field:op', op({ op: 'x' }), 'validation_failed'],
      ['field:op', op({ op: [{ d: 1, x: 1 }] }), 'validation_failed'],
      ['field:op', op({ baseVersion: 2 ** 31 }), 'validation_failed'],
      ['field:op', op({ baseVersion: -1 }), 'validation_failed'],
      ['field:op', op({ seq: 0 }), 'validation_failed'],
      ['field:op', op({ clientId: 'short' }), 'validation_failed'],
      ['field:op', op({ baseVersion: 1000 }), 'bad_request'],
      ['field:op', op({ op: [1000, 'x'] }), 'validation_failed'],
      ['field:op', op({ op: ['a\u0000b'] }), 'validation_failed'],
      ['field:op', op({ field: 'nope' }), 'not_found'],
      ['field:set', set({ value: { nested: 1 } }), 'validation_failed'],
      ['field:set', set({ value: 'a\u0000b' }), 'validation_failed'],
      ['field:set', set({ value: ['a\u0000b'] }), 'validation_failed'],
      ['field:set', set({ field: 'note' }), 'bad_request'],
      ['field:set', set({ field: 'nope' }), 'not_found'],
      ['field:set', set({ baseVersion: 1000 }), 'bad_request'],
      ['field:fetch', { roomId: r, field: 'note', since: -1 }, 'validation_failed'],
      ['field:fetch', { roomId: r, field: 'note', since: 1000 }, 'bad_request'],
      ['field:resolve', { roomId: r, conflictId: 'nope', choice: 'mine', clientId: 'annclient01', seq: next() }, 'validation_failed'],
      ['field:resolve', { roomId: r, conflictId: NIL_UUID, choice: 'merge', clientId: 'annclient01', seq: next() }, 'validation_failed'],
      ['field:resolve', { roomId: r, conflictId: NIL_UUID, choice: 'mine', clientId: 'annclient01', seq: next() }, 'not_found'],
      ['form:saved', { roomId: r, values: { status: { x: 1 } } }, 'validation_failed'],
      ['form:saved', { roomId: r, values: { ['s\u0000']: 'x' } }, 'validation_failed'],
      ['form:draft', { roomId: r, choice: 'saved' }, 'validation_failed'],
      ['form:draft', { roomId: r, choice: 'both' }, 'validation_failed'],
      ['room:join', { context: { url: '' } }, 'validation_failed'],
      ['room:join', { context: { url: '/x', pageKey: 'bad key!' } }, 'validation_failed'],
      ['room:join', { context: { url: '/x', title: 'a\u0000b' } }, 'validation_failed'],
      ['room:join', { context: { url: '/x\u0000' } }, 'validation_failed'],
      // Others navigate to a room's URL (a helper opening the page of a request): never script.
      ['room:join', { context: { url: 'javascript:alert(document.domain)', pageKey: 'acc.order:7' } }, 'validation_failed'],
      ['room:join', { context: { url: ' JavaScript:alert(1)', pageKey: 'acc.order:7' } }, 'validation_failed'],
      ['room:join', { context: { url: 'data:text/html,<script>alert(1)</script>', pageKey: 'acc.order:7' } }, 'validation_failed'],
      ['room:join', { context: { url: 'vbscript:x', pageKey: 'acc.order:7' } }, 'validation_failed'],
      ['room:join', { context: { url: '/x', fields: [{ name: 'a', kind: 'text' }, { name: 'a', kind: 'text' }] } }, 'validation_failed'],
      ['room:join', { context: { url: '/x', fields: [{ name: 'a', kind: 'password' }] } }, 'validation_failed'],
      ['room:leave', { roomId: 'nope' }, 'validation_failed'],
      ['presence:update', { roomId: r, focus: 'note', extra: 1 }, 'validation_failed'],
      ['presence:status', { status: 'sleeping' }, 'validation_failed'],
      ['work:delegate', { roomId: r, fields: ['note'], assigneeId: 'walt', admin: true }, 'validation_failed'],
      ['work:delegate', { roomId: r, fields: ['note'], assigneeId: 'walt', dueAt: '2001-01-01T00:00:00Z' }, 'validation_failed'],
      ['work:delegate', { roomId: r, fields: ['note'], assigneeId: 'walt', note: 'a\u0000b' }, 'validation_failed'],
      ['work:delegate', { roomId: r, fields: ['note'], assigneeId: 'walt', values: { note: 'a\u0000b' } }, 'validation_failed'],
      ['work:delegations', { role: 'boss' }, 'validation_failed'],
      ['work:delegations', { limit: 0 }, 'validation_failed'],
      ['work:delegation:act', { id: a.delegationId, action: 'expire' }, 'validation_failed'],
      ['work:delegation:get', { id: 'nope' }, 'validation_failed'],
      ['work:help', { roomId: r, message: '   ' }, 'validation_failed'],
      ['work:help', { roomId: r, message: 'a\u0000b' }, 'validation_failed'],
      ['work:help:act', { id: a.assistanceId, action: 'offer' }, 'validation_failed'],
      ['work:suggest', { roomId: r, tags: 'x' }, 'validation_failed'],
      ['notifications:read', { ids: ['x'] }, 'validation_failed'],
      ['notifications:list', { limit: 201 }, 'validation_failed'],
      ['notifications:sync', { afterSeq: -1 }, 'validation_failed'],
      ['auth:refresh', { token: '' }, 'validation_failed'],
      ['no:such:event', {}, 'not_found'],
    ];
    const failures: string[] = [];
    for (const [event, payload, code] of cases) {
      const res = await request(annA, event, payload);
      if (res.ok || res.error.code !== code) failures.push(`${event} ${JSON.stringify(payload)?.slice(0, 100)}: ${JSON.stringify(res).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot(A.tenant.id)).toEqual(before);
    // The connection is still fine afterwards.
    expect(await request(annA, 'chat:history', { roomId: r, limit: 1 })).toMatchObject({ ok: true });
  });

  it("applies a refreshed token's narrower rights to rooms already joined", async () => {
    const s = await connect(srv.url, await A.token('rhea', { perms: { 'acc.*': ['read', 'write', 'comment'] } }));
    open.push(s);
    const r = (await join(s, 'acc.order:8')).roomId;
    expect(await request(s, 'chat:send', { roomId: r, body: 'before', clientMsgId: `h${next()}` })).toMatchObject({ ok: true });
    // Comment and write taken away: reading stays.
    expect(await request(s, 'auth:refresh', { token: await A.token('rhea', { perms: { 'acc.*': ['read'] } }) })).toMatchObject({ ok: true });
    expect(await request(s, 'chat:send', { roomId: r, body: 'after', clientMsgId: `h${next()}` })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(s, 'field:set', { roomId: r, field: 'status', baseVersion: 0, value: 'x', clientId: 'rheaclient1', seq: next() })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(s, 'chat:history', { roomId: r })).toMatchObject({ ok: true });
    // Read taken away: the room is left, nothing of it is served or broadcast to this connection any more.
    const other = await user(A, 'rob');
    await join(other, 'acc.order:8');
    expect(await request(s, 'auth:refresh', { token: await A.token('rhea', { perms: { 'other.*': ['read'] } }) })).toMatchObject({ ok: true });
    expect(await request(s, 'chat:history', { roomId: r })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await request(s, 'field:fetch', { roomId: r, field: 'note', since: 0 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const leaks: string[] = [];
    onRoomEvent(s, (e) => leaks.push(e.type));
    s.on('field:ops', () => leaks.push('field:ops'));
    const heard = waitForRoomEvent(other, (e) => e.data?.message?.body === 'not for rhea');
    const sent = await request(other, 'chat:send', { roomId: r, body: 'not for rhea', clientMsgId: `h${next()}` });
    expect(sent).toMatchObject({ ok: true });
    // Once a member of the room has heard it, the one broadcast has gone out (a busy room's may
    // follow its ack); a round trip on rhea's own connection then flushes anything on its way to her.
    await heard;
    expect(await request(s, 'notifications:list', {})).toMatchObject({ ok: true });
    expect(leaks).toEqual([]);
    expect(await request(s, 'room:join', joinCtx('acc.order:8'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('refuses absurdly nested payloads (REST and socket) before anything reaches the database', async () => {
    const before = await snapshot(A.tenant.id);
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    for (const n of [40, 5_000, 50_000]) {
      const res = await api('POST', '/users/ann/notifications', A.apiKey, `{"title":"x","data":{"k":${deep(n)}}}`);
      expect(res, `depth ${n}`).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    }
    // Within the limit it is fine.
    expect(await api('POST', '/users/ann/notifications', A.apiKey, `{"title":"x","data":{"k":${deep(20)}}}`)).toMatchObject({ status: 201 });
    const after = await snapshot(A.tenant.id);
    expect(after.notifications).not.toEqual(before.notifications);
    // A socket payload nested deeper than any message of ours (the client library cannot encode 5,000 levels; 40 is enough).
    const nested = JSON.parse(deep(40));
    expect(await request(annA, 'notifications:read', { ids: nested })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(annA, 'field:set', { roomId: a.roomId, field: 'status', baseVersion: 0, value: nested, clientId: 'annclient01', seq: next() })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await snapshot(A.tenant.id)).toEqual(after);
  });

  it('keeps prototype keys inert: no pollution, no 500, and "__proto__" is just a name', async () => {
    const s = await user(A, 'pia');
    const j = await request(s, 'room:join', {
      context: { url: '/proto', pageKey: 'acc.proto:1', fields: [{ name: '__proto__', kind: 'select', value: 'a' }, { name: 'constructor', kind: 'text', value: 'c' }, { name: 'toString', kind: 'select' }] },
    });
    expect(j).toMatchObject({ ok: true });
    const raw = (payload: string) => new Promise<any>((resolve) => (s as any).emit('form:saved', JSON.parse(payload), resolve));
    expect(await raw(`{"roomId":"${j.roomId}","values":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}`)).toMatchObject({ ok: false });
    expect(await raw(`{"roomId":"${j.roomId}","values":{"__proto__":"x","toString":"y"}}`)).toMatchObject({ ok: true });
    expect(await request(s, 'work:delegate', { roomId: j.roomId, fields: ['toString', 'constructor'], assigneeId: 'walt', values: {} })).toMatchObject({ ok: true });
    const res = await api('POST', '/records/changed', A.apiKey, `{"pageKey":"acc.proto:1","values":{"constructor":"z","__proto__":{"polluted":true}}}`);
    expect(res.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('matches permission patterns in linear time: a pathological pattern cannot stall the process', async () => {
    // In a worker: with the former regular-expression matcher this call did not finish (exponential
    // backtracking), and a blocked test process could not even time itself out.
    const { Worker } = await import('node:worker_threads');
    const url = new URL('../../src/auth/permissions.ts', import.meta.url).href;
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(url)})).then((m) => parentPort.postMessage([
         m.matchesPattern('*a'.repeat(40) + '*b', 'a'.repeat(200)),
         m.matchesPattern('*a'.repeat(40) + '*', 'a'.repeat(200)),
         m.rightsFor({ ['*x'.repeat(50) + '*y']: ['read'] }, 'x'.repeat(200)),
       ]), (e) => parentPort.postMessage(String(e)));`,
      { eval: true },
    );
    try {
      const answer = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        setTimeout(() => reject(new Error('the matcher did not answer within 20 s')), 20_000).unref();
      });
      expect(answer).toEqual([false, true, []]);
    } finally {
      await worker.terminate();
    }
    // And it means what the regular expression meant, on everything small enough to compare.
    const { matchesPattern } = await import('../../src/auth/permissions.js');
    const fc = (await import('fast-check')).default;
    const chars = fc.constantFrom('a', 'b', ':', '.', '*');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', ':', '.'), maxLength: 10 }), (pattern, key) => {
        const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        return matchesPattern(pattern, key) === re.test(key);
      }),
      { seed: 20240601, numRuns: 2000 },
    );
  });

  it('the service stream refuses user tokens and malformed filters, and stays within its tenant', async () => {
    const frames = async (query: string) => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream${query}`, { headers: { authorization: `Bearer ${A.apiKey}` } });
      const got: any[] = [];
      ws.on('message', (d) => got.push(JSON.parse(d.toString())));
      const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
      return { code, got };
    };
    for (const q of ['?types=Bad Type', '?rooms=a%20b', `?lastEventId=${'9'.repeat(19)}`, '?lastEventId=-1', `?rooms=${'*a'.repeat(2000)}`]) {
      const { code, got } = await frames(q);
      expect(code, q).toBe(1008);
      expect(got[0], q).toMatchObject({ type: 'error', error: { code: 'validation_failed' } });
    }
    // NUL in the query never reaches the handler.
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream?rooms=a%00`, { headers: { authorization: `Bearer ${A.apiKey}` } });
    ws.on('error', () => {});
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    ws.close();
    expect(status).toBe(400);
  });

  it('a reader joining a room writes nothing into its form document (no seeding, no re-basing)', async () => {
    const page = (status: string, note: string) => ({
      context: { url: '/inj', pageKey: 'acc.inj:1', fields: [{ name: 'status', kind: 'select', value: status }, { name: 'note', kind: 'textarea', value: note }, { name: 'extra', kind: 'select', value: 'x' }] },
    });
    const rita = await connect(srv.url, await A.token('rita2', { perms: { 'acc.*': ['read'] } }));
    open.push(rita);
    // First in the room: a reader's page values do not become the document.
    const first = await request(rita, 'room:join', page('INJECTED', 'INJECTED TEXT'));
    expect(first).toMatchObject({ ok: true, permissions: ['read'] });
    expect(first.document.fields).toEqual({});
    const anna = await user(A, 'anna');
    const writer = await request(anna, 'room:join', { context: { ...page('new', 'real text').context, fields: page('new', 'real text').context.fields.slice(0, 2) } });
    expect(writer.document.fields).toMatchObject({ status: { value: 'new' }, note: { value: 'real text' } });
    // Alone in a clean room, a reader whose page differs does not re-base it either, nor add fields.
    await request(anna, 'room:leave', { roomId: writer.roomId });
    await request(rita, 'room:leave', { roomId: writer.roomId });
    const again = await request(rita, 'room:join', page('INJECTED', 'INJECTED TEXT'));
    expect(again.document.fields).toMatchObject({ status: { value: 'new' }, note: { value: 'real text' } });
    expect(again.document.fields.extra).toBeUndefined();
    const stored = await srv.app.db.query(`SELECT field, value FROM form_fields WHERE room_id = $1 ORDER BY field`, [writer.roomId]);
    expect(stored.rows).toEqual([
      { field: 'note', value: 'real text' },
      { field: 'status', value: 'new' },
    ]);
    expect((await srv.app.db.query(`SELECT count(*)::int AS n FROM field_ops WHERE room_id = $1`, [writer.roomId])).rows[0]).toEqual({ n: 0 });
  });

  it('rate-limits per credential: not per header spelling, and not one bucket for tokens that start alike', async () => {
    const limited = await startTandem({ databaseUrl: db.url, env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const get = (authorization: string) => fetch(`${limited.url}/api/v1/me`, { headers: { authorization } }).then((r) => r.status);
      for (let i = 0; i < 3; i++) expect(await get(`Bearer ${A.apiKey}`)).toBe(200);
      expect(await get(`Bearer ${A.apiKey}`)).toBe(429);
      // The same key spelled differently is the same credential.
      expect(await get(`bearer  ${A.apiKey}`)).toBe(429);
      expect(await get(`BEARER\t${A.apiKey}`)).toBe(429);
      // Tokens of two people whose first hundred characters are the same (an identity provider's
      // tokens often start with the same header and issuer) are two credentials.
      const { SignJWT } = await import('jose');
      const { issuer, audience } = srv.app.config.jwt;
      const sign = (sub: string) =>
        new SignJWT({ iss: issuer, pad: 'p'.repeat(120), tenant: A.tenant.id, name: sub })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setAudience(audience)
          .setSubject(sub)
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(A.secret));
      const [t1, t2] = [await sign('uma'), await sign('vic')];
      expect(t1.slice(0, 100)).toBe(t2.slice(0, 100));
      for (let i = 0; i < 3; i++) expect(await get(`Bearer ${t1}`)).toBe(200);
      expect(await get(`Bearer ${t1}`)).toBe(429);
      expect(await get(`Bearer ${t2}`)).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("comment notifications reach the field's co-editors, not a user whose id merely looks like an actor id", async () => {
    const ed = await user(A, 'ed');
    const mimic = await user(A, 'user:ed');
    const carl = await user(A, 'carl');
    const j = await join(ed, 'acc.note:1');
    await join(mimic, 'acc.note:1');
    await join(carl, 'acc.note:1');
    expect(await request(ed, 'field:op', { roomId: j.roomId, field: 'note', baseVersion: 0, op: ['draft'], clientId: 'edclient001', seq: 1 })).toMatchObject({ ok: true });
    const c = await request(carl, 'comment:create', { roomId: j.roomId, field: 'note', body: 'please check' });
    expect(c).toMatchObject({ ok: true });
    const inbox = async (t: Socket) => (await request(t, 'notifications:list', {})).items.filter((n: { type: string }) => n.type === 'comment');
    expect(await inbox(ed)).toHaveLength(1);
    expect(await inbox(mimic)).toEqual([]);
  });

  it('refuses token claims Postgres could not store, at the handshake and over REST', async () => {
    const bad = await A.token('nul', { name: 'a\u0000b' });
    const { connectError } = await import('../helpers/clients.js');
    expect((await connectError(srv.url, bad)).data).toMatchObject({ code: 'token_claims' });
    expect(await api('GET', '/me', bad)).toMatchObject({ status: 401, body: { error: { code: 'token_claims' } } });
    expect(await api('POST', `/rooms/${a.roomId}/messages`, bad, { body: 'x' })).toMatchObject({ status: 401, body: { error: { code: 'token_claims' } } });
  });

  it("a writer's join cannot re-base a field delegated to someone else", async () => {
    const page = (status: string) => ({ context: { url: '/del', pageKey: 'acc.del:1', fields: [{ name: 'status', kind: 'select', value: status }, { name: 'total', kind: 'number', value: 1 }] } });
    const owner = await user(A, 'olga');
    const helper = await user(A, 'hugo');
    const j = await request(owner, 'room:join', page('new'));
    expect(j).toMatchObject({ ok: true });
    const d = await request(owner, 'work:delegate', { roomId: j.roomId, fields: ['status'], assigneeId: 'hugo' });
    expect(await request(helper, 'work:delegation:act', { id: d.delegation.id, action: 'accept' })).toMatchObject({ ok: true });
    // Held by hugo: olga may not write it…
    expect(await request(owner, 'field:set', { roomId: j.roomId, field: 'status', baseVersion: 0, value: 'HIJACK', clientId: 'olgaclient1', seq: 1 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    // …nor have it re-based by joining an empty room with a page that "shows" another value.
    await request(owner, 'room:leave', { roomId: j.roomId });
    const again = await request(owner, 'room:join', page('HIJACK'));
    expect(again.document.fields.status).toMatchObject({ value: 'new', version: 0 });
    const { rows } = await srv.app.db.query(`SELECT value FROM form_fields WHERE room_id = $1 AND field = 'status'`, [j.roomId]);
    expect(rows[0]!.value).toBe('new');
  });
});
