import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';

type ErrorJson = { error: { code: string; message: string } };

describe.skipIf(!hasPg)('API keys (Postgres)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const t1 = uniqueId('k');
  const t2 = uniqueId('k');

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${srv.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url });
    await srv.app.tenants.createTenant({ id: t1, name: 'One' });
    await srv.app.tenants.createTenant({ id: t2, name: 'Two' });
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('creates a key shown once and stores only its hash', async () => {
    const k = await srv.app.tenants.createApiKey(t1, 'erp');
    expect(k.key).toMatch(/^tdm_[\w-]{20,}$/);
    const { rows } = await srv.app.db.query<{ hash: string; prefix: string }>('SELECT hash, prefix FROM api_keys WHERE id = $1', [k.id]);
    expect(rows[0]!.hash).not.toContain(k.key);
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(k.key.startsWith(rows[0]!.prefix)).toBe(true);
    const listed = await srv.app.tenants.listApiKeys(t1);
    expect(JSON.stringify(listed)).not.toContain(k.key);
    // Creating a key is audited.
    const audit = await srv.app.db.query<{ action: string }>('SELECT action FROM audit_log WHERE tenant_id = $1 AND subject = $2', [t1, k.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['api_key.created']);
  });

  it('a key authenticates its business app and mints user tokens for its own tenant', async () => {
    const { key, id } = await srv.app.tenants.createApiKey(t1, 'crm');
    const who = await call('/me', key);
    expect(who.status).toBe(200);
    expect(await who.json()).toEqual({ kind: 'app', tenantId: t1, id, name: 'crm' });

    // Use is recorded, so ops can tell live keys from dead ones before revoking.
    const used = (await srv.app.tenants.listApiKeys(t1)).find((k) => k.id === id)!;
    expect(used.lastUsedAt).toBeInstanceOf(Date);

    const tenant = await call(`/tenants/${t1}`, key);
    expect(tenant.status).toBe(200);
    expect(await tenant.json()).toMatchObject({ id: t1, name: 'One' });

    const minted = await call('/auth/token', key, { method: 'POST', body: JSON.stringify({ sub: 'alice', name: 'Alice', roles: ['agent'], ttlSeconds: 600 }) });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    // Minting registers the user in the tenant's directory, before they ever connect.
    expect(await srv.app.directory.get(t1, 'alice')).toMatchObject({ displayName: 'Alice', roles: ['agent'] });
    const user = await call('/me', token);
    expect(await user.json()).toMatchObject({ kind: 'user', tenantId: t1, id: 'alice' });
    // A tenant in the body is not how the tenant is chosen: it is ignored, the key decides.
    const sneaky = await call('/auth/token', key, { method: 'POST', body: JSON.stringify({ sub: 'eve', name: 'Eve', tenant: t2 }) });
    const sneakyToken = ((await sneaky.json()) as { token: string }).token;
    expect(await (await call('/me', sneakyToken)).json()).toMatchObject({ tenantId: t1 });
  });

  it('refuses a revoked key with 401 api_key_revoked, and an unknown or malformed one with api_key_invalid', async () => {
    const { key, id } = await srv.app.tenants.createApiKey(t1, 'old');
    expect((await call('/me', key)).status).toBe(200);
    await srv.app.tenants.revokeApiKey(t1, id);
    const r = await call('/me', key);
    expect(r.status).toBe(401);
    expect(((await r.json()) as ErrorJson).error.code).toBe('api_key_revoked');
    await expect(srv.app.tenants.revokeApiKey(t1, id)).rejects.toMatchObject({ code: 'not_found' });

    const unknown = await call('/me', `tdm_${'x'.repeat(32)}`);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as ErrorJson).error.code).toBe('api_key_invalid');
    const long = await call('/me', `tdm_${'y'.repeat(300)}`);
    expect(((await long.json()) as ErrorJson).error.code).toBe('api_key_invalid');
  });

  it("a key cannot read or revoke another tenant's resources", async () => {
    const { key } = await srv.app.tenants.createApiKey(t1, 'one');
    const other = await srv.app.tenants.createApiKey(t2, 'two');
    const r = await call(`/tenants/${t2}`, key);
    expect(r.status).toBe(403);
    expect(((await r.json()) as ErrorJson).error.code).toBe('wrong_tenant');
    // Revoking by id needs the right tenant too.
    await expect(srv.app.tenants.revokeApiKey(t1, other.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await call('/me', other.key)).status).toBe(200);
  });

  it('app-only endpoints refuse user tokens with 403', async () => {
    const { key } = await srv.app.tenants.createApiKey(t1, 'x');
    const { token } = (await (await call('/auth/token', key, { method: 'POST', body: JSON.stringify({ sub: 'bob', name: 'Bob' }) })).json()) as { token: string };
    const r = await call('/auth/token', token, { method: 'POST', body: JSON.stringify({ sub: 'bob2', name: 'Bob' }) });
    expect(r.status).toBe(403);
    expect(((await r.json()) as ErrorJson).error.code).toBe('forbidden');
    expect((await call(`/tenants/${t1}`, token)).status).toBe(403);
  });

  it('validates the token request body with a 400 listing the problem', async () => {
    const { key } = await srv.app.tenants.createApiKey(t1, 'v');
    const r = await call('/auth/token', key, { method: 'POST', body: JSON.stringify({ sub: '', name: 'x', ttlSeconds: 5 }) });
    expect(r.status).toBe(400);
    const body = (await r.json()) as ErrorJson & { error: { details: Array<{ path: string }> } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['sub', 'ttlSeconds']);
  });
});
