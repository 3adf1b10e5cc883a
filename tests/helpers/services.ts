import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export const pgAdminUrl = inject('pgAdminUrl');
export const redisUrl = inject('redisUrl');
export const chromiumPath = inject('chromium');
export const hasPg = pgAdminUrl !== null;
export const hasRedis = redisUrl !== null;
export const hasChromium = chromiumPath !== null;

/** A fresh, empty Postgres database for one suite; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!pgAdminUrl) throw new Error('PostgreSQL is not available');
  const name = `tandem_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgAdminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A Redis key prefix unique to one suite, so suites running in parallel do not hear each other. */
export const uniqueId = (prefix = 't') => `${prefix}${randomBytes(4).toString('hex')}`;
