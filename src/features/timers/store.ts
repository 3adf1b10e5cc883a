import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Conn } from '../../db/client.js';
import { timers } from '../../db/schema/index.js';
import type { DueTimer } from './service.js';

const dueColumns = {
  id: timers.id,
  kind: timers.kind,
  key: timers.key,
  tenantId: timers.tenantId,
  dueAt: timers.dueAt,
  payload: timers.payload,
  attempts: timers.attempts,
};

/** The timers table: durable timers claimed with FOR UPDATE SKIP LOCKED (see service.ts). */
export const timerStore = {
  /** Creates or moves the unfired timer (kind, key). */
  async upsert(q: Conn, t: { kind: string; key: string; tenantId: string | null; dueAt: Date; payload: Record<string, unknown> }) {
    await q.orm
      .insert(timers)
      .values({ kind: t.kind, key: t.key, tenantId: t.tenantId, dueAt: t.dueAt, payload: t.payload })
      .onConflictDoUpdate({
        target: [timers.kind, timers.key],
        targetWhere: isNull(timers.firedAt),
        set: { dueAt: t.dueAt, payload: t.payload, tenantId: t.tenantId, attempts: 0, lastError: null },
      });
  },

  async remove(q: Conn, kind: string, key: string) {
    await q.orm.delete(timers).where(and(eq(timers.kind, kind), eq(timers.key, key), isNull(timers.firedAt)));
  },

  /** Claims the earliest due timer of these kinds that nobody else holds (row lock until the transaction ends). */
  async claimDue(tx: Conn, kinds: string[]): Promise<DueTimer | undefined> {
    const [row] = await tx.orm
      .select(dueColumns)
      .from(timers)
      .where(and(isNull(timers.firedAt), lte(timers.dueAt, sql`now()`), inArray(timers.kind, kinds)))
      .orderBy(asc(timers.dueAt))
      .limit(1)
      .for('update', { skipLocked: true });
    return row;
  },

  /** Runs fn so that its database effects can be undone alone (the claim survives a failing handler). */
  async undoable<T>(tx: Conn, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    // Raw: a savepoint inside the caller's transaction; the handler keeps using that same tx.
    await tx.query('SAVEPOINT timer_fire');
    try {
      const value = await fn();
      await tx.query('RELEASE SAVEPOINT timer_fire');
      return { ok: true, value };
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT timer_fire');
      return { ok: false, error };
    }
  },

  /** A failed attempt: retried after `attempts` seconds, or given up (marked fired) with its error. */
  async markFailed(tx: Conn, id: number, attempts: number, error: string, instanceId: string, giveUp: boolean) {
    const claim = { attempts, lastError: error.slice(0, 1000), claimedBy: instanceId, claimedAt: sql`now()` };
    await tx.orm
      .update(timers)
      .set(giveUp ? { ...claim, firedAt: sql`now()` } : { ...claim, dueAt: sql`now() + make_interval(secs => ${attempts}::int)` })
      .where(eq(timers.id, id));
  },

  async markFired(tx: Conn, id: number, instanceId: string) {
    await tx.orm
      .update(timers)
      .set({ firedAt: sql`now()`, claimedBy: instanceId, claimedAt: sql`now()`, attempts: sql`${timers.attempts} + 1` })
      .where(eq(timers.id, id));
  },
};
