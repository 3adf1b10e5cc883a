/**
 * Rendezvous (highest random weight) hashing: every instance computes the same owner for a key
 * from the same member list, and when a member leaves only the keys it owned move.
 */

/** FNV-1a, 32 bits, then a murmur3 finaliser so near-equal inputs spread. */
function weight(member: string, key: string): number {
  let h = 0x811c9dc5;
  const s = `${member}\u0000${key}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The member with the highest weight for `key` (ties broken by name); undefined for no members. */
export function ownerOf(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const m of members) {
    const w = weight(m, key);
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}
