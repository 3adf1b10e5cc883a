import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrationsFolder, openDatabase } from '../../src/db/client.js';
import { createTestDatabase, hasPg } from '../helpers/services.js';

const log = pino({ level: 'silent' });
// What drizzle-kit's journal says should be applied.
const migrationFiles = (JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries;
const CORE_TABLES = ['api_keys', 'audit_log', 'rooms', 'tenants', 'users'];

async function schemaSnapshot(db: Database): Promise<string> {
  const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  const idx = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
  return JSON.stringify([rows, idx.rows]);
}

const appliedCount = async (db: Database) =>
  Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM drizzle.__drizzle_migrations')).rows[0]!.n);

/** The same contract on both drivers: the embedded default and a real server. */
function migrationContract(name: string, open: () => Promise<{ db: Database; reopen: () => Database; cleanup: () => Promise<void> }>) {
  describe(name, () => {
    let ctx: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      ctx = await open();
    });
    afterAll(async () => {
      await ctx?.db.close();
      await ctx?.cleanup();
    });

    it('applies every migration to an empty database', async () => {
      const before = await ctx.db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      expect(before.rows[0]!.n).toBe('0');
      await ctx.db.migrate();
      const { rows } = await ctx.db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      const tables = rows.map((r) => r.table_name);
      for (const t of CORE_TABLES) expect(tables, t).toContain(t);
      expect(await appliedCount(ctx.db)).toBe(migrationFiles.length);
    }, 120_000); // every migration on embedded Postgres: ~40 s on a loaded 2-core machine

    it('re-running is a no-op', async () => {
      const before = await schemaSnapshot(ctx.db);
      await ctx.db.migrate();
      await ctx.db.migrate();
      expect(await schemaSnapshot(ctx.db)).toBe(before);
      expect(await appliedCount(ctx.db)).toBe(migrationFiles.length);
    });

    it('keeps the audit log append-only: UPDATE and DELETE are refused by the database', async () => {
      await ctx.db.query(`INSERT INTO audit_log (tenant_id, actor_type, actor_id, action) VALUES ('t1', 'system', 'test', 'x.done')`);
      await expect(ctx.db.query(`UPDATE audit_log SET action = 'rewritten'`)).rejects.toThrow(/append-only/);
      await expect(ctx.db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
      const { rows } = await ctx.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE tenant_id = 't1'`);
      expect(rows).toEqual([{ action: 'x.done' }]);
    });

    it('enforces the core constraints (unique page key per tenant, unique API key hash)', async () => {
      await ctx.db.query(`INSERT INTO tenants (id, name, jwt_secret) VALUES ('mt', 'M', 's')`);
      await ctx.db.query(`INSERT INTO rooms (tenant_id, page_key) VALUES ('mt', 'shop.order:1')`);
      await expect(ctx.db.query(`INSERT INTO rooms (tenant_id, page_key) VALUES ('mt', 'shop.order:1')`)).rejects.toThrow(/duplicate key/);
      await ctx.db.query(`INSERT INTO api_keys (tenant_id, name, prefix, hash) VALUES ('mt', 'a', 'tdm_', 'h1')`);
      await expect(ctx.db.query(`INSERT INTO api_keys (tenant_id, name, prefix, hash) VALUES ('mt', 'b', 'tdm_', 'h1')`)).rejects.toThrow(/duplicate key/);
    });

    it('a second process opening the same database finds it migrated and keeps the data', async () => {
      await ctx.db.close();
      ctx.db = ctx.reopen();
      await ctx.db.migrate();
      expect(await appliedCount(ctx.db)).toBe(migrationFiles.length);
      const { rows } = await ctx.db.query<{ id: string }>(`SELECT id FROM tenants WHERE id = 'mt'`);
      expect(rows).toHaveLength(1);
    });
  });
}

migrationContract('migrations on PGlite (embedded)', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mig-'));
  const reopen = () => openDatabase({ dataDir: dir, poolSize: 1, log });
  return { db: reopen(), reopen, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe.skipIf(!hasPg)('Postgres', () => {
  migrationContract('migrations on an empty Postgres database', async () => {
    const target = await createTestDatabase();
    const reopen = () => openDatabase({ databaseUrl: target.url, dataDir: 'unused', poolSize: 2, log });
    return { db: reopen(), reopen, cleanup: target.drop };
  });

  it('instances starting together migrate once (advisory lock), none fails', async () => {
    const target = await createTestDatabase();
    const dbs = Array.from({ length: 4 }, () => openDatabase({ databaseUrl: target.url, dataDir: 'unused', poolSize: 2, log }));
    try {
      await Promise.all(dbs.map((d) => d.migrate()));
      expect(await appliedCount(dbs[0]!)).toBe(migrationFiles.length);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
      await target.drop();
    }
  });
});
