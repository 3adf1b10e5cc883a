/**
 * Limits every decoded payload shares, REST and socket alike, checked before any schema runs:
 * what no zod schema says but would otherwise reach Postgres as a 500.
 *
 * - No NUL character (U+0000) in any string or key: Postgres text and jsonb cannot hold one.
 * - At most MAX_INPUT_DEPTH levels of nesting: deeper values overflow the stack of JSON.stringify
 *   and of Postgres' jsonb parser. No message of ours nests more than a handful of levels.
 */
export const MAX_INPUT_DEPTH = 32;

export interface InputProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Pure: the first such problem in a decoded payload, or null. It runs on every socket message, so
 * the walk allocates nothing unless it finds a problem; recursion stops at MAX_INPUT_DEPTH, so any
 * input depth is safe.
 */
export function inputProblem(value: unknown, depth = 0): InputProblem | null {
  if (typeof value === 'string') return value.includes('\u0000') ? { path: [], message: 'Text may not contain NUL characters (\\u0000)' } : null;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return null;
  if (depth >= MAX_INPUT_DEPTH) return { path: [], message: `Nested more than ${MAX_INPUT_DEPTH} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = inputProblem(value[i], depth + 1);
      if (p) return (p.path.unshift(i), p);
    }
    return null;
  }
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (k.includes('\u0000')) return { path: [k], message: 'Keys may not contain NUL characters (\\u0000)' };
    const p = inputProblem((value as Record<string, unknown>)[k], depth + 1);
    if (p) return (p.path.unshift(k), p);
  }
  return null;
}
