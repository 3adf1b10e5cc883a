import type { Logger } from '../../ports/log.js';
import type { Conn, Database } from '../../db/client.js';
import { timerStore as store } from './store.js';

export interface DueTimer {
  id: number;
  kind: string;
  key: string;
  tenantId: string | null;
  dueAt: Date;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * Fires one timer inside the transaction that marks it fired: its database effects commit
 * exactly once with it. What must happen only after commit (broadcasts, notifications) is
 * returned as a callback.
 */
export type TimerHandler = (timer: DueTimer, tx: Conn) => Promise<void | AfterCommit>;
export type AfterCommit = () => void | Promise<void>;

export interface ScheduleTimer {
  kind: string;
  key: string;
  dueAt: Date | number;
  tenantId?: string | null;
  payload?: Record<string, unknown>;
}

export interface TimerOptions {
  db: Database;
  log: Logger;
  instanceId: string;
  sweepMs: number;
  /** Timers fired per sweep at most (the next sweep continues). */
  batch?: number;
  /** Attempts before a failing timer is given up (marked fired with its error). */
  maxAttempts?: number;
}

export type Timers = ReturnType<typeof createTimers>;

/**
 * Durable timers in Postgres. Every instance sweeps; a due row is claimed with
 * FOR UPDATE SKIP LOCKED and fired in the same transaction that sets fired_at, so N
 * instances never fire a timer twice and a crash mid-fire leaves it to the next sweep.
 * Timers due while no instance ran fire at the first sweep after start.
 */
export function createTimers(opts: TimerOptions) {
  const { db, log, instanceId } = opts;
  const batch = opts.batch ?? 100;
  const maxAttempts = opts.maxAttempts ?? 5;
  const handlers = new Map<string, TimerHandler>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;
  let again = false;

  function register(kind: string, handler: TimerHandler): void {
    if (handlers.has(kind)) throw new Error(`timer kind "${kind}" already has a handler`);
    handlers.set(kind, handler);
    nudge(0);
  }

  /** Creates or moves the unfired timer (kind, key). Pass the transaction of the change that needs it. */
  async function schedule(q: Conn, t: ScheduleTimer): Promise<void> {
    const due = t.dueAt instanceof Date ? t.dueAt : new Date(t.dueAt);
    await store.upsert(q, { kind: t.kind, key: t.key, tenantId: t.tenantId ?? null, dueAt: due, payload: t.payload ?? {} });
    if (!stopped && due.getTime() - Date.now() < opts.sweepMs) nudge(Math.max(0, due.getTime() - Date.now()));
  }

  /** Removes the unfired timer (kind, key), if any. */
  async function cancel(q: Conn, kind: string, key: string): Promise<void> {
    await store.remove(q, kind, key);
  }

  /** Fires one due timer; false when none is due (or all are being fired by others). */
  async function fireOne(): Promise<boolean> {
    let failed: { id: number; error: string; attempts: number } | null = null;
    let after: void | AfterCommit = undefined;
    const fired = await db.transaction(async (tx) => {
      // Only kinds this instance knows: during a rolling upgrade, a newer instance fires the new kinds.
      const t = await store.claimDue(tx, [...handlers.keys()]);
      if (!t) return false;
      const handler = handlers.get(t.kind)!;
      const out = await store.undoable(tx, () => handler(t, tx));
      if (!out.ok) {
        const err = out.error;
        failed = { id: t.id, error: (err as Error).message ?? String(err), attempts: t.attempts + 1 };
        log.error({ err, kind: t.kind, key: t.key, attempt: t.attempts + 1 }, 'timer handler failed');
        await store.markFailed(tx, t.id, failed.attempts, failed.error, instanceId, failed.attempts >= maxAttempts);
        return true;
      }
      after = out.value;
      await store.markFired(tx, t.id, instanceId);
      return true;
    });
    const cb = after as void | AfterCommit;
    if (cb) {
      try {
        await cb();
      } catch (err) {
        log.error({ err }, 'timer after-commit callback failed');
      }
    }
    return fired;
  }

  /** Fires every due timer (up to the batch size); resolves with how many fired. */
  function sweep(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    const run = (async () => {
      let n = 0;
      if (handlers.size === 0) return n;
      try {
        do {
          again = false;
          while (n < batch && (await fireOne())) n++;
        } while (again && n < batch);
      } catch (err) {
        if (!stopped) log.error({ err }, 'timer sweep failed');
      }
      if (n >= batch && !stopped) nudge(0);
      return n;
    })();
    running = run;
    void run.finally(() => {
      if (running === run) running = null;
    });
    return run;
  }

  function nudge(inMs: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(loop, inMs);
    timer.unref();
  }

  function loop(): void {
    timer = undefined;
    if (stopped) return;
    void sweep().finally(() => {
      // Unless something asked for an earlier sweep meanwhile, the next regular one.
      if (!stopped && timer === undefined) nudge(opts.sweepMs);
    });
  }

  function start(): void {
    if (!stopped) return;
    stopped = false;
    nudge(0);
  }

  /** Stops sweeping and waits for a sweep in progress; call before the database closes. */
  async function stop(): Promise<void> {
    stopped = true;
    clearTimeout(timer);
    if (running) await running;
  }

  return { register, schedule, cancel, sweep, start, stop };
}
