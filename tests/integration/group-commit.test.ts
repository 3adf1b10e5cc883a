/**
 * The one group commit (db/group-commit.ts) and its one failure policy, on a real PGlite: items
 * pushed while a commit is in flight share the next transaction; when a batch fails, each part
 * is retried on its own, so the bad one gets its error and the others commit.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { createGroupCommit } from '../../src/db/group-commit.js';

interface Item {
  value: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

describe('group commit (PGlite)', () => {
  let db: Database;
  beforeAll(async () => {
    db = openDatabase({ dataDir: ':memory:', poolSize: 1, log: pino({ level: 'silent' }) });
    await db.query(`CREATE TABLE gc_items (value int PRIMARY KEY CHECK (value >= 0), tx bigint NOT NULL)`);
  });
  afterAll(() => db.close());

  function engine() {
    const write = (items: Item[]) =>
      db.transaction(async (tx) => {
        for (const i of items) await tx.query(`INSERT INTO gc_items (value, tx) VALUES ($1, txid_current())`, [i.value]);
      });
    const gc = createGroupCommit<Item>({
      name: 'test',
      maxBatch: 100,
      log: pino({ level: 'silent' }),
      async commit(batch) {
        await write(batch);
        for (const i of batch) i.resolve();
      },
      parts: (batch) => batch.map((i) => [i]),
      async retry(part) {
        try {
          await write(part);
          for (const i of part) i.resolve();
        } catch (e) {
          for (const i of part) i.reject(e);
        }
      },
    });
    const push = (value: number) => new Promise<void>((resolve, reject) => gc.push({ value, resolve, reject }));
    return { gc, push };
  }

  it('what arrives while a commit is in flight rides the next batch, in one transaction', async () => {
    const { gc, push } = engine();
    await Promise.all([push(1), push(2), push(3), push(4)]);
    const { rows } = await db.query<{ txs: number }>(`SELECT count(DISTINCT tx)::int AS txs FROM gc_items WHERE value BETWEEN 1 AND 4`);
    // The first goes alone (nothing was in flight); the three pushed meanwhile share one transaction.
    expect(rows[0]!.txs).toBe(2);
    expect(gc.stats).toMatchObject({ batches: 2, items: 4, failedBatches: 0 });
    await gc.close();
  });

  it('a failed batch is retried part by part: the bad item gets its own error, the others commit', async () => {
    const { gc, push } = engine();
    const first = push(10);
    const rest = [push(11), push(-1), push(12)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
    await first;
    expect(await Promise.all(rest)).toEqual(['ok', expect.stringMatching(/check constraint/), 'ok']);
    const { rows } = await db.query<{ value: number }>(`SELECT value FROM gc_items WHERE value >= 10 ORDER BY value`);
    expect(rows.map((r) => r.value)).toEqual([10, 11, 12]);
    expect(gc.stats.failedBatches).toBe(1);
    await gc.close();
  });
});
