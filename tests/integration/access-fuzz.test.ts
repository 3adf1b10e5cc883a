/**
 * Seeded access fuzz (issue 13): users with narrow page rights and every combination of roles and
 * expertise call socket events and REST routes with the ids of a page they may not read (its room,
 * message, comment, delegation, help request, field, and another user's notification). Every call
 * must be refused, no answer may carry the page's content, and nothing may change.
 * Replay a failure with ACCESS_FUZZ_SEED=<seed>.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { rng } from './fields.harness.js';

const SEED = Number(process.env.ACCESS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CALLS = 150;
const ROLES = ['approver', 'helper', 'admin', 'agent'];
const EXPERTISE = ['billing', 'tax'];
// None of these grants anything on shop.order:*.
const PERMS = [{}, { 'hr.*': ['read', 'write', 'comment'] }, { 'shop.invoice:*': ['read', 'write', 'comment'] }, { 'shop.order:0': ['read'] }, { 'shop.orders:*': ['read'] }];
/** Content of the hidden page: none of it may appear in any answer. */
const SECRETS = ['fuzz-secret-title', 'fuzz-secret-message', 'fuzz-secret-comment', 'fuzz-secret-note', 'fuzz-secret-help', 'fuzz-secret-value', 'fuzz-secret-inbox'];
const TABLES = ['rooms', 'chat_messages', 'comments', 'form_fields', 'field_ops', 'field_conflicts', 'delegations', 'assistance_requests', 'work_events'];

describe.skipIf(!hasPg)(`access fuzz: unreadable pages stay unreadable (seed ${SEED})`, () => {
  let srv: TestServer;
  let drop: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const ids = {} as { roomId: string; messageId: string; commentId: string; delegationId: string; requestId: string; notificationId: string; pageKey: string };

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    srv = await startTandem({ databaseUrl: db.url, env: { RATE_LIMIT_PER_MINUTE: '100000', CHAT_SEND_BURST: '1000', CHAT_SEND_PER_SECOND: '1000' } });
    tenant = await createTenant(srv.app, uniqueId());
    const ann = await connect(srv.url, await tenant.token('ann'));
    const walt = await connect(srv.url, await tenant.token('walt'));
    open.push(ann, walt);
    ids.pageKey = `shop.order:${Math.floor(Math.random() * 1e6) + 1}`;
    const fields = [
      { name: 'note', kind: 'textarea', value: 'fuzz-secret-value' },
      { name: 'total', kind: 'number', value: 1 },
    ];
    const j = await request(ann, 'room:join', { context: { url: '/orders/x', pageKey: ids.pageKey, title: 'fuzz-secret-title', fields } });
    ids.roomId = j.roomId;
    ids.messageId = (await request(ann, 'chat:send', { roomId: ids.roomId, body: 'fuzz-secret-message', clientMsgId: 'f-1' })).message.id;
    ids.commentId = (await request(ann, 'comment:create', { roomId: ids.roomId, field: 'note', body: 'fuzz-secret-comment' })).comment.id;
    ids.delegationId = (await request(ann, 'work:delegate', { roomId: ids.roomId, fields: ['total'], assigneeId: 'walt', note: 'fuzz-secret-note' })).delegation.id;
    ids.requestId = (await request(ann, 'work:help', { roomId: ids.roomId, message: 'fuzz-secret-help', topic: 'billing' })).request.id;
    const note = await fetch(`${srv.url}/api/v1/users/ann/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'fuzz-secret-inbox' }),
    });
    ids.notificationId = ((await note.json()) as { id: string }).id;
    for (const v of Object.values(ids)) expect(v).toBeTruthy();
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
    await drop?.();
  });

  async function fingerprint() {
    const out: Record<string, unknown> = {};
    for (const t of TABLES) {
      const { rows } = await srv.app.db.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(to_jsonb(x)::text, '|' ORDER BY to_jsonb(x)::text)), '') AS h FROM ${t} x WHERE tenant_id = $1`, [tenant.tenant.id]);
      out[t] = rows[0];
    }
    const { rows } = await srv.app.db.query(`SELECT count(*) FILTER (WHERE read_at IS NULL)::int AS unread FROM notifications WHERE tenant_id = $1 AND user_id = 'ann'`, [tenant.tenant.id]);
    out.annUnread = rows[0];
    return out;
  }

  it('refuses every call, leaks nothing and changes nothing', async () => {
    console.log(`access fuzz seed: ${SEED} (replay with ACCESS_FUZZ_SEED=${SEED})`);
    const r = rng(SEED);
    const subset = (xs: string[]) => xs.filter(() => r.next() < 0.5);
    const users: Array<{ id: string; socket: Socket; token: string; claims: unknown }> = [];
    for (let i = 0; i < 8; i++) {
      const claims = { roles: i === 0 ? ROLES : subset(ROLES), expertise: i === 0 ? EXPERTISE : subset(EXPERTISE), perms: r.pick(PERMS) as Record<string, Array<'read' | 'write' | 'comment'>> };
      const token = await tenant.token(`mallory${i}`, claims);
      const socket = await connect(srv.url, token);
      open.push(socket);
      users.push({ id: `mallory${i}`, socket, token, claims });
    }
    const before = await fingerprint();
    const { roomId, messageId, commentId, delegationId, requestId, notificationId } = ids;
    let seq = 0;
    const socketCalls: Array<() => [string, Record<string, unknown>]> = [
      () => ['chat:history', { roomId }],
      () => ['chat:send', { roomId, body: 'x', clientMsgId: `m${++seq}` }],
      () => ['chat:react', { roomId, messageId, emoji: '👍' }],
      () => ['chat:edit', { roomId, messageId, body: 'mine' }],
      () => ['chat:delete', { roomId, messageId }],
      () => ['comment:list', { roomId }],
      () => ['comment:create', { roomId, field: 'note', body: 'x' }],
      () => ['comment:resolve', { roomId, commentId }],
      () => ['comment:delete', { roomId, commentId }],
      () => ['field:fetch', { roomId, field: 'note', since: 0, snapshot: true }],
      () => ['field:op', { roomId, field: 'note', baseVersion: 0, op: ['x'], clientId: r.pick(['srv-abcdefgh', 'fuzzclient1']), seq: ++seq }],
      () => ['field:set', { roomId, field: 'total', baseVersion: 0, value: 9, clientId: 'fuzzclient1', seq: ++seq }],
      () => ['form:saved', { roomId }],
      () => ['work:delegate', { roomId, fields: ['note'], assigneeId: 'walt' }],
      () => ['work:delegation:get', { id: delegationId }],
      () => ['work:delegation:act', { id: delegationId, action: r.pick(['accept', 'decline', 'submit', 'approve', 'reject', 'cancel']) }],
      () => ['work:help', { roomId, message: 'x' }],
      () => ['work:help:get', { id: requestId }],
      () => ['work:help:act', { id: requestId, action: r.pick(['accept', 'decline', 'resolve', 'cancel']) }],
      () => ['work:suggest', { roomId }],
    ];
    const restCalls: Array<() => [string, string, unknown?]> = [
      () => ['GET', `/rooms/${roomId}/messages`],
      () => ['GET', `/rooms/${encodeURIComponent(ids.pageKey)}/messages`],
      () => ['POST', `/rooms/${roomId}/messages`, { body: 'x' }],
      () => ['GET', `/rooms/${roomId}/comments`],
      () => ['GET', `/rooms/${roomId}/fields/note/history`],
      () => ['GET', `/rooms/${roomId}/conflicts`],
      () => ['GET', `/rooms/${roomId}/presence`],
      () => ['GET', `/rooms/${roomId}/suggestions`],
      () => ['GET', `/delegations/${delegationId}`],
      () => ['POST', `/delegations/${delegationId}/transitions`, { action: r.pick(['accept', 'approve', 'cancel']) }],
      () => ['POST', '/delegations', { roomId, fields: ['note'], assigneeId: 'walt' }],
      () => ['GET', `/assistance/${requestId}`],
      () => ['GET', `/assistance/${requestId}/timings`],
      () => ['POST', `/assistance/${requestId}/transitions`, { action: r.pick(['accept', 'cancel', 'resolve']) }],
      () => ['POST', '/assistance', { roomId, message: 'x' }],
      () => ['POST', '/notifications/read', { ids: [notificationId] }],
    ];
    // Lists a user may call: they answer, but with nothing of the hidden page.
    const listCalls: Array<() => [string, Record<string, unknown>]> = [
      () => ['work:inbox', {}],
      () => ['work:delegations', { role: 'all' }],
      () => ['work:queue', {}],
      () => ['notifications:list', {}],
      () => ['notifications:read', { ids: [notificationId] }],
    ];
    const failures: string[] = [];
    for (let i = 0; i < CALLS; i++) {
      const u = r.pick(users);
      const kind = r.next();
      let label: string;
      let body: string;
      let refused: boolean;
      if (kind < 0.5) {
        const [event, payload] = r.pick(socketCalls)();
        const res = await request(u.socket, event, payload);
        label = `${u.id} ${event} ${JSON.stringify(payload)}`;
        body = JSON.stringify(res);
        refused = !res.ok;
      } else if (kind < 0.85) {
        const [method, path, payload] = r.pick(restCalls)();
        const res = await fetch(`${srv.url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${u.token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
        });
        label = `${u.id} ${method} ${path}`;
        body = await res.text();
        // The notification route answers for the caller's own inbox only: 200 with nothing marked is not access.
        refused = res.status >= 400 || path === '/notifications/read';
      } else {
        const [event, payload] = r.pick(listCalls)();
        const res = await request(u.socket, event, payload);
        label = `${u.id} ${event}`;
        body = JSON.stringify(res);
        refused = true;
      }
      if (!refused) failures.push(`accepted: ${label} → ${body.slice(0, 200)}`);
      for (const s of SECRETS) if (body.includes(s)) failures.push(`leaked ${s}: ${label} → ${body.slice(0, 200)}`);
      if (body.includes(ids.pageKey) && !label.includes(encodeURIComponent(ids.pageKey))) failures.push(`named the page: ${label} → ${body.slice(0, 200)}`);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(await fingerprint(), `seed ${SEED}`).toEqual(before);
  });
});
