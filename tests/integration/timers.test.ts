import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, hasPg } from '../helpers/services.js';
import { startTandem, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { TIMER_SWEEP_MS: '50' };

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

describe.skipIf(!hasPg)('durable timers (two instances, one Postgres)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;
  const fired: Array<{ key: string; by: string }> = [];
  const handler = (by: string) => async (t: { key: string }, tx: { query: (s: string, p?: unknown[]) => Promise<unknown> }) => {
    // A database effect in the firing transaction, plus an in-memory record of who fired.
    await tx.query(`INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, subject) VALUES ('timers-test', 'system', $1, 'timer.fired', $2)`, [by, t.key]);
    await sleep(2); // holds the claim a little, so both instances contend for the same rows
    return () => void fired.push({ key: t.key, by });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTandem({ databaseUrl: db.url, env });
    b = await startTandem({ databaseUrl: db.url, env });
    a.app.timers.register('test.tick', handler('a'));
    b.app.timers.register('test.tick', handler('b'));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const auditCount = async (key: string) =>
    Number((await a.app.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'timer.fired' AND subject = $1`, [key])).rows[0]!.n);

  it('fires each of 300 timers exactly once while both instances sweep', async () => {
    const due = Date.now() + 300;
    for (let i = 0; i < 300; i++) {
      const srv = i % 2 ? a : b;
      await srv.app.timers.schedule(srv.app.db, { kind: 'test.tick', key: `many-${i}`, dueAt: due + (i % 7) * 10 });
    }
    await until(() => fired.filter((f) => f.key.startsWith('many-')).length >= 300);
    await sleep(300); // give a double firing the chance to show up
    const mine = fired.filter((f) => f.key.startsWith('many-'));
    expect(mine).toHaveLength(300);
    expect(new Set(mine.map((f) => f.key)).size).toBe(300);
    const { rows } = await a.app.db.query<{ n: string; unfired: string }>(
      `SELECT count(*) FILTER (WHERE action = 'timer.fired') AS n FROM audit_log WHERE subject LIKE 'many-%'`,
    );
    expect(Number(rows[0]!.n)).toBe(300);
    // Both instances did some of the work.
    expect(new Set(mine.map((f) => f.by))).toEqual(new Set(['a', 'b']));
  });

  it('rescheduling moves the one pending timer; cancelling removes it', async () => {
    await a.app.timers.schedule(a.app.db, { kind: 'test.tick', key: 'moved', dueAt: Date.now() + 60_000 });
    await b.app.timers.schedule(b.app.db, { kind: 'test.tick', key: 'moved', dueAt: Date.now() + 100 });
    await a.app.timers.schedule(a.app.db, { kind: 'test.tick', key: 'gone', dueAt: Date.now() + 200 });
    await a.app.timers.cancel(a.app.db, 'test.tick', 'gone');
    await until(() => fired.some((f) => f.key === 'moved'));
    await sleep(400);
    expect(await auditCount('moved')).toBe(1);
    expect(await auditCount('gone')).toBe(0);
  });

  it('a handler that throws changes nothing and is retried', async () => {
    let calls = 0;
    a.app.timers.register('test.flaky', async (t, tx) => {
      calls++;
      await tx.query(`INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, subject) VALUES ('timers-test', 'system', 'a', 'timer.flaky', $1)`, [t.key]);
      if (calls === 1) throw new Error('first attempt fails');
    });
    b.app.timers.register('test.flaky', async () => {
      throw new Error('b always fails');
    });
    await b.app.timers.stop(); // only a sweeps for this one
    await a.app.timers.schedule(a.app.db, { kind: 'test.flaky', key: 'flaky', dueAt: Date.now() });
    await until(async () => Number((await a.app.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'timer.flaky'`)).rows[0]!.n) === 1, 5_000);
    const { rows } = await a.app.db.query<{ attempts: number; fired: boolean; last_error: string }>(
      `SELECT attempts, fired_at IS NOT NULL AS fired, last_error FROM timers WHERE key = 'flaky'`,
    );
    expect(rows).toEqual([{ attempts: 2, fired: true, last_error: 'first attempt fails' }]);
    b.app.timers.start();
  });

  it('a timer due while no instance runs fires once after the next start', async () => {
    await a.close();
    await b.close();
    const c = await startTandem({ databaseUrl: db.url, env: { TIMER_SWEEP_MS: '60000' } });
    c.app.timers.register('test.tick', handler('c'));
    await c.app.timers.stop(); // schedule without sweeping: nobody is running when it falls due
    await c.app.timers.schedule(c.app.db, { kind: 'test.tick', key: 'while-down', dueAt: Date.now() + 100 });
    await c.close();
    await sleep(300);
    a = await startTandem({ databaseUrl: db.url, env });
    b = await startTandem({ databaseUrl: db.url, env });
    a.app.timers.register('test.tick', handler('a2'));
    b.app.timers.register('test.tick', handler('b2'));
    // (An instance leaves kinds it has no handler for to the instances that have one.)
    await until(() => fired.some((f) => f.key === 'while-down'));
    await sleep(300);
    expect(fired.filter((f) => f.key === 'while-down')).toHaveLength(1);
    expect(await auditCount('while-down')).toBe(1);
  });
});
