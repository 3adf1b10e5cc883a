/**
 * Per-author send limits for chat messages and comments: a token bucket (`burst` tokens, refilled
 * at `perSecond`), answering `rate_limited` with a retry hint. With REDIS_URL the buckets live in
 * Redis, updated atomically by one script on Redis's clock, so N instances allow what one does;
 * without it they live in process. During a Redis outage each instance falls back to its own
 * buckets (like the other limits: looser, never open, never refusing because of the outage).
 */
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { type Bucket, type RateRule, refund, take } from './rate.js';

export interface SendLimit {
  /** Takes a token for `key`; throws `rate_limited` (with details.retryAfterMs) when there is none. */
  take(key: string, what?: string): Promise<void>;
  /** Gives one back (a resend that turned out to be a duplicate costs nothing). */
  refund(key: string): Promise<void>;
  close(): void;
}

// KEYS[1] bucket; ARGV burst, perSecond, ttl ms. Returns {1, 0} or {0, retryAfterMs}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1 ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ok == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / rate * 1000)}
`;
const REFUND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local tokens = math.min(tonumber(ARGV[1]), (tonumber(redis.call('HGET', KEYS[1], 't')) or 0) + 1)
redis.call('HSET', KEYS[1], 't', tostring(tokens))
return 1
`;

function refusal(retryAfterMs: number, what: string) {
  const s = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('rate_limited', `You are sending ${what} too fast; retry in ${s} s`, { retryAfterMs });
}

function memoryBuckets(rule: RateRule, now: () => number) {
  const buckets = new Map<string, Bucket>();
  const sweep = setInterval(() => {
    const idle = now() - (rule.burst / rule.perSecond) * 1000;
    for (const [k, b] of buckets) if (b.at < idle) buckets.delete(k);
  }, 60_000);
  sweep.unref();
  return {
    take(key: string): number {
      const r = take(buckets.get(key), now(), rule);
      buckets.set(key, r.bucket);
      return r.ok ? 0 : r.retryAfterMs;
    },
    refund(key: string) {
      const b = buckets.get(key);
      if (b) buckets.set(key, refund(b, rule));
    },
    close: () => clearInterval(sweep),
  };
}

export function createSendLimit(redis: Redis | null, rule: RateRule, keyPrefix: string, now: () => number = Date.now): SendLimit {
  const local = memoryBuckets(rule, now);
  if (!redis) {
    return {
      async take(key, what = 'messages') {
        const wait = local.take(key);
        if (wait > 0) throw refusal(wait, what);
      },
      async refund(key) {
        local.refund(key);
      },
      close: local.close,
    };
  }
  const ttlMs = String(Math.ceil((rule.burst / rule.perSecond) * 1000) + 1_000);
  const k = (key: string) => `${keyPrefix}:send:${key}`;
  return {
    async take(key, what = 'messages') {
      let wait: number;
      try {
        const [ok, retry] = (await redis.eval(TAKE, 1, k(key), String(rule.burst), String(rule.perSecond), ttlMs)) as [number, number];
        wait = ok === 1 ? 0 : Math.max(1, retry);
      } catch {
        wait = local.take(key); // Redis unreachable: this instance's own bucket decides meanwhile
      }
      if (wait > 0) throw refusal(wait, what);
    },
    async refund(key) {
      try {
        await redis.eval(REFUND, 1, k(key), String(rule.burst));
      } catch {
        local.refund(key);
      }
    },
    close: local.close,
  };
}
