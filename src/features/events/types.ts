/** Pure. Event type patterns, as webhooks and the service stream filter by them: `*`, an exact type, or a prefix `chat.*`. */
export function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
