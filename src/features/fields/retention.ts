/**
 * Field-op retention: the op log would otherwise grow without bound. Every sweep deletes ops
 * older than FIELD_OP_RETENTION_SECONDS that the field's snapshot already contains (store.pruneOps),
 * in batches so no statement holds locks for long. A client that reconnects from a version older
 * than what is kept gets the snapshot (field:fetch) or version_conflict (field:op), never a
 * transform over a partial history. Deletes are idempotent: every instance may sweep.
 */
import type { Logger } from '../../ports/log.js';

export function startRetention(opts: { retentionSeconds: number; sweepMs: number; prune: (cutoff: Date, limit: number) => Promise<number>; log: Logger; now?: () => number }) {
  const now = opts.now ?? Date.now;
  let stopped = false;
  let running: Promise<number> | null = null;
  const sweep = async (): Promise<number> => {
    if (opts.retentionSeconds === 0) return 0;
    const cutoff = new Date(now() - opts.retentionSeconds * 1000);
    let total = 0;
    for (;;) {
      const n = await opts.prune(cutoff, 5_000);
      total += n;
      if (n < 5_000 || stopped) break;
    }
    if (total > 0) opts.log.info({ pruned: total, cutoff: cutoff.toISOString() }, 'field-op retention: old ops compacted into snapshots');
    return total;
  };
  const once = () => (running ??= sweep().finally(() => (running = null)));
  const timer = setInterval(() => void once().catch((err: Error) => opts.log.warn({ err: err.message }, 'field-op retention sweep failed; next sweep tries again')), opts.sweepMs);
  timer.unref();
  return {
    /** One sweep now (tests, and the CLI of the future); resolves with how many ops were deleted. */
    sweep: once,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
