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
  not_found: 404,
  conflict: 409,
  version_conflict: 409,
  invalid_transition: 409,
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

/** What a client may see of any thrown value: AppErrors as they are, everything else as a bare 500. */
export function publicError(e: unknown): AppError {
  return isAppError(e) ? e : new AppError('internal', 'Internal server error');
}
