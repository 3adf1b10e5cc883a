import { AppError } from '../../errors.js';
import { type Bucket, type RateRule, refund, take } from './rate.js';

/** Per-actor send limits (in memory, per instance), answering `rate_limited` with a retry hint. */
export function createLimiter(rule: RateRule, now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  const sweep = setInterval(() => {
    const idle = now() - (rule.burst / rule.perSecond) * 1000;
    for (const [k, b] of buckets) if (b.at < idle) buckets.delete(k);
  }, 60_000);
  sweep.unref();
  return {
    take(key: string, what = 'messages') {
      const r = take(buckets.get(key), now(), rule);
      buckets.set(key, r.bucket);
      if (!r.ok) {
        const s = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
        throw new AppError('rate_limited', `You are sending ${what} too fast; retry in ${s} s`, { retryAfterMs: r.retryAfterMs });
      }
    },
    refund(key: string) {
      const b = buckets.get(key);
      if (b) buckets.set(key, refund(b, rule));
    },
    close: () => clearInterval(sweep),
  };
}
export type Limiter = ReturnType<typeof createLimiter>;
