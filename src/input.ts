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

interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | null;
  key: string | number;
}

const pathOf = (v: Visit | null): Array<string | number> => {
  const path: Array<string | number> = [];
  for (let n = v; n?.parent; n = n.parent) path.unshift(n.key);
  return path;
};

/** Pure: the first such problem in a decoded payload (iteratively, so any depth is safe), or null. */
export function inputProblem(value: unknown): InputProblem | null {
  const stack: Visit[] = [{ value, depth: 0, parent: null, key: '' }];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const x = v.value;
    if (typeof x === 'string') {
      if (x.includes('\u0000')) return { path: pathOf(v), message: 'Text may not contain NUL characters (\\u0000)' };
      continue;
    }
    if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x) || x instanceof ArrayBuffer) continue;
    if (v.depth >= MAX_INPUT_DEPTH) return { path: pathOf(v), message: `Nested more than ${MAX_INPUT_DEPTH} levels deep` };
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) stack.push({ value: x[i], depth: v.depth + 1, parent: v, key: i });
    } else {
      for (const k of Object.keys(x)) {
        if (k.includes('\u0000')) return { path: [...pathOf(v), k], message: 'Keys may not contain NUL characters (\\u0000)' };
        stack.push({ value: (x as Record<string, unknown>)[k], depth: v.depth + 1, parent: v, key: k });
      }
    }
  }
  return null;
}
