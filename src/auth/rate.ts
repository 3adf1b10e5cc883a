/** Pure token bucket: `burst` tokens, refilled at `perSecond`. */
export interface Bucket {
  tokens: number;
  at: number;
}

export interface RateRule {
  burst: number;
  perSecond: number;
}

export type Take = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterMs: number };

export function take(bucket: Bucket | undefined, now: number, rule: RateRule): Take {
  const prev = bucket ?? { tokens: rule.burst, at: now };
  const tokens = Math.min(rule.burst, prev.tokens + (Math.max(0, now - prev.at) / 1000) * rule.perSecond);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now } };
  return { ok: false, bucket: { tokens, at: now }, retryAfterMs: Math.ceil(((1 - tokens) / rule.perSecond) * 1000) };
}

/** Gives a token back (a resend that turned out to be a duplicate costs nothing). */
export function refund(bucket: Bucket, rule: RateRule): Bucket {
  return { tokens: Math.min(rule.burst, bucket.tokens + 1), at: bucket.at };
}
