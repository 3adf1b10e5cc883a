import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig, withSecretFiles } from '../../src/config.js';
import { AppError, errorStatus, publicError } from '../../src/errors.js';

const problemsOf = (env: Record<string, string | undefined>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('configuration was accepted');
};

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ env: 'development', port: 3000, host: '127.0.0.1', devMode: true, databaseUrl: undefined, redisUrl: undefined, dataDir: './data' });
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
    // The server's own origin is allowed in development so the demo pages work.
    expect(c.allowedOrigins).toEqual(['http://127.0.0.1:3000']);
  });

  it('reports every bad variable at once, each with what it expects', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db/x',
      REDIS_URL: 'http://cache',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'not a url',
      BODY_LIMIT_BYTES: '10',
      NODE_ENV: 'staging',
    });
    const named = (v: string) => problems.filter((p) => p.startsWith(`${v}:`));
    for (const v of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'PUBLIC_URL', 'BODY_LIMIT_BYTES', 'NODE_ENV']) {
      expect(named(v), v).toHaveLength(1);
    }
    expect(named('DATABASE_URL')[0]).toContain('postgres://');
    expect(named('REDIS_URL')[0]).toContain('redis://');
    // One error whose message lists them all, which is what server.ts prints.
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (err) {
      expect((err as Error).message).toMatch(/Invalid configuration:\n\s+- PORT: .*\n\s+- LOG_LEVEL: /);
    }
  });

  it('refuses development mode with NODE_ENV=production', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DEV_MODE: 'true' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DEV_MODE: .*NODE_ENV=production/);
    // Production without DEV_MODE is simply not development mode, and the origin list is exactly what was given.
    const prod = loadConfig({ NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://a.example, https://b.example' });
    expect(prod.devMode).toBe(false);
    expect(prod.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    // The dev-mode refusal is reported together with other problems, not instead of them.
    expect(problemsOf({ NODE_ENV: 'production', DEV_MODE: 'yes', PORT: '-1' }).map((p) => p.split(':')[0]).sort()).toEqual(['DEV_MODE', 'PORT']);
  });

  it('treats empty strings as unset, the way compose passes FOO=', () => {
    const c = loadConfig({ DATABASE_URL: '', REDIS_URL: '', PORT: '' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.port).toBe(3000);
  });

  it('maps every limit and setting to the typed config', () => {
    const c = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u@h/db',
      REDIS_URL: 'rediss://r:6380',
      DEV_MODE: 'false',
      JWT_ISSUER: 'iss',
      JWT_AUDIENCE: 'aud',
      TOKEN_TTL_SECONDS: '120',
      BODY_LIMIT_BYTES: '2048',
      SOCKET_MAX_MESSAGE_BYTES: '4096',
      RATE_LIMIT_PER_MINUTE: '5',
      ROOMS_PER_CONNECTION: '3',
      SHUTDOWN_GRACE_MS: '0',
    });
    expect(c).toMatchObject({
      port: 0,
      publicUrl: 'http://localhost:0',
      databaseUrl: 'postgresql://u@h/db',
      redisUrl: 'rediss://r:6380',
      devMode: false,
      jwt: { issuer: 'iss', audience: 'aud', ttlSeconds: 120 },
      limits: { bodyBytes: 2048, socketMessageBytes: 4096, ratePerMinute: 5, roomsPerConnection: 3 },
      shutdownGraceMs: 0,
    });
  });

  it('keeps the socket message limit in the tens of kilobytes by default', () => {
    const c = loadConfig({});
    expect(c.limits.socketMessageBytes).toBeLessThanOrEqual(100 * 1024);
    expect(c.limits.socketMessageBytes).toBeGreaterThanOrEqual(16 * 1024);
  });
});

describe('publicError (what a client may see)', () => {
  it('passes typed errors through and hides everything else behind a bare 500', () => {
    const typed = new AppError('conflict', 'Version moved on', { head: 3 });
    expect(publicError(typed)).toBe(typed);
    const leaked = publicError(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'));
    expect(leaked.toBody()).toEqual({ code: 'internal', message: 'Internal server error' });
    expect(leaked.status).toBe(500);
    expect(publicError('a string').toBody().message).toBe('Internal server error');
    expect(publicError(undefined).code).toBe('internal');
  });

  it('maps each code to one HTTP status', () => {
    expect(new AppError('payload_too_large', 'x').status).toBe(413);
    expect(new AppError('rate_limited', 'x').status).toBe(429);
    for (const [code, status] of Object.entries(errorStatus)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));

  it('documents every variable the schema accepts, and nothing it does not', () => {
    const schema = Object.keys(envSchema.shape);
    expect(schema.filter((v) => !documented.has(v)), 'in src/config.ts but not in docs/configuration.md').toEqual([]);
    expect([...documented].filter((v) => !schema.includes(v)), 'in docs/configuration.md but not in src/config.ts').toEqual([]);
  });

  it('states the defaults the schema applies', () => {
    const parsed = envSchema.parse({}) as Record<string, unknown>;
    for (const row of doc.matchAll(/^\| `([A-Z0-9_]+)` \| `([^`]*)` \|/gm)) {
      const [, name, def] = row as unknown as [string, string, string];
      const actual = parsed[name];
      expect(Array.isArray(actual) ? actual.join(',') : String(actual), name).toBe(def);
    }
  });
});

describe('secrets from files (X_FILE)', () => {
  it('reads a setting from the file X_FILE names, unless X is given; unknown names are left alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-secret-'));
    try {
      writeFileSync(join(dir, 'ops'), 'from-a-file-0123456789abcdef\n');
      const env = withSecretFiles({ OPS_TOKEN_FILE: join(dir, 'ops'), NOT_OURS_FILE: join(dir, 'nope') }, (p) => readFileSync(p, 'utf8'));
      expect(env.OPS_TOKEN).toBe('from-a-file-0123456789abcdef');
      expect(env.NOT_OURS).toBeUndefined();
      expect(loadConfig(env).opsToken).toBe('from-a-file-0123456789abcdef');
      expect(withSecretFiles({ OPS_TOKEN: 'given-directly-0123456789abc', OPS_TOKEN_FILE: join(dir, 'ops') }, (p) => readFileSync(p, 'utf8')).OPS_TOKEN).toBe('given-directly-0123456789abc');
      expect(() => withSecretFiles({ REDIS_URL_FILE: join(dir, 'missing') }, (p) => readFileSync(p, 'utf8'))).toThrow(/REDIS_URL_FILE: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
