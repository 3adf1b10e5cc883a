/**
 * Request and connection limits, shared by REST and the socket gateway.
 *
 * With REDIS_URL the counters live in Redis (rate-limiter-flexible's atomic Lua increment), so N
 * instances allow what one does, not N times as much; without it they live in process. We use
 * rate-limiter-flexible rather than @fastify/rate-limit's Redis store because the same limiter
 * must serve socket handshakes as well as HTTP, and must be keyed after authentication (the
 * Fastify plugin keys in its own hook, before our route-level auth runs). During a Redis outage
 * each instance falls back to its own in-memory counters (the insurance limiter): limits loosen to
 * per instance, they never fail open entirely and never turn an outage into refusals.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

export interface LimitRule {
  points: number;
  durationSeconds: number;
}

export interface Limit {
  /** Counts one hit for `key`; throws `rate_limited` when that makes it exceed its allowance. */
  hit(key: string): Promise<LimitState>;
  /** Throws `rate_limited` when `key` is already over, without counting (checked before costly work). */
  check(key: string): Promise<void>;
}

/** Where a key stands after a hit (for x-ratelimit-* headers). */
export interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface LimitsConfig {
  /** Requests per minute per tenant + principal (REST). */
  principalPerMinute: number;
  /** Failed or missing credentials per minute per client address (REST and sockets). */
  authFailuresPerMinute: number;
  /** Socket handshakes per minute per client address. */
  handshakesPerMinute: number;
  /** Redis key prefix, so deployments (and test suites) sharing one Redis keep apart. */
  keyPrefix: string;
}

export interface Limits {
  principal: Limit;
  authFailures: Limit;
  handshakes: Limit;
}

function refusal(res: RateLimiterRes, what: string): AppError {
  const s = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError('rate_limited', `Too many ${what}; retry in ${s} s`, { retryAfterMs: res.msBeforeNext });
}

function limit(redis: Redis | null, prefix: string, rule: LimitRule, what: string): Limit {
  const opts = { keyPrefix: prefix, points: rule.points, duration: rule.durationSeconds };
  const rl: RateLimiterAbstract = redis ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) }) : new RateLimiterMemory(opts);
  return {
    async hit(key) {
      try {
        const res = await rl.consume(key);
        return { limit: rule.points, remaining: res.remainingPoints, resetSeconds: Math.ceil(res.msBeforeNext / 1000) };
      } catch (err) {
        if (err instanceof RateLimiterRes) throw refusal(err, what);
        throw err;
      }
    },
    async check(key) {
      const res = await rl.get(key).catch(() => null); // an unreadable counter never refuses on its own
      if (res && res.consumedPoints >= rule.points) throw refusal(res, what);
    },
  };
}

export function createLimits(redis: Redis | null, c: LimitsConfig): Limits {
  return {
    principal: limit(redis, `${c.keyPrefix}:principal`, { points: c.principalPerMinute, durationSeconds: 60 }, 'requests'),
    authFailures: limit(redis, `${c.keyPrefix}:auth-fail`, { points: c.authFailuresPerMinute, durationSeconds: 60 }, 'failed sign-ins from your address'),
    handshakes: limit(redis, `${c.keyPrefix}:handshake`, { points: c.handshakesPerMinute, durationSeconds: 60 }, 'connection attempts from your address'),
  };
}
