/**
 * What chat and comments share about talking in a room: who is speaking and where (from the
 * Caller), the envelope room events travel in, and the rules for a message body. Both features
 * import this module, never each other.
 */
import { AppError } from '../../errors.js';
import { type Caller, need } from '../../ports/caller.js';
import type { RoomRight } from '../../auth/permissions.js';
import type { TandemEvent } from '../events/service.js';

/** Where a caller speaks: the room and its page key (for events and notification links). */
export interface RoomRef {
  tenantId: string;
  roomId: string;
  pageKey: string;
}

export interface Author {
  type: 'user' | 'app';
  id: string;
  name: string;
}

/** The room the caller addresses, checked for `right`. */
export function roomRefOf(c: Caller, right: RoomRight): RoomRef {
  const room = need(c, right);
  return { tenantId: c.tenantId, roomId: room.roomId, pageKey: room.pageKey };
}

/** Users and apps speak in rooms; the server itself never posts a message. */
export function authorOf(c: Caller): Author {
  if (c.kind === 'system') throw new AppError('internal', 'a system caller cannot author a message');
  return { type: c.kind, id: c.id, name: c.name ?? c.id };
}

/** The envelope every room event travels in, live (`room:event`) and on resume (`chat:sync`). */
export const envelope = (e: TandemEvent) => ({ eventId: e.id, seq: e.roomSeq, type: e.type, roomId: e.roomId, actor: e.actor, data: e.data, at: e.createdAt });

export const codePointLength = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Checks a message body; returns a reason or null. */
export function bodyProblem(body: string, maxChars: number): string | null {
  if (body.trim().length === 0) return 'A message cannot be empty';
  const n = codePointLength(body);
  if (n > maxChars) return `A message is at most ${maxChars} characters (this one has ${n})`;
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(body)) return 'A message cannot contain control characters';
  return null;
}
