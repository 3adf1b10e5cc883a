import { matchesPattern } from '../../auth/permissions.js';
import { typeMatches } from '../events/types.js';

/** Pure: which events a stream subscriber asked for. Empty lists mean "everything". */
export interface StreamFilter {
  /** Event types: exact, `prefix.*`, or `*`. */
  types: string[];
  /** Page-key patterns (`shop.order:*`); events outside rooms pass only when no pattern is given. */
  rooms: string[];
}

export function passes(f: StreamFilter, e: { type: string; pageKey: string | null }): boolean {
  if (f.types.length > 0 && !typeMatches(f.types, e.type)) return false;
  if (f.rooms.length > 0 && (e.pageKey === null || !f.rooms.some((p) => matchesPattern(p, e.pageKey!)))) return false;
  return true;
}
