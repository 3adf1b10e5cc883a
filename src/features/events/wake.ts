import type { Logger } from '../../ports/log.js';
import pg from 'pg';
import type { Queryable } from '../../db/client.js';
import { listenForWakes, notifyWakes, xactStatus } from './store.js';

export type WakeListener = (tenantId: string | null) => void;

export interface Waker {
  /** tenantId null: "something may have changed anywhere" (the poll tick). */
  subscribe(fn: WakeListener): () => void;
  /** Wakes local listeners soon (next macrotask). */
  nudge(tenantId: string | null): void;
  /** Follows a transaction that published events; wakes everyone once it has committed. */
  track(tx: string, tenantId: string): void;
  close(): Promise<void>;
}

/**
 * Wakes the dispatchers (webhooks, notification delivery, service stream) after commits, so no
 * caller has to remember anything. `publish` hands over its transaction id; a commit watcher
 * asks Postgres (`pg_xact_status`, every ~10 ms while something is pending) whether it committed,
 * then wakes this instance's listeners and NOTIFYs the other instances (outside the hot
 * transaction: a NOTIFY inside it would serialize all commits). A poll tick is the safety net.
 */
export function createWaker(opts: { db: Queryable; databaseUrl: string | undefined; pollMs: number; log: Logger }): Waker {
  const listeners = new Set<WakeListener>();
  let closed = false;
  const emit = (tenantId: string | null) => {
    for (const fn of listeners) {
      try {
        fn(tenantId);
      } catch (err) {
        opts.log.error({ err }, 'wake listener failed');
      }
    }
  };

  const poll = setInterval(() => emit(null), opts.pollMs);
  poll.unref();

  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const listen = async () => {
    if (closed || !opts.databaseUrl) return;
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    c.on('notification', (msg) => emit(msg.payload || null));
    c.on('error', (err) => {
      opts.log.warn({ err: err.message }, 'event listener connection lost; reconnecting');
      c.end().catch(() => undefined);
      if (client === c) client = null;
      if (!closed) retry = setTimeout(() => void listen(), 1_000);
    });
    try {
      await c.connect();
      await listenForWakes(c);
      if (closed) return void (await c.end());
      client = c;
      emit(null); // anything committed while we were not listening
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'event listener could not connect; retrying');
      c.end().catch(() => undefined);
      if (!closed) retry = setTimeout(() => void listen(), 1_000);
    }
  };
  void listen();

  // tx id → tenants whose events it wrote
  const pending = new Map<string, Set<string>>();
  let watching = false;
  const watch = async () => {
    if (watching) return;
    watching = true;
    try {
      while (pending.size > 0 && !closed) {
        const txs = [...pending.keys()];
        let status: Map<string, string | null>;
        try {
          status = await xactStatus(opts.db, txs);
        } catch (err) {
          if (closed) return;
          opts.log.warn({ err: (err as Error).message }, 'commit watcher query failed; retrying');
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const woke = new Set<string>();
        for (const tx of txs) {
          const st = status.get(tx);
          if (st === 'in progress') continue;
          if (st === 'committed') for (const t of pending.get(tx)!) woke.add(t);
          pending.delete(tx);
        }
        if (woke.size > 0) {
          for (const t of woke) emit(t);
          if (opts.databaseUrl) {
            notifyWakes(opts.db, [...woke]).catch((err) => opts.log.warn({ err: (err as Error).message }, 'notify failed'));
          }
        }
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      watching = false;
    }
  };

  return {
    track(tx, tenantId) {
      let set = pending.get(tx);
      if (!set) pending.set(tx, (set = new Set()));
      set.add(tenantId);
      // Next macrotask: by then the caller's statement chain has usually moved on to COMMIT.
      setTimeout(() => void watch(), 0).unref();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    nudge(tenantId) {
      setTimeout(() => emit(tenantId), 0).unref();
    },
    async close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(retry);
      listeners.clear();
      if (client) await client.end().catch(() => undefined);
    },
  };
}
