/** Row mapping shared by the stores: timestamps leave a store as ISO strings (or null). */
export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The SQLSTATE of a failed statement (23505: unique violation). Drizzle wraps the driver's error in `cause`. */
export function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
