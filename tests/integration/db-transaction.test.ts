/**
 * db.transaction hands a store one connection with both surfaces: Drizzle's query builder
 * (tx.orm) and the raw statements of the hot paths (tx.query). On both drivers, the two see
 * each other's writes, a throw undoes both, and nothing is visible outside before commit.
 */
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { tenants } from '../../src/db/schema/index.js';
import { createTestDatabase, hasPg } from '../helpers/services.js';

const log = pino({ level: 'silent' });

function suite(name: string, open: () => Promise<{ db: Database; drop: () => Promise<void> }>) {
  describe(`db.transaction (${name})`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ db, drop } = await open());
      await db.migrate();
    });
    afterAll(() => drop?.());

    const names = async (id: string) => (await db.orm.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, id))).map((r) => r.name);

    it('the query builder and raw SQL share the transaction and commit together', async () => {
      const seen = await db.transaction(async (tx) => {
        await tx.orm.insert(tenants).values({ id: 'tx-a', name: 'built' });
        const { rows } = await tx.query<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, ['tx-a']);
        await tx.query(`UPDATE tenants SET name = 'raw' WHERE id = $1`, ['tx-a']);
        const after = await tx.orm.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, 'tx-a'));
        // Outside the transaction nothing is there yet (PGlite is one connection: skip there).
        const outside = db.kind === 'postgres' ? await names('tx-a') : [];
        return { raw: rows.map((r) => r.name), built: after.map((r) => r.name), outside };
      });
      expect(seen).toEqual({ raw: ['built'], built: ['raw'], outside: [] });
      expect(await names('tx-a')).toEqual(['raw']);
    });

    it('a throw rolls back what both wrote', async () => {
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.orm.insert(tenants).values({ id: 'tx-b', name: 'built' });
          await tx.query(`INSERT INTO tenants (id, name) VALUES ($1, $2)`, ['tx-c', 'raw']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect([...(await names('tx-b')), ...(await names('tx-c'))]).toEqual([]);
    });
  });
}

suite('PGlite', async () => {
  const db = openDatabase({ dataDir: ':memory:', poolSize: 1, log });
  return { db, drop: () => db.close() };
});

describe.skipIf(!hasPg)('on Postgres', () => {
  suite('Postgres', async () => {
    const t = await createTestDatabase();
    const db = openDatabase({ databaseUrl: t.url, dataDir: ':memory:', poolSize: 2, log });
    return { db, drop: async () => (await db.close(), await t.drop()) };
  });
});
