/**
 * Who is calling a service. Socket handlers and REST routes resolve one from what they
 * authenticated (a token, an API key) and hand it to transport-free services; the server's own
 * writes (re-basing on a saved record, timers) are system callers made in code. Nothing a client
 * sends can make a caller a system one: there is no field of any message that maps to `kind`.
 */
import type { AppIdentity, UserIdentity } from '../auth/identity.js';
import type { RoomPermissions, RoomRight } from '../auth/permissions.js';
import { AppError } from '../errors.js';

/** The caller's standing in the room a call addresses, as its credential grants it. */
export interface RoomGrant {
  roomId: string;
  pageKey: string;
  rights: readonly RoomRight[];
}

interface CallerBase {
  tenantId: string;
  /** The user id, the API key id, or the system writer's name. */
  id: string;
  name: string | null;
  /** Set when the call addresses a room. */
  room?: RoomGrant;
  /** A business app acting on this user's behalf (`app:<key id>`), kept for the audit. */
  via?: string;
}
export type UserCaller = CallerBase & { kind: 'user'; user: UserIdentity };
export type AppCaller = CallerBase & { kind: 'app' };
export type SystemCaller = CallerBase & { kind: 'system' };
export type Caller = UserCaller | AppCaller | SystemCaller;

export const userCaller = (user: UserIdentity, room?: RoomGrant): UserCaller => ({
  kind: 'user',
  tenantId: user.tenantId,
  id: user.userId,
  name: user.name,
  user,
  ...(room ? { room } : {}),
});

export const appCaller = (app: AppIdentity, room?: RoomGrant): AppCaller => ({
  kind: 'app',
  tenantId: app.tenantId,
  id: app.keyId,
  name: app.keyName,
  ...(room ? { room } : {}),
});

/** A server-internal writer, e.g. systemCaller(t, 'saved-record'). Only code can make one. */
export const systemCaller = (tenantId: string, name: string, room?: RoomGrant): SystemCaller => ({
  kind: 'system',
  tenantId,
  id: name,
  name: null,
  ...(room ? { room } : {}),
});

/** The same caller addressing a room (apps and the system hold every right in their tenant). */
export const inRoom = <C extends Caller>(c: C, room: RoomGrant): C => ({ ...c, room });

/** Page permissions to check reads against; undefined for a tenant-wide caller (an API key, the system). */
export const pagePerms = (c: Caller): RoomPermissions | undefined => (c.kind === 'user' ? c.user.perms : undefined);

/** `user:<id>`, `app:<key id>` or `system:<name>`: how ops, heads and audit rows name their author. */
export const actorId = (c: Caller) => `${c.kind}:${c.id}`;

/** The room the caller addresses, checked for a right; every room-scoped service call starts here. */
export function need(c: Caller, right: RoomRight): RoomGrant {
  const room = c.room;
  if (!room) throw new AppError('not_found', 'You have not joined this room; send room:join first');
  if (!room.rights.includes(right)) throw new AppError('forbidden', `You have no ${right} permission on page "${room.pageKey}"`);
  return room;
}

/** The user behind a caller (user calls only). */
export function needUser(c: Caller): UserCaller {
  if (c.kind !== 'user') throw new AppError('forbidden', 'This needs a user token');
  return c;
}
