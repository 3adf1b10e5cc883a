/**
 * The embedded database's buffer cache is PGLITE_SHARED_BUFFERS_MB: it sits in the server's own
 * memory (PGlite's WASM heap), so the setting has to reach Postgres, on a data directory as in
 * memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { loadConfig } from '../../src/config.js';

const log = pino({ level: 'silent' });
const sharedBuffers = async (dataDir: string, mb?: number) => {
  const db = openDatabase({ dataDir, poolSize: 1, log, ...(mb ? { pgliteSharedBuffersMb: mb } : {}) });
  try {
    return (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers;
  } finally {
    await db.close();
  }
};

describe('PGlite buffer cache', () => {
  it('is the configured size, in memory and on a data directory (default 32 MB, not Postgres’s 128 MB)', async () => {
    expect(loadConfig({}).pgliteSharedBuffersMb).toBe(32);
    expect(await sharedBuffers(':memory:', 24)).toBe('24MB');
    const dir = mkdtempSync(join(tmpdir(), 'tandem-pglite-buffers-'));
    try {
      expect(await sharedBuffers(dir, loadConfig({}).pgliteSharedBuffersMb)).toBe('32MB');
      // Unset (a caller that passes nothing) keeps PGlite's own default.
      expect(await sharedBuffers(dir)).toBe('128MB');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
