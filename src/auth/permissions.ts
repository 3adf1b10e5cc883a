import { z } from 'zod';

export const ROOM_RIGHTS = ['read', 'write', 'comment'] as const;
export type RoomRight = (typeof ROOM_RIGHTS)[number];

/** Room permissions as the token carries them: page-key pattern → rights. `*` matches any run of characters. */
export const roomPermissionsSchema = z
  .record(z.string().min(1).max(200), z.array(z.enum(ROOM_RIGHTS)).max(3))
  .refine((r) => Object.keys(r).length <= 100, 'at most 100 patterns');
export type RoomPermissions = z.infer<typeof roomPermissionsSchema>;

/**
 * Glob match where `*` matches any run of characters (including none). Greedy with a single
 * backtrack point, so at most O(pattern × key) steps: a pattern like `*a*a*a*a*b` compiled to a
 * regular expression backtracks exponentially, and patterns come from tokens and from the
 * service stream's `rooms` filter, so one tenant could stall the process for every tenant.
 */
export function matchesPattern(pattern: string, pageKey: string): boolean {
  let p = 0;
  let k = 0;
  let star = -1; // position of the last `*` seen in the pattern
  let resume = 0; // where in the key that `*` currently stops
  while (k < pageKey.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = k;
    } else if (p < pattern.length && pattern[p] === pageKey[k]) {
      p++;
      k++;
    } else if (star >= 0) {
      p = star + 1;
      k = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The union of rights every matching pattern grants on a page key. Write and comment imply read. */
export function rightsFor(perms: RoomPermissions, pageKey: string): RoomRight[] {
  const granted = new Set<RoomRight>();
  for (const [pattern, rights] of Object.entries(perms)) {
    if (matchesPattern(pattern, pageKey)) for (const r of rights) granted.add(r);
  }
  if (granted.size > 0) granted.add('read');
  return ROOM_RIGHTS.filter((r) => granted.has(r));
}

export function can(perms: RoomPermissions, pageKey: string, right: RoomRight): boolean {
  return rightsFor(perms, pageKey).includes(right);
}

/**
 * The one rule for work items and anything else addressed by id: a user reads it only if they may
 * read its page. `undefined` is a tenant-wide credential (an API key), which sees its whole tenant.
 */
export function mayRead(perms: RoomPermissions | undefined, pageKey: string): boolean {
  return perms === undefined || can(perms, pageKey, 'read');
}
