/**
 * Pure: whether an error means "the database cannot be reached now" (connection refused, reset,
 * terminated, pool timeout, the server shutting down) rather than a bug. REST answers those with
 * 503 unavailable so clients retry; anything else stays a bare 500. Drizzle wraps the driver's
 * error in `cause`, so the chain is walked.
 */
const CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed/i;

export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CODES.has(code) || code.startsWith('08'))) return true;
    if (MESSAGES.test(String((e as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}
