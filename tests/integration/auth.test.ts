import { generateKeyPair, exportJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectError, request, waitFor } from '../helpers/clients.js';
import { createTenant, startTandem, TEST_ORIGIN, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';

const enc = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);

/** A token the way a host app's back end signs one; every field can be bent. */
function sign(
  secret: string | CryptoKey | Uint8Array,
  claims: Record<string, unknown>,
  opts: { alg?: string; kid?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {},
) {
  const jwt = new SignJWT({ name: 'Test User', ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', ...(opts.kid ? { kid: opts.kid } : {}) })
    .setIssuer(opts.iss ?? 'tandem')
    .setAudience(opts.aud ?? 'tandem')
    .setSubject(String(claims.sub ?? 'u1'))
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now() + 300);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(typeof secret === 'string' ? enc(secret) : secret);
}

const me = (url: string, auth?: string, query = '') =>
  fetch(`${url}/api/v1/me${query}`, { headers: auth === undefined ? {} : { authorization: auth } });

describe('user tokens at REST and at the socket handshake', () => {
  let srv: TestServer;
  let dropDb: (() => Promise<void>) | undefined;
  let a: Awaited<ReturnType<typeof createTenant>>;
  let b: Awaited<ReturnType<typeof createTenant>>;
  let jwksServer: Server;
  let jwksTenant: string;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ed: { privateKey: CryptoKey; publicKey: CryptoKey };
  let otherRsa: { privateKey: CryptoKey; publicKey: CryptoKey };

  beforeAll(async () => {
    let databaseUrl: string | undefined;
    if (hasPg) {
      const db = await createTestDatabase();
      databaseUrl = db.url;
      dropDb = db.drop;
    }
    srv = await startTandem({ databaseUrl });
    a = await createTenant(srv.app, uniqueId('a'));
    b = await createTenant(srv.app, uniqueId('b'));

    // A tenant whose identity provider publishes a JWKS (RS256 and EdDSA keys), served locally.
    rsa = await generateKeyPair('RS256', { extractable: true });
    ed = await generateKeyPair('EdDSA', { extractable: true });
    otherRsa = await generateKeyPair('RS256', { extractable: true });
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' },
    ];
    jwksServer = createServer((req, res) => {
      res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    jwksTenant = uniqueId('jw');
    await srv.app.tenants.createTenant({
      id: jwksTenant,
      jwksUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`,
    });
  });
  afterAll(async () => {
    await srv?.close();
    jwksServer?.close();
    await dropDb?.();
  });

  /** Each bad token → the code REST and the handshake must answer with. */
  async function badTokens(): Promise<Array<{ what: string; token: string; code: string }>> {
    const t = a.tenant.id;
    const good = await sign(a.secret, { sub: 'u1', tenant: t });
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tamperedPayload = Buffer.from(JSON.stringify({ ...payload, sub: 'admin', roles: ['admin'] })).toString('base64url');
    return [
      { what: 'alg none', token: new UnsecuredJWT({ sub: 'u1', tenant: t, name: 'x' }).setIssuer('tandem').setAudience('tandem').setExpirationTime('5m').encode(), code: 'token_algorithm' },
      { what: 'HS512 for an HS256 tenant', token: await sign(a.secret, { sub: 'u1', tenant: t }, { alg: 'HS512' }), code: 'token_algorithm' },
      { what: 'RS256 for an HS256 tenant', token: await sign(rsa.privateKey, { sub: 'u1', tenant: t }, { alg: 'RS256' }), code: 'token_algorithm' },
      { what: 'unknown tenant', token: await sign(a.secret, { sub: 'u1', tenant: 'no-such-tenant' }), code: 'unknown_tenant' },
      { what: "signed with another tenant's secret", token: await sign(b.secret, { sub: 'u1', tenant: t }), code: 'token_signature' },
      { what: 'expired', token: await sign(a.secret, { sub: 'u1', tenant: t }, { exp: now() - 60 }), code: 'token_expired' },
      { what: 'not yet valid', token: await sign(a.secret, { sub: 'u1', tenant: t }, { nbf: now() + 600 }), code: 'token_not_yet_valid' },
      { what: 'tampered payload', token: `${h}.${tamperedPayload}.${s}`, code: 'token_signature' },
      { what: 'wrong issuer', token: await sign(a.secret, { sub: 'u1', tenant: t }, { iss: 'someone-else' }), code: 'token_claims' },
      { what: 'wrong audience', token: await sign(a.secret, { sub: 'u1', tenant: t }, { aud: 'another-service' }), code: 'token_claims' },
      { what: 'not a JWT', token: 'definitely.not.ajwt', code: 'token_invalid' },
      { what: 'no tenant claim', token: await sign(a.secret, { sub: 'u1' }), code: 'token_claims' },
    ];
  }

  it('a good token is accepted at REST and at the handshake, and the tenant comes from the token', async () => {
    const token = await sign(a.secret, { sub: 'u1', tenant: a.tenant.id, roles: ['agent'] });
    const r = await me(srv.url, `Bearer ${token}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ kind: 'user', tenantId: a.tenant.id, id: 'u1', name: 'Test User', roles: ['agent'] });
    const s = await connect(srv.url, token, { origin: TEST_ORIGIN });
    expect(s.connected).toBe(true);
    s.close();
  });

  it('refuses every bad token at REST with 401 and its specific code', async () => {
    for (const { what, token, code } of await badTokens()) {
      const r = await me(srv.url, `Bearer ${token}`);
      expect(r.status, what).toBe(401);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code, what).toBe(code);
      expect(body.error.message, what).toBeTruthy();
    }
  });

  it('refuses every bad token at the socket handshake with the same code', async () => {
    for (const { what, token, code } of await badTokens()) {
      const err = await connectError(srv.url, token, { origin: TEST_ORIGIN });
      expect(err.data?.code, what).toBe(code);
    }
  });

  it('refuses a missing token, and a token in the query string, at both', async () => {
    const noHeader = await me(srv.url);
    expect(noHeader.status).toBe(401);
    expect(((await noHeader.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const notBearer = await me(srv.url, 'Basic dXNlcjpwYXNz');
    expect(notBearer.status).toBe(401);

    const token = await sign(a.secret, { sub: 'u1', tenant: a.tenant.id });
    // REST reads credentials from the Authorization header only.
    const inQuery = await me(srv.url, undefined, `?token=${token}&access_token=${token}`);
    expect(inQuery.status).toBe(401);

    expect((await connectError(srv.url, undefined, { origin: TEST_ORIGIN })).data?.code).toBe('token_missing');
    expect((await connectError(srv.url, undefined, { origin: TEST_ORIGIN, auth: { protocol: 1 } })).data?.code).toBe('token_missing');
    const q = await connectError(srv.url, token, { origin: TEST_ORIGIN, query: { token } });
    expect(q.data?.code).toBe('token_invalid');
    expect(q.data?.message).toMatch(/query string/);
  });

  it('a JWKS tenant accepts RS256 and EdDSA tokens from its keys and refuses HS256 or foreign keys', async () => {
    const claims = { sub: 'j1', tenant: jwksTenant };
    for (const [alg, key, kid] of [['RS256', rsa.privateKey, 'rsa-1'], ['EdDSA', ed.privateKey, 'ed-1']] as const) {
      const token = await sign(key, claims, { alg, kid });
      const r = await me(srv.url, `Bearer ${token}`);
      expect(r.status, alg).toBe(200);
      expect(await r.json()).toMatchObject({ kind: 'user', tenantId: jwksTenant, id: 'j1' });
      const s = await connect(srv.url, token, { origin: TEST_ORIGIN });
      s.close();
    }
    // HS256 "signed" with anything, including the public key material: never accepted for a JWKS tenant.
    const hs = await sign(JSON.stringify(await exportJWK(rsa.publicKey)), claims);
    const r = await me(srv.url, `Bearer ${hs}`);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('token_algorithm');
    expect((await connectError(srv.url, hs, { origin: TEST_ORIGIN })).data?.code).toBe('token_algorithm');
    // A well-formed RS256 token from a key that is not in the JWKS.
    const foreign = await sign(otherRsa.privateKey, claims, { alg: 'RS256', kid: 'rsa-1' });
    const f = await me(srv.url, `Bearer ${foreign}`);
    expect(f.status).toBe(401);
    expect(((await f.json()) as { error: { code: string } }).error.code).toBe('token_signature');
  });

  it('checks the Origin of the handshake against the allowlist', async () => {
    const token = await a.token('u1');
    const refused = await connectError(srv.url, token, { origin: 'http://evil.test' });
    expect(refused).toBeInstanceOf(Error);
    // Polling transport sees the engine.io refusal directly.
    const res = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://evil.test' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('origin_not_allowed');
    const ok = await connect(srv.url, token, { origin: TEST_ORIGIN });
    expect(ok.connected).toBe(true);
    ok.close();
  });

  it('auth:refresh extends a live connection past the first token expiry', async () => {
    const s = await connect(srv.url, await a.token('u-refresh', {}, 3), { origin: TEST_ORIGIN });
    let expired = false;
    s.on('auth:expired', () => (expired = true));
    const r = await request(s, 'auth:refresh', { token: await a.token('u-refresh', {}, 120) });
    expect(r).toMatchObject({ ok: true, expiresAt: expect.any(String) });
    expect(Date.parse(r.expiresAt) - Date.now()).toBeGreaterThan(60_000);
    await new Promise((res) => setTimeout(res, 4_000));
    expect(expired).toBe(false);
    expect(s.connected).toBe(true);
    // The connection still works after the first token's expiry.
    expect(await request(s, 'auth:refresh', { token: await a.token('u-refresh', {}, 120) })).toMatchObject({ ok: true });
    s.close();
  });

  it('auth:refresh refuses another user, another tenant and a bad token, keeping the old identity', async () => {
    const s = await connect(srv.url, await a.token('u-1'), { origin: TEST_ORIGIN });
    expect(await request(s, 'auth:refresh', { token: await a.token('u-2') })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(s, 'auth:refresh', { token: await b.token('u-1') })).toMatchObject({ ok: false, error: { code: 'wrong_tenant' } });
    const expired = await sign(a.secret, { sub: 'u-1', tenant: a.tenant.id }, { exp: now() - 60 });
    expect(await request(s, 'auth:refresh', { token: expired })).toMatchObject({ ok: false, error: { code: 'token_expired' } });
    expect(await request(s, 'auth:refresh', {})).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(s.connected).toBe(true);
    s.close();
  });

  it('an expired connection is told auth:expired and disconnected', async () => {
    // exp is in whole seconds: a 3 s token lives 2–3 s, enough to connect on a busy machine.
    const s = await connect(srv.url, await a.token('u-exp', {}, 3), { origin: TEST_ORIGIN });
    const disconnected = new Promise<string>((res) => s.once('disconnect', res));
    const notice = await waitFor<{ code: string }>(s, 'auth:expired', () => true, 10_000);
    expect(notice.code).toBe('token_expired');
    expect(await disconnected).toBe('io server disconnect');
    s.close();
  });

  it('counts socket events by outcome in /metrics', async () => {
    const s = await connect(srv.url, await a.token('u-metrics'), { origin: TEST_ORIGIN });
    await request(s, 'auth:refresh', { token: await a.token('u-metrics') });
    await request(s, 'auth:refresh', { token: 'garbage' });
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).toMatch(/tandem_socket_events_total\{event="auth:refresh",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/tandem_socket_events_total\{event="auth:refresh",outcome="error"\} [1-9]/);
    expect(text).toMatch(/tandem_sockets_connected [1-9]/);
    s.close();
  });
});
