import { isDatabaseUnreachable } from './db/unreachable.js';

/**
 * The one table of error codes. REST maps them to HTTP statuses, socket acks carry
 * `{ ok: false, error: { code, message, details? } }` with the same codes.
 */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_issued_in_future: 401,
  token_algorithm: 401,
  token_signature: 401,
  token_claims: 401,
  unknown_tenant: 401,
  api_key_invalid: 401,
  api_key_revoked: 401,
  forbidden: 403,
  wrong_tenant: 403,
  origin_not_allowed: 403,
  /** Socket handshake: `auth.protocol` names a version this server does not speak (details.supported lists those it does). */
  unsupported_protocol: 400,
  not_found: 404,
  conflict: 409,
  version_conflict: 409,
  invalid_transition: 409,
  /** A call already has the most participants a mesh call may have (CALL_MAX_PARTICIPANTS). */
  call_full: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** A zod error as a validation AppError listing every problem with its path. */
export function validationError(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  what = 'input',
): AppError {
  const details = issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const first = details[0];
  const summary = first ? `${first.path || what}: ${first.message}` : 'invalid';
  return new AppError('validation_failed', `Invalid ${what}: ${summary}`, details);
}

/** How long a client should wait before retrying after `unavailable` (also REST's Retry-After). */
export const RETRY_AFTER_MS = 1_000;

// ioredis' words for "no connection now": its offline queue gave up, or the socket is gone.
const REDIS_DOWN = /Connection is closed|max retries per request|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET/i;

/** A dependency outage (Postgres or Redis unreachable), as opposed to a bug. */
export function isDependencyUnavailable(err: unknown): 'database' | 'redis' | null {
  if (isDatabaseUnreachable(err)) return 'database';
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = String((e as { name?: unknown }).name ?? '');
    if (name === 'MaxRetriesPerRequestError' || (REDIS_DOWN.test(String((e as { message?: unknown }).message ?? '')) && /redis/i.test(String((e as { stack?: unknown }).stack ?? '')))) return 'redis';
  }
  return null;
}

/** The `unavailable` error for an outage of `what`. */
export const unavailable = (what: 'database' | 'redis') =>
  new AppError('unavailable', `${what === 'database' ? 'The database' : 'Redis'} is unavailable; retry shortly`);

/**
 * What a client may see of any thrown value: AppErrors as they are, a dependency outage as
 * `unavailable` with a retry hint (clients retry those), everything else as a bare 500.
 */
export function publicError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const down = isDependencyUnavailable(e);
  if (down) return unavailable(down);
  return new AppError('internal', 'Internal server error');
}
