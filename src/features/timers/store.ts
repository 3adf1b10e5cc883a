import type { Queryable } from '../../db/client.js';
import type { DueTimer } from './service.js';

const COLUMNS = `id, kind, key, tenant_id AS "tenantId", due_at AS "dueAt", payload, attempts`;

/** The timers table: durable timers claimed with FOR UPDATE SKIP LOCKED (see service.ts). */
export const timerStore = {
  /** Creates or moves the unfired timer (kind, key). */
  async upsert(q: Queryable, t: { kind: string; key: string; tenantId: string | null; dueAt: Date; payload: Record<string, unknown> }) {
    await q.query(
      `INSERT INTO timers (kind, key, tenant_id, due_at, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind, key) WHERE fired_at IS NULL
       DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, tenant_id = EXCLUDED.tenant_id, attempts = 0, last_error = NULL`,
      [t.kind, t.key, t.tenantId, t.dueAt.toISOString(), JSON.stringify(t.payload)],
    );
  },

  async remove(q: Queryable, kind: string, key: string) {
    await q.query(`DELETE FROM timers WHERE kind = $1 AND key = $2 AND fired_at IS NULL`, [kind, key]);
  },

  /** Claims the earliest due timer of these kinds that nobody else holds (row lock until the transaction ends). */
  async claimDue(tx: Queryable, kinds: string[]): Promise<DueTimer | undefined> {
    const { rows } = await tx.query<DueTimer>(
      `SELECT ${COLUMNS} FROM timers WHERE fired_at IS NULL AND due_at <= now() AND kind = ANY($1::text[])
       ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [kinds],
    );
    return rows[0];
  },

  /** Runs fn so that its database effects can be undone alone (the claim survives a failing handler). */
  async undoable<T>(tx: Queryable, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
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
  async markFailed(tx: Queryable, id: number, attempts: number, error: string, instanceId: string, giveUp: boolean) {
    await tx.query(
      giveUp
        ? `UPDATE timers SET attempts = $2::int, last_error = $3, fired_at = now(), claimed_by = $4, claimed_at = now() WHERE id = $1`
        : `UPDATE timers SET attempts = $2::int, last_error = $3, due_at = now() + make_interval(secs => $2::int), claimed_by = $4, claimed_at = now() WHERE id = $1`,
      [id, attempts, error.slice(0, 1000), instanceId],
    );
  },

  async markFired(tx: Queryable, id: number, instanceId: string) {
    await tx.query(`UPDATE timers SET fired_at = now(), claimed_by = $2, claimed_at = now(), attempts = attempts + 1 WHERE id = $1`, [id, instanceId]);
  },
};
