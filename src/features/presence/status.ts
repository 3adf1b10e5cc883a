import type { LiveStore } from './live.js';
import type { PresenceStatus } from './messages.js';
import { type ConnRecord, defaultUserState, effectiveStatus, participantOf, type UserState } from './presence.js';

/** Reads of people's status and merged state from the live store (presence's service announces them). */
export function createStatusReads(o: { live: LiveStore; now: () => number; idleMs: number; withLocal: (conns: ConnRecord[]) => ConnRecord[] }) {
  async function userState(tenantId: string, userId: string): Promise<UserState> {
    return (await o.live.getUsers(tenantId, [userId])).get(userId) ?? defaultUserState(o.now());
  }

  const onlineStatus = (s: UserState): PresenceStatus => {
    const e = effectiveStatus(s, true, o.now(), o.idleMs);
    return e === 'offline' ? 'available' : e;
  };

  async function statusMap(tenantId: string, userIds: string[]): Promise<Map<string, PresenceStatus>> {
    const states = await o.live.getUsers(tenantId, userIds);
    return new Map(userIds.map((id) => [id, onlineStatus(states.get(id) ?? defaultUserState(o.now()))]));
  }

  /**
   * A user's state to announce, after a change to it was written: the version is taken first,
   * then the state is read, so a higher version always describes at least what a lower one did
   * (clients keep the highest; see PresenceJoinAnswer and docs/protocol.md).
   */
  async function versionedState(tenantId: string, userId: string) {
    const version = await o.live.nextVersion(tenantId);
    const conns = o.withLocal(await o.live.userConns(tenantId, userId));
    const status = onlineStatus(await userState(tenantId, userId));
    return { version, conns, participantIn: (roomId: string) => participantOf(roomId, conns, status, version) };
  }

  return { userState, statusMap, versionedState };
}
