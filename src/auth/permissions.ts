import { z } from 'zod';

export const ROOM_RIGHTS = ['read', 'write', 'comment'] as const;
export type RoomRight = (typeof ROOM_RIGHTS)[number];

/** Room permissions as the token carries them: page-key pattern → rights. `*` matches any run of characters. */
export const roomPermissionsSchema = z
  .record(z.string().min(1).max(200), z.array(z.enum(ROOM_RIGHTS)).max(3))
  .refine((r) => Object.keys(r).length <= 100, 'at most 100 patterns');
export type RoomPermissions = z.infer<typeof roomPermissionsSchema>;

const patternCache = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    re = new RegExp(`^${body}$`);
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re;
}

export function matchesPattern(pattern: string, pageKey: string): boolean {
  return toRegExp(pattern).test(pageKey);
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
