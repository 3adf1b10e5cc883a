/**
 * Limits that hold (issue 13): authenticate first, then limit by tenant + principal; failed
 * credentials and handshakes throttled per client address (forwarded headers only from trusted
 * proxies); connections capped per user; all shared by two instances through Redis.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectError, request } from '../helpers/clients.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasPg || !hasRedis)('limits shared by two instances (Postgres + Redis)', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const get = (srv: TestServer, credential: string, headers: Record<string, string> = {}) =>
    fetch(`${srv.url}/api/v1/delegations?role=all`, { headers: { authorization: `Bearer ${credential}`, ...headers } });

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    // One prefix for both instances (they share counters), unique to this suite.
    const env = {
      RATE_LIMIT_PER_MINUTE: '6',
      AUTH_FAILURES_PER_MINUTE: '4',
      HANDSHAKES_PER_MINUTE: '1000',
      MAX_CONNECTIONS_PER_USER: '3',
      CHAT_SEND_BURST: '3',
      CHAT_SEND_PER_SECOND: '0.01',
      RATE_LIMIT_KEY_PREFIX: `rl-${uniqueId()}`,
    };
    a = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
    b = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env });
    tenant = await createTenant(a.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('limits a user by tenant + principal, however many tokens they mint and whichever instance they ask', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get(i % 2 ? b : a, await tenant.token('tess'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    const refused = await get(a, await tenant.token('tess'));
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Another user of the same tenant has their own allowance.
    expect((await get(b, await tenant.token('tom'))).status).toBe(200);
  });

  // Before the failure test below: that one leaves this address over its allowance.
  it('caps open connections per user across instances', async () => {
    const token = await tenant.token('connie');
    open.push(await connect(a.url, token), await connect(b.url, token), await connect(a.url, token));
    await sleep(300); // each connection's live record is written just after its handshake
    const err = await connectError(b.url, token);
    expect(err.data).toMatchObject({ code: 'rate_limited' });
    open.pop()!.close();
    await sleep(300);
    open.push(await connect(b.url, token));
  });
  // Before the failure test below (it leaves this address unable to connect).
  it("shares chat send limits between instances: an author's burst is one bucket, whichever instance takes the message", async () => {
    const token = await tenant.token('chatty');
    const [sa, sb] = [await connect(a.url, token), await connect(b.url, token)];
    open.push(sa, sb);
    const context = { url: '/x/chat-shared', pageKey: 'chat:shared', title: 'Shared', fields: [] };
    const { roomId } = await request(sa, 'room:join', { context });
    await request(sb, 'room:join', { context });
    const sent = [];
    for (const [i, s] of [sa, sa, sb, sb, sa].entries()) sent.push(await request(s, 'chat:send', { roomId, body: `m${i}`, clientMsgId: `m-${i}` }));
    expect(sent.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(sent[3]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(sent[3].error.details.retryAfterMs).toBeGreaterThan(0);
    // A resend of an accepted message still gets its original ack on the other instance.
    expect(await request(sb, 'chat:send', { roomId, body: 'm0', clientMsgId: 'm-0' })).toMatchObject({ ok: true, duplicate: true });
    // Nothing refused was stored.
    const { rows } = await a.app.db.query(`SELECT body FROM chat_messages WHERE room_id = $1 ORDER BY seq`, [roomId]);
    expect(rows.map((r) => r.body)).toEqual(['m0', 'm1', 'm2']);
  });

  it('throttles failed credentials per address, ignores forwarded headers from untrusted peers, and then refuses before verifying', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await get(i % 2 ? b : a, `tdm_bogus${i}${uniqueId()}`, { 'x-forwarded-for': `203.0.113.${i}` });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // Over the limit, even a valid credential from this address waits: a guesser learns nothing.
    expect((await get(a, tenant.apiKey)).status).toBe(429);
    // Sockets from the address are refused the same way.
    const err = await connectError(b.url, 'not-a-token');
    expect(err.data).toMatchObject({ code: 'rate_limited' });
  });

});

describe.skipIf(!hasPg)('limits on one instance', () => {
  it('throttles socket handshakes per address and believes X-Forwarded-For only from a trusted proxy', async () => {
    const db = await createTestDatabase();
    const srv = await startTandem({ databaseUrl: db.url, env: { HANDSHAKES_PER_MINUTE: '3', TRUSTED_PROXIES: '127.0.0.1' } });
    const proxied = await startTandem({ databaseUrl: db.url, env: { AUTH_FAILURES_PER_MINUTE: '2', TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      const tenant = await createTenant(srv.app, uniqueId());
      const token = await tenant.token('hank');
      for (let i = 0; i < 3; i++) (await connect(srv.url, token)).close();
      expect((await connectError(srv.url, token)).data).toMatchObject({ code: 'rate_limited' });
      // Behind a trusted proxy each forwarded client has its own failure allowance.
      const fail = (ip: string) => fetch(`${proxied.url}/api/v1/delegations`, { headers: { authorization: 'Bearer tdm_nope', 'x-forwarded-for': ip } }).then((r) => r.status);
      expect([await fail('198.51.100.1'), await fail('198.51.100.1'), await fail('198.51.100.1')]).toEqual([401, 401, 429]);
      expect(await fail('198.51.100.2')).toBe(401);
    } finally {
      await srv.close();
      await proxied.close();
      await db.drop();
    }
  });
});
