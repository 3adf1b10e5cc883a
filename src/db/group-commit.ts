/**
 * Adaptive group commit, the one batching engine (co-editing's op log, chat sends). One commit in
 * flight at a time; whatever is pushed meanwhile rides the next batch (at most `maxBatch` items),
 * optionally after waiting `maxWaitMs` for more. A fixed flush timer would only add latency, so
 * the default wait is none (docs/DESIGN.md, performance notes).
 *
 * One failure policy for every user: when a batch's commit throws, nothing of it counts as
 * committed (the outcome may be unknown, so the users' own deduplication answers resends); the
 * batch is split into its independent parts and each part is retried on its own, in order, with
 * its own outcome, so one bad item never fails the others. The feature says what a part is (one
 * send for chat, one field for the op log) and how a part is retried.
 */
import type { Logger } from '../ports/log.js';

export interface GroupCommitOptions<T> {
  /** For logs: whose batches these are. */
  name: string;
  maxBatch: number;
  maxWaitMs?: number;
  /**
   * Let the event loop turn once before taking a batch. For a database that runs on this thread
   * (PGlite): its statements block the loop, so without this the first op read after a commit
   * starts the next commit alone before the other frames already waiting are even read (the bench
   * saw 1.0 op per transaction). With a database over the network the batch gathers by itself.
   */
  gather?: boolean;
  log: Logger;
  /**
   * Commits the batch in one transaction and settles its items. Throws only when the transaction
   * failed. May resolve with how many items it wrote (repeats riding with their first do not count).
   */
  commit(batch: T[]): Promise<number | void>;
  /** The independent parts of a failed batch. */
  parts(batch: T[]): T[][];
  /** Retries one part on its own and settles its items either way. `alone`: the part was the whole batch. */
  retry(part: T[], cause: unknown, alone: boolean): Promise<void>;
}

export interface GroupCommitStats {
  batches: number;
  items: number;
  /** Milliseconds spent committing batches (transaction and settling). */
  commitMs: number;
  lastBatchSize: number;
  failedBatches: number;
}

export function createGroupCommit<T>(o: GroupCommitOptions<T>) {
  const queue: T[] = [];
  let inFlight: Promise<void> | null = null;
  let closed = false;
  const stats: GroupCommitStats = { batches: 0, items: 0, commitMs: 0, lastBatchSize: 0, failedBatches: 0 };

  function kick() {
    if (inFlight || closed) return;
    inFlight = (async () => {
      try {
        if (o.maxWaitMs && o.maxWaitMs > 0) await new Promise((r) => setTimeout(r, o.maxWaitMs));
        else if (o.gather) await new Promise((r) => setImmediate(r));
        while (queue.length > 0) {
          await commitNext(queue.splice(0, o.maxBatch));
          if (o.gather && queue.length > 0) await new Promise((r) => setImmediate(r));
        }
      } finally {
        inFlight = null;
      }
      if (queue.length > 0) kick();
    })();
  }

  async function commitNext(batch: T[]) {
    const t0 = performance.now();
    try {
      const written = (await o.commit(batch)) ?? batch.length;
      stats.batches++;
      stats.items += written;
      stats.lastBatchSize = written;
      stats.commitMs += performance.now() - t0;
    } catch (err) {
      stats.failedBatches++;
      const parts = o.parts(batch);
      o.log.warn({ err, items: batch.length, parts: parts.length }, `${o.name} batch failed; retrying its parts one by one`);
      for (const part of parts) {
        try {
          await o.retry(part, err, parts.length === 1);
        } catch (e) {
          o.log.error({ err: e }, `${o.name} retry failed to settle its part`);
        }
      }
    }
  }

  return {
    /** Queues an item for the next batch (the feature settles it from commit or retry). */
    push(item: T) {
      queue.push(item);
      kick();
    },
    /** Takes queued items out before they are committed (e.g. a field that must be reloaded first). */
    withdraw(pred: (item: T) => boolean): void {
      for (let i = queue.length - 1; i >= 0; i--) if (pred(queue[i]!)) queue.splice(i, 1);
    },
    stats,
    /** Stops taking batches and waits for the one in flight. */
    async close() {
      closed = true;
      while (inFlight) await inFlight;
    },
  };
}
