import type { UserIdentity } from '../../auth/identity.js';
import { rightsFor } from '../../auth/permissions.js';
import { AppError } from '../../errors.js';
import { type RoomGrant, userCaller, type UserCaller } from '../../ports/caller.js';
import type { Connection, RoomMembership } from '../../ports/connection.js';
import type { PageContext } from './messages.js';
import { derivePageKey } from './page-key.js';
import type { RoomRow, RoomStore } from './store.js';

export interface JoinContext {
  conn: Connection;
  /** The joiner, with its standing in the room. */
  caller: UserCaller;
  user: UserIdentity;
  room: RoomRow;
  membership: RoomMembership;
  context: PageContext;
  created: boolean;
}
export type JoinHook = (ctx: JoinContext) => Promise<object | void> | object | void;
export type LeaveReason = 'leave' | 'disconnect';
export type LeaveHook = (conn: Connection, membership: RoomMembership, reason: LeaveReason) => Promise<void> | void;

/** Throws (AppError 'forbidden') when `userId` may not write `field` now, e.g. it is delegated to someone else. */
export type FieldWriteGuard = (w: { tenantId: string; roomId: string; field: string; userId: string }) => Promise<void> | void;

export type Rooms = ReturnType<typeof createRooms>;

/**
 * Joining and leaving page rooms. Other features hook in: a join hook's result is added to
 * the join answer under the hook's name (presence → participants, fields → document, …).
 */
/**
 * Other people's clients open a room's URL (a helper taking a request, a notification click), so
 * it must be a path on the host or on one of the tenant's host origins; `//host` is not a path.
 */
export function isOnHost(url: string, origins: readonly string[]): boolean {
  if (url.startsWith('/')) return !url.startsWith('//') && !url.startsWith('/\\');
  try {
    return origins.includes(new URL(url).origin);
  } catch {
    return false;
  }
}

export function createRooms(store: RoomStore, opts: { maxRoomsPerConnection: number; hostOrigins: (tenantId: string) => Promise<readonly string[]> }) {
  const joinHooks: Array<[string, JoinHook]> = [];
  const lastJoinHooks: Array<[string, JoinHook]> = [];
  const leaveHooks: LeaveHook[] = [];
  const fieldGuards: FieldWriteGuard[] = [];

  function pageKeyOf(context: PageContext, userId?: string): string {
    try {
      return derivePageKey(context.url, context.pageKey, userId);
    } catch (err) {
      throw new AppError('validation_failed', `Invalid page key: ${(err as Error).message}`);
    }
  }

  async function join(conn: Connection, context: PageContext) {
    const user = conn.user;
    const pageKey = pageKeyOf(context, user.userId);
    const rights = rightsFor(user.perms, pageKey);
    if (!rights.includes('read')) {
      throw new AppError('forbidden', `Your token grants no read permission on page "${pageKey}"`, {
        pageKey,
        patterns: Object.keys(user.perms),
      });
    }
    const already = [...conn.rooms.values()].some((m) => m.pageKey === pageKey);
    if (!already && conn.rooms.size >= opts.maxRoomsPerConnection) {
      throw new AppError('rate_limited', `A connection may be in at most ${opts.maxRoomsPerConnection} rooms; leave one first`);
    }
    const hostOrigins = await opts.hostOrigins(user.tenantId);
    if (!isOnHost(context.url, hostOrigins)) {
      throw new AppError('validation_failed', "The page URL must be a path or on one of the tenant's host origins");
    }
    // Only someone who may write the page renames it or moves its URL; a reader's join creates the room at most.
    const { room, created } = await store.upsert(user.tenantId, pageKey, context.title, context.url, rights.includes('write'));
    const membership: RoomMembership = { roomId: room.id, pageKey, rights };
    conn.rooms.set(room.id, membership);
    await conn.subscribe(room.id);
    const caller = userCaller(user, membership);
    // The overlay follows links (work items, notifications) only to these origins or its own.
    const answer: Record<string, unknown> = { roomId: room.id, pageKey, created, permissions: rights, hostOrigins };
    try {
      for (const [name, hook] of [...joinHooks, ...lastJoinHooks]) {
        const part = await hook({ conn, caller, user, room, membership, context, created });
        if (part !== undefined) answer[name] = part;
      }
    } catch (err) {
      await leave(conn, room.id, 'leave');
      throw err;
    }
    return answer;
  }

  async function leave(conn: Connection, roomId: string, reason: LeaveReason) {
    const membership = conn.rooms.get(roomId);
    if (!membership) return;
    conn.rooms.delete(roomId);
    if (reason === 'leave') await conn.unsubscribe(roomId);
    for (const hook of leaveHooks) await hook(conn, membership, reason);
  }

  /**
   * The connection's token changed (auth:refresh): each joined room gets the rights the new token
   * grants; a room it may no longer read is left, so nothing of it is served or broadcast here.
   */
  async function reauthorize(conn: Connection) {
    for (const m of [...conn.rooms.values()]) {
      const rights = rightsFor(conn.user.perms, m.pageKey);
      if (rights.includes('read')) m.rights = rights;
      else await leave(conn, m.roomId, 'leave');
    }
  }

  /**
   * The user's standing on a page's room without being in it: a single-page app may save a record
   * after the person moved on (react-admin's undoable mode writes about 5 s after Save).
   */
  async function grantOnPage(user: UserIdentity, pageKey: string): Promise<RoomGrant> {
    const rights = rightsFor(user.perms, pageKey);
    if (!rights.includes('read')) throw new AppError('forbidden', `Your token grants no read permission on page "${pageKey}"`, { pageKey });
    const room = await store.getByKey(user.tenantId, pageKey);
    if (!room) throw new AppError('not_found', `No room for page "${pageKey}": nobody has opened it`, { pageKey });
    return { roomId: room.id, pageKey, rights };
  }

  return {
    store,
    /** Where the tenant's pages live: its own host origins, else the instance's ALLOWED_ORIGINS. */
    hostOrigins: opts.hostOrigins,
    join,
    leave,
    reauthorize,
    grantOnPage,
    pageKeyOf,
    /**
     * `last`: run after every other hook. For snapshots of fast-changing state (presence): the
     * joiner already receives the room's broadcasts, and its client replaces its list with the
     * snapshot, so the snapshot should be as close to the answer as possible.
     */
    onJoin: (name: string, hook: JoinHook, opts: { last?: boolean } = {}) =>
      void (opts.last ? lastJoinHooks.push([name, hook]) : joinHooks.push([name, hook])),
    onLeave: (hook: LeaveHook) => void leaveHooks.push(hook),
    /** Features that restrict who may write a field (delegation) register here… */
    guardFieldWrites: (guard: FieldWriteGuard) => void fieldGuards.push(guard),
    /** …and every write path (co-editing ops, value writes, REST) calls this before accepting. */
    async assertFieldWritable(w: Parameters<FieldWriteGuard>[0]) {
      for (const guard of fieldGuards) await guard(w);
    },
  };
}
