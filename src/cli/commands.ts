/** The ops commands behind `tandem`, as a function so tests can drive it in-process too. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createTenantService } from '../auth/tenants.js';
import { createTokenService } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config.js';
import { type Database, openDatabase } from '../db/client.js';
import { isAppError } from '../errors.js';
import { userClaimsSchema } from '../auth/identity.js';
import { createChannels } from '../features/reach/channels.js';
import { channelInput } from '../features/reach/messages.js';
import { createReachStore } from '../features/reach/store.js';
import { systemLookup } from '../outbound/deliver.js';

export const USAGE = `Usage: tandem <command> [options]

Tenants
  tenant create <id> [--name N] [--jwks-url U] [--origins O1,O2]
                                                 create a tenant; prints its HS256 signing secret once
                                                 (with --jwks-url tokens are verified against that JWKS instead;
                                                 --origins: where its pages live, see "tenant origins")
  tenant origins <id> <O1,O2>                    set the origins of the tenant's pages (https://admin.example.com);
                                                 a room's URL must be on one of them or be a path
  tenant list                                    list tenants

API keys (for business apps: "Authorization: Bearer <key>")
  key create <tenant> [--name N]                 create an API key; prints the key once
  key list <tenant>                              list a tenant's keys (prefix, created, last used, revoked)
  key revoke <tenant> <keyId>                    revoke a key

Notification channels (email, Slack, Teams; see docs/notifications.md)
  channel add <tenant> email --smtp-host H [--smtp-port 587] [--smtp-user U] [--smtp-password-file F]
                             [--smtp-secure] [--smtp-require-tls] --from ADDR [--name N]
                                                 the tenant's SMTP server (connected to and logged in to first)
  channel add <tenant> slack|teams --url U [--name N]
                                                 a Slack or Teams incoming-webhook URL
  channel list <tenant>                          list a tenant's channels (secrets masked)
  channel remove <tenant> <channelId>            remove a channel

Tokens
  token <tenant> <userId> [--name N] [--roles a,b] [--ttl SECONDS] [--perm PATTERN=RIGHTS]… [--perms JSON]
                                                 mint a user token signed with the tenant's secret;
                                                 --perm 'shop.order:*=read,write,comment' (repeatable), or
                                                 --perms '{"shop.order:*":["read","write"]}' (default: no rights, opens no page)

Options
  --json                                         machine-readable output
  -h, --help                                     this help

Reads DATABASE_URL (or DATA_DIR for the embedded database), JWT_ISSUER, JWT_AUDIENCE and
TOKEN_TTL_SECONDS from the environment, like the server. Migrations are applied first.
The embedded database takes one process at a time: while a server runs on DATA_DIR the CLI
refuses (stop the server first, or use PostgreSQL).`;

/** Who the audit log says changed a channel from the command line. */
const CLI_ACTOR = { type: 'system', id: 'cli' } as const;

/** A mistake in how the command was called: printed with the usage, exit code 2. */
class UsageError extends Error {}

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

const options = {
  name: { type: 'string' },
  'jwks-url': { type: 'string' },
  origins: { type: 'string' },
  roles: { type: 'string' },
  ttl: { type: 'string' },
  perms: { type: 'string' },
  perm: { type: 'string', multiple: true },
  url: { type: 'string' },
  'smtp-host': { type: 'string' },
  'smtp-port': { type: 'string' },
  'smtp-user': { type: 'string' },
  'smtp-password-file': { type: 'string' },
  'smtp-secure': { type: 'boolean', default: false },
  'smtp-require-tls': { type: 'boolean', default: false },
  from: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function table(rows: object[], columns: string[]): string {
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? '-' : String(v));
  const data = [columns, ...rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])))];
  const widths = columns.map((_, i) => Math.max(...data.map((row) => row[i]!.length)));
  return data.map((row) => row.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function parsePerms(raw: string | undefined, each: string[] | undefined): unknown {
  let perms: Record<string, unknown> = {};
  if (raw !== undefined) {
    try {
      perms = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new UsageError('--perms must be JSON, e.g. \'{"shop.order:*":["read","write"]}\'');
    }
  }
  // --perm 'shop.order:*=read,write', repeatable: the same grant without writing JSON.
  for (const p of each ?? []) {
    const at = p.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`--perm must be PATTERN=RIGHTS, e.g. 'shop.order:*=read,write' (got "${p}")`);
    perms = { ...perms, [p.slice(0, at)]: splitList(p.slice(at + 1)) };
  }
  return perms;
}

const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function expectArgs(positionals: string[], count: number, usage: string): string[] {
  if (positionals.length !== count) throw new UsageError(`expected: tandem ${usage}`);
  return positionals;
}

/** Runs one command; returns the exit code. Exported so it can be driven without a child process. */
export async function run(argv: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    out.stderr(`tandem: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? out.stdout : out.stderr)(USAGE);
    return values.help ? 0 : 2;
  }

  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      out.stderr(err.message);
      return 2;
    }
    throw err;
  }

  const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }, pino.destination(2));
  let db: Database | undefined;
  const open = async () => {
    // The embedded database takes tens of seconds to start on a small machine: say so, and that it is still going.
    const embedded = !config.databaseUrl;
    const t0 = Date.now();
    const elapsed = () => `${Math.round((Date.now() - t0) / 1000)} s`;
    if (embedded) out.stderr(`tandem: opening the embedded database in ${config.dataDir} (this can take half a minute)…`);
    const ticker = embedded ? setInterval(() => out.stderr(`tandem: still opening the database (${elapsed()})…`), 5_000) : undefined;
    try {
      db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, pgliteSharedBuffersMb: config.pgliteSharedBuffersMb, poolSize: 2, log, holder: 'cli' });
      await db.migrate();
    } finally {
      clearInterval(ticker);
    }
    if (embedded) out.stderr(`tandem: database ready (${elapsed()})`);
    return createTenantService(db);
  };
  const openChannels = async () => {
    const svc = await open();
    const policy = { allowPrivate: config.collab.webhookAllowPrivateNetworks, lookup: systemLookup };
    return { svc, channels: createChannels({ db: db!, store: createReachStore(db!), policy, timeoutMs: config.reach.timeoutMs }) };
  };
  const print = (human: string, json: unknown) => out.stdout(values.json ? JSON.stringify(json, null, 2) : human);

  try {
    const [group, action, ...rest] = positionals;
    const cmd = group === 'token' ? 'token' : `${group} ${action ?? ''}`.trim();
    switch (cmd) {
      case 'tenant create': {
        const [id] = expectArgs(rest, 1, 'tenant create <id> [--name N] [--jwks-url U] [--origins O1,O2]');
        const jwksUrl = values['jwks-url'];
        if (jwksUrl !== undefined && !/^https?:\/\/\S+$/.test(jwksUrl)) throw new UsageError('--jwks-url must be an http(s) URL');
        const hostOrigins = values.origins ? splitList(values.origins) : [];
        const t = await (await open()).createTenant({ id: id!, ...(values.name ? { name: values.name } : {}), ...(jwksUrl ? { jwksUrl } : {}), hostOrigins });
        print(
          t.jwtSecret
            ? `Created tenant "${t.id}" (${t.name}).\nHS256 signing secret (shown once, keep it in your host app's secrets):\n${t.jwtSecret}`
            : `Created tenant "${t.id}" (${t.name}); user tokens are verified against ${t.jwksUrl}.`,
          { id: t.id, name: t.name, jwtSecret: t.jwtSecret, jwksUrl: t.jwksUrl },
        );
        return 0;
      }
      case 'tenant origins': {
        const [id, list] = expectArgs(rest, 2, 'tenant origins <id> <O1,O2>');
        const origins = await (await open()).setHostOrigins(id!, splitList(list!));
        print(`Tenant "${id}" pages live on: ${origins.join(', ') || '(ALLOWED_ORIGINS)'}`, { id, hostOrigins: origins });
        return 0;
      }
      case 'tenant list': {
        expectArgs(rest, 0, 'tenant list');
        const rows = await (await open()).listTenants();
        print(rows.length ? table(rows, ['id', 'name', 'createdAt']) : 'No tenants.', rows);
        return 0;
      }
      case 'key create': {
        const [tenant] = expectArgs(rest, 1, 'key create <tenant> [--name N]');
        const k = await (await open()).createApiKey(tenant!, values.name ?? 'default');
        print(
          `Created API key ${k.id} ("${k.name}") for tenant "${k.tenantId}".\nKey (shown once, store it now):\n${k.key}`,
          { id: k.id, tenantId: k.tenantId, name: k.name, key: k.key },
        );
        return 0;
      }
      case 'key list': {
        const [tenant] = expectArgs(rest, 1, 'key list <tenant>');
        const svc = await open();
        if (!(await svc.getTenant(tenant!))) throw new UsageError(`tenant "${tenant}" does not exist`);
        const rows = await svc.listApiKeys(tenant!);
        print(rows.length ? table(rows, ['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt']) : `No API keys for "${tenant}".`, rows);
        return 0;
      }
      case 'key revoke': {
        const [tenant, keyId] = expectArgs(rest, 2, 'key revoke <tenant> <keyId>');
        if (!/^[0-9a-f-]{36}$/i.test(keyId!)) throw new UsageError(`"${keyId}" is not a key id (see: tandem key list ${tenant})`);
        await (await open()).revokeApiKey(tenant!, keyId!);
        print(`Revoked API key ${keyId} of tenant "${tenant}".`, { id: keyId, tenantId: tenant, revoked: true });
        return 0;
      }
      case 'channel add': {
        const [tenant, kind] = expectArgs(rest, 2, 'channel add <tenant> email|slack|teams [options]');
        const input = channelInput.safeParse(
          kind === 'email'
            ? {
                kind,
                ...(values.name ? { name: values.name } : {}),
                smtp: {
                  host: values['smtp-host'],
                  port: values['smtp-port'] === undefined ? undefined : Number(values['smtp-port']),
                  secure: values['smtp-secure'],
                  requireTLS: values['smtp-require-tls'],
                  ...(values['smtp-user'] ? { user: values['smtp-user'] } : {}),
                  ...(values['smtp-password-file'] ? { password: readFileSync(values['smtp-password-file'], 'utf8').trim() } : {}),
                  from: values.from,
                },
              }
            : { kind, ...(values.name ? { name: values.name } : {}), url: values.url },
        );
        if (!input.success) {
          const first = input.error.issues[0];
          throw new UsageError(`invalid channel: ${first?.path.join('.') || 'channel'}: ${first?.message}`);
        }
        const { svc, channels } = await openChannels();
        if (!(await svc.getTenant(tenant!))) throw new UsageError(`tenant "${tenant}" does not exist`);
        const c = await channels.add(tenant!, input.data, CLI_ACTOR);
        print(`Added ${c.kind} channel ${c.id} ("${c.name}") to tenant "${tenant}".`, c);
        return 0;
      }
      case 'channel list': {
        const [tenant] = expectArgs(rest, 1, 'channel list <tenant>');
        const { svc, channels } = await openChannels();
        if (!(await svc.getTenant(tenant!))) throw new UsageError(`tenant "${tenant}" does not exist`);
        const rows = await channels.list(tenant!);
        const shown = rows.map((c) => ({ ...c, target: c.url ?? `${c.smtp!.host}:${c.smtp!.port} as ${c.smtp!.from}` }));
        print(rows.length ? table(shown, ['id', 'kind', 'name', 'target', 'createdAt']) : `No notification channels for "${tenant}".`, rows);
        return 0;
      }
      case 'channel remove': {
        const [tenant, id] = expectArgs(rest, 2, 'channel remove <tenant> <channelId>');
        if (!/^[0-9a-f-]{36}$/i.test(id!)) throw new UsageError(`"${id}" is not a channel id (see: tandem channel list ${tenant})`);
        await (await openChannels()).channels.remove(tenant!, id!, CLI_ACTOR);
        print(`Removed notification channel ${id} of tenant "${tenant}".`, { id, tenantId: tenant, removed: true });
        return 0;
      }
      case 'token': {
        const [tenant, userId] = expectArgs([action, ...rest].filter((x): x is string => x !== undefined), 2, 'token <tenant> <userId> [--name N] [--roles a,b] [--ttl s]');
        const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
        if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0 && ttl <= 30 * 24 * 3600)) {
          throw new UsageError('--ttl must be a whole number of seconds between 1 and 2592000');
        }
        const svc = await open();
        const tokens = createTokenService({ ...config.jwt, getTenantKeys: svc.getTenantKeys });
        if (!(await svc.getTenant(tenant!))) throw new UsageError(`tenant "${tenant}" does not exist`);
        const roles = (values.roles ?? '').split(',').map((r) => r.trim()).filter(Boolean);
        const claims = userClaimsSchema.omit({ tenant: true }).safeParse({ sub: userId, name: values.name ?? userId, roles, perms: parsePerms(values.perms, values.perm) });
        if (!claims.success) {
          const first = claims.error.issues[0];
          throw new UsageError(`invalid token claims: ${first?.path.join('.') || 'claims'}: ${first?.message}`);
        }
        if (Object.keys(claims.data.perms).length === 0) out.stderr(`tandem: note: this token grants no room rights and opens no page; add e.g. --perm '*=read,write,comment'`);
        const minted = await tokens.mint(tenant!, claims.data, ttl);
        print(minted.token, minted);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${positionals.join(' ')}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      out.stderr(`tandem: ${err.message}\n\nRun "tandem --help" for the commands.`);
      return 2;
    }
    if (isAppError(err)) {
      out.stderr(`tandem: ${err.message} (${err.code})`);
      return 1;
    }
    out.stderr(`tandem: ${(err as Error).message ?? String(err)}`);
    return 1;
  } finally {
    await db?.close().catch(() => undefined);
  }
}
