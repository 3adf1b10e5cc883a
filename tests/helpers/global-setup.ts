import net from 'node:net';
import type { TestProject } from 'vitest/node';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: hostname, port: Number(port), timeout: 1_000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string | null;
    redisUrl: string | null;
    chromium: string | null;
  }
}

/** Finds the real services once; suites that need a missing one are skipped, loudly. */
export default async function setup(project: TestProject) {
  const [pg, redis] = await Promise.all([reachable(PG_URL), reachable(REDIS_URL)]);
  const { existsSync } = await import('node:fs');
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;
  const missing = [!pg && `PostgreSQL (${PG_URL})`, !redis && `Redis (${REDIS_URL})`, !chromium && 'Chromium (/usr/bin/chromium)'].filter(Boolean);
  if (missing.length) {
    console.warn(`\n!!! NOT AVAILABLE: ${missing.join(', ')}. Suites that need them are SKIPPED; PGlite suites still run.\n`);
  }
  project.provide('pgAdminUrl', pg ? PG_URL : null);
  project.provide('redisUrl', redis ? REDIS_URL : null);
  project.provide('chromium', chromium);
}
