import { can } from '../../auth/permissions.js';
import type { Directory } from '../../ports/directory.js';
import type { PresenceLookup } from '../presence/api.js';
import { recordLabel, type Sighting, suggest, type Suggestion } from './rank.js';

export interface SuggestionDeps {
  directory: Directory;
  presence: PresenceLookup;
  /** Recent editors of a room's form, from the co-editing op log (user writes only). */
  editors: (roomId: string) => Promise<Sighting[]>;
  /** Recent visitors of a room, from presence's visit history. */
  visitors: (tenantId: string, roomId: string) => Promise<Sighting[]>;
  helperRole: string;
  now?: () => number;
}

export type Suggestions = ReturnType<typeof createSuggestions>;

/** Gathers what the pure ranking needs (directory, presence, co-editing and visit history) for one room. */
export function createSuggestions(d: SuggestionDeps) {
  const now = d.now ?? Date.now;

  async function forRoom(tenantId: string, room: { id: string; pageKey: string }, opts: { exclude: string[]; tags: string[]; limit: number }): Promise<Suggestion[]> {
    const [users, edited, visited] = await Promise.all([d.directory.list(tenantId), d.editors(room.id), d.visitors(tenantId, room.id)]);
    const statuses = await d.presence.statuses(tenantId, users.map((u) => u.id));
    return suggest({
      // Work handed over on a page is writing its fields: only people who may write the page are suggested.
      users: users.filter((u) => u.perms !== undefined && can(u.perms, room.pageKey, 'write')).map((u) => ({ userId: u.id, name: u.displayName, roles: u.roles, expertise: u.expertise })),
      exclude: opts.exclude,
      tags: opts.tags,
      presence: (id) => statuses.get(id) ?? 'offline',
      editors: edited,
      visitors: visited,
      recordLabel: recordLabel(room.pageKey),
      helperRole: d.helperRole,
      now: now(),
      limit: opts.limit,
    });
  }

  return { forRoom };
}
