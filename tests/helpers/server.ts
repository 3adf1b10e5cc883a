import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp, type AppOverrides } from '../../src/app.js';
import type { UserClaims } from '../../src/auth/identity.js';
import { loadConfig } from '../../src/config.js';
import { contractRecorder } from './contract.js';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  port: number;
  /** Fails when an answer broke the published contract (see contractViolations). */
  close(): Promise<void>;
  /** Answers that did not match /docs/json so far (tests/helpers/contract.ts). */
  contractViolations: string[];
}

export interface StartOptions {
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** Extra environment, as server.ts would read it. */
  env?: Record<string, string>;
  overrides?: AppOverrides;
}

export const TEST_ORIGIN = 'http://allowed.test';

/** A real Tandem on a real port (0: any free one), configured exactly as from the environment. */
export async function startTandem(opts: StartOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: ':memory:',
    ALLOWED_ORIGINS: TEST_ORIGIN,
    DEV_MODE: 'false',
    SHUTDOWN_GRACE_MS: '2000',
    // Every suite connects from 127.0.0.1: address limits are for the suites that test them.
    HANDSHAKES_PER_MINUTE: '100000',
    AUTH_FAILURES_PER_MINUTE: '100000',
    MAX_CONNECTIONS_PER_USER: '1000',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.env,
  });
  // Every answer is checked against the document this server publishes (tests/helpers/contract.ts).
  const contract = contractRecorder();
  const app = await buildApp(config, { logger: false, instrument: contract.instrument, ...opts.overrides });
  await app.listen({ port: config.port, host: config.host });
  const port = (app.server.address() as AddressInfo).port;
  const close = async () => {
    await app.close();
    if (contract.violations.length) {
      throw new Error(`${contract.violations.length} answer(s) broke the OpenAPI contract (/docs/json):\n${[...new Set(contract.violations)].join('\n')}`);
    }
  };
  return { app, port, url: `http://127.0.0.1:${port}`, close, contractViolations: contract.violations };
}

/** A tenant with an HS256 secret and a helper to mint tokens for its users. */
export async function createTenant(app: FastifyInstance, id: string) {
  const tenant = await app.tenants.createTenant({ id });
  const { key } = await app.tenants.createApiKey(id, 'test');
  const token = async (userId: string, extra: Partial<Omit<UserClaims, 'tenant' | 'sub'>> = {}, ttlSeconds?: number) =>
    (
      await app.tokens.mint(
        id,
        { sub: userId, name: extra.name ?? userId, roles: [], expertise: [], perms: { '*': ['read', 'write', 'comment'] }, ...extra },
        ttlSeconds,
      )
    ).token;
  return { tenant, apiKey: key, secret: tenant.jwtSecret!, token };
}
