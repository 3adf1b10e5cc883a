/** Value equality as a form sees it: no value, null and '' alike; a multi-value in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x) => b.includes(x));
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  return empty(a) && empty(b);
}
