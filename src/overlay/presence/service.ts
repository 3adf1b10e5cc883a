import type { Participant } from '../../features/presence/messages.js';

export type { Participant };

/** What the presence module offers other overlay modules as `ctx.use<PresenceService>('presence')`. */
export interface PresenceService {
  /** The other people in the room (not the current user). */
  participants(): Participant[];
  colorOf(userId: string): string | undefined;
  /** Called whenever participants change; returns unsubscribe. */
  onChange(fn: () => void): () => void;
  /** Moves drawn remote carets in `field` through a text change (positions in code points). */
  transformCarets(field: string, map: (cp: number) => number): void;
}
