import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { spawnTandem } from '../helpers/process.js';
import { startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { startSmtp } from '../helpers/smtp.js';

/** The same commands in-process (no tsx start-up per call); the spawned runCli covers the real entry point. */
async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env }, {
    stdout: (s) => (stdout += `${s}\n`),
    stderr: (s) => (stderr += `${s}\n`),
  });
  return { code, stdout, stderr };
}

const lastLine = (s: string) => s.trim().split('\n').pop()!;

describe.skipIf(!hasPg)('tandem CLI against Postgres', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let srv: TestServer;
  const tenant = uniqueId('cli');

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('creates a tenant and prints its secret once; the secret signs tokens the server accepts', async () => {
    const r = await runCli(['tenant', 'create', tenant, '--name', 'CLI Corp'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Created tenant "${tenant}" (CLI Corp)`);
    const secret = lastLine(r.stdout);
    expect(secret).toMatch(/^[\w-]{40,}$/);

    const list = await cli(['tenant', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(tenant);
    expect(list.stdout).toContain('CLI Corp');
    expect(list.stdout).not.toContain(secret);

    // The server (same database) accepts a token the host app signs with that secret.
    srv = await startTandem({ databaseUrl: db.url });
    const token = await new SignJWT({ tenant, name: 'Zed' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('zed')
      .setIssuer('tandem')
      .setAudience('tandem')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    const me = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'user', tenantId: tenant, id: 'zed' });
  });

  it('refuses a duplicate tenant, a bad id and a bad JWKS URL, exiting non-zero', async () => {
    const dup = await cli(['tenant', 'create', tenant], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const bad = await cli(['tenant', 'create', 'Not Valid!'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Tenant id must be/);
    const jwks = await cli(['tenant', 'create', uniqueId('j'), '--jwks-url', 'ftp://x'], env);
    expect(jwks.code).toBe(2);
    expect(jwks.stderr).toContain('--jwks-url must be an http(s) URL');
  });

  it("sets where a tenant's pages live, refusing what is not an origin", async () => {
    const ok = await cli(['tenant', 'origins', tenant, 'https://admin.acme.example,http://localhost:8000'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('https://admin.acme.example, http://localhost:8000');
    const bad = await cli(['tenant', 'origins', tenant, 'https://admin.acme.example/admin'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must be an http(s) origin');
    const none = await cli(['tenant', 'origins', uniqueId('none'), 'https://x.example'], env);
    expect(none.code).toBe(1);
  });

  it('creates, lists, uses and revokes an API key', async () => {
    const created = await runCli(['key', 'create', tenant, '--name', 'erp'], env);
    expect(created.code).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^tdm_/);
    const id = /API key ([0-9a-f-]{36})/.exec(created.stdout)![1]!;

    const listed = await cli(['key', 'list', tenant], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(key.slice(0, 10));
    expect(listed.stdout).not.toContain(key); // only the prefix, never the key

    const ok = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ kind: 'app', tenantId: tenant, id, name: 'erp' });

    const revoked = await runCli(['key', 'revoke', tenant, id], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${id}`);
    const after = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(after.status).toBe(401);
    expect((await after.json()).error.code).toBe('api_key_revoked');

    const again = await runCli(['key', 'revoke', tenant, id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No active API key');

    const json = await cli(['key', 'list', tenant, '--json'], env);
    const rows = JSON.parse(json.stdout) as Array<{ id: string; revokedAt: string | null }>;
    expect(rows.find((r) => r.id === id)?.revokedAt).toEqual(expect.any(String));
  });

  it('key commands on an unknown tenant fail clearly', async () => {
    const r = await cli(['key', 'create', 'no-such-tenant'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not exist');
    const l = await cli(['key', 'list', 'no-such-tenant'], env);
    expect(l.code).not.toBe(0);
    expect(l.stderr).toContain('does not exist');
  });

  it('mints a user token with roles, ttl and permissions that the server verifies', async () => {
    const r = await cli(['token', tenant, 'alice', '--name', 'Alice', '--roles', 'admin,agent', '--ttl', '120', '--perms', '{"shop.order:*":["write"]}', '--json'], env);
    expect(r.code).toBe(0);
    const { token, expiresAt } = JSON.parse(r.stdout) as { token: string; expiresAt: string };
    const ttl = Date.parse(expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const identity = await srv.app.tokens.verify(token);
    expect(identity).toMatchObject({ tenantId: tenant, userId: 'alice', name: 'Alice', roles: ['admin', 'agent'], perms: { 'shop.order:*': ['write'] } });

    const bad = await cli(['token', tenant, 'alice', '--ttl', 'soon'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ttl');
    // --perm, repeatable, as the README writes it.
    const each = await cli(['token', tenant, 'bob', '--perm', 'shop.order:*=read,write', '--perm', 'shop.invoice:7=read', '--json'], env);
    expect(each.code, each.stderr).toBe(0);
    expect(await srv.app.tokens.verify(JSON.parse(each.stdout).token)).toMatchObject({ perms: { 'shop.order:*': ['read', 'write'], 'shop.invoice:7': ['read'] } });
    const none = await cli(['token', tenant, 'carol'], env);
    expect(none.stderr).toContain('grants no room rights');
    for (const bad of ['shop.order:*', '=read', 'shop.order:*=fly']) {
      const r = await cli(['token', tenant, 'alice', '--perm', bad], env);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/--perm|perms/);
    }
    const perms = await cli(['token', tenant, 'alice', '--perms', '{"x":["fly"]}'], env);
    expect(perms.code).toBe(2);
    expect(perms.stderr).toContain('perms');
  });

  it('adds, lists and removes notification channels; the SMTP password and webhook URL are never printed', async () => {
    const smtp = await startSmtp({ user: 'mailer', pass: 'pw-from-file' });
    const pwFile = join(mkdtempSync(join(tmpdir(), 'tandem-cli-pw-')), 'smtp-password');
    writeFileSync(pwFile, 'pw-from-file\n');
    const open = { ...env, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    try {
      const mail = await cli(['channel', 'add', tenant, 'email', '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-user', 'mailer', '--smtp-password-file', pwFile, '--from', 'Tandem <t@example.test>', '--json'], open);
      expect(mail.code, mail.stderr).toBe(0);
      expect(JSON.parse(mail.stdout)).toMatchObject({ kind: 'email', smtp: { host: '127.0.0.1', user: 'mailer', passwordSet: true } });
      const slack = await cli(['channel', 'add', tenant, 'slack', '--url', 'http://127.0.0.1:9/services/T1/B1/cli-secret-token'], open);
      expect(slack.code, slack.stderr).toBe(0);
      const list = await cli(['channel', 'list', tenant], open);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain('http://127.0.0.1:9/…oken');
      expect(list.stdout).toContain(`127.0.0.1:${smtp.port} as Tandem <t@example.test>`);
      for (const out of [mail.stdout, slack.stdout, list.stdout]) {
        expect(out).not.toContain('pw-from-file');
        expect(out).not.toContain('cli-secret-token');
      }
      // A wrong password is refused before anything is saved; so is a private address without the opt-in.
      writeFileSync(pwFile, 'wrong');
      const again = await cli(['channel', 'add', tenant, 'email', '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-user', 'mailer', '--smtp-password-file', pwFile, '--from', 't@example.test'], open);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('refused or unreachable');
      const guarded = await cli(['channel', 'add', tenant, 'teams', '--url', 'http://127.0.0.1:9/hook'], env);
      expect(guarded.code).toBe(1);
      expect(guarded.stderr).toContain('loopback');
      expect((await cli(['channel', 'add', tenant, 'pager', '--url', 'http://x.test/'], env)).code).toBe(2);
      const id = /channel ([0-9a-f-]{36})/.exec(slack.stdout)![1]!;
      expect((await cli(['channel', 'remove', tenant, id], env)).code).toBe(0);
      const after = JSON.parse((await cli(['channel', 'list', tenant, '--json'], env)).stdout);
      expect(after.map((c: { kind: string }) => c.kind)).toEqual(['email']);
    } finally {
      await smtp.close();
    }
  });

  it('prints help, and rejects unknown commands, options and missing arguments with exit code 2', async () => {
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const cmd of ['tenant create', 'tenant list', 'key create', 'key list', 'key revoke', 'channel add', 'channel list', 'channel remove', 'token']) expect(help.stdout).toContain(cmd);
    for (const args of [[], ['frobnicate'], ['tenant', 'list', '--bogus'], ['key', 'revoke', tenant], ['token', tenant]]) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toBe('');
    }
  });

  it('reports a bad environment as a configuration error', async () => {
    const r = await runCli(['tenant', 'list'], { DATABASE_URL: 'mysql://nope', LOG_LEVEL: 'loud' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL');
    expect(r.stderr).toContain('LOG_LEVEL');
  });
});

describe('tandem CLI on the embedded database (PGlite under DATA_DIR)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates and lists a tenant and a key that persist across runs', async () => {
    const env = { DATA_DIR: dir };
    expect((await runCli(['tenant', 'create', 'local'], env)).code).toBe(0);
    expect((await cli(['key', 'create', 'local', '--name', 'k1'], env)).code).toBe(0);
    // Each run opens and closes the database: the tenant from the first run is still there.
    const keys = await cli(['key', 'list', 'local'], env);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toContain('k1');
  }, 150_000); // three cold starts of embedded Postgres: ~10 s each alone, far more on a busy 2-core machine
});

describe('tandem CLI against a running embedded server (one writer per DATA_DIR)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused while the server holds DATA_DIR, never silently lost; applied once the server is stopped', async () => {
    // Embedded Postgres cold-starts slowly on a loaded machine: a generous readiness bound.
    const server = await spawnTandem({ DATA_DIR: dir, ALLOWED_ORIGINS: 'http://allowed.test' }, undefined, undefined, { readyTimeoutMs: 100_000 });
    let stopped = false;
    try {
      const r = await runCli(['tenant', 'create', 'beside'], { DATA_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('is in use by a running Tandem server');
      expect(r.stderr).toContain(`pid ${server.child.pid}`);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      stopped = true;
      const after = await runCli(['tenant', 'create', 'beside'], { DATA_DIR: dir });
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).toContain('database ready');
      // Created now, not "already exists": the refused run changed nothing.
      expect(after.stdout).toContain('Created tenant "beside"');
    } finally {
      if (!stopped) server.child.kill('SIGKILL');
    }
  }, 150_000);
});
