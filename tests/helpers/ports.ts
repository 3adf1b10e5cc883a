/**
 * In-memory implementations of the transport ports (Broadcast, Connection), so a service runs
 * under test without Socket.IO. They are port implementations, not mocks: they keep what a
 * transport would deliver, and the stores behind the services stay real (PGlite or Postgres).
 */
import type { UserIdentity } from '../../src/auth/identity.js';
import type { Audience, Broadcast } from '../../src/ports/broadcast.js';
import type { Connection, RoomMembership } from '../../src/ports/connection.js';

export interface Delivery {
  to: Audience;
  event: string;
  payload: any;
}

export function recordingBroadcast() {
  const sent: Delivery[] = [];
  /** tenant\0room → connection ids */
  const rooms = new Map<string, Set<string>>();
  const key = (t: string, r: string) => `${t}\u0000${r}`;
  const broadcast: Broadcast = {
    send: (to, event, payload) => void sent.push({ to, event, payload: structuredClone(payload) }),
    toRoom: (tenantId, roomId, event, payload) => void sent.push({ to: { tenantId, rooms: [roomId] }, event, payload: structuredClone(payload) }),
    connectionsIn: async (tenantId, roomId) => [...(rooms.get(key(tenantId, roomId)) ?? [])],
  };
  return {
    broadcast,
    sent,
    /** What was sent with `event`, oldest first; clears nothing. */
    of: (event: string) => sent.filter((d) => d.event === event),
    clear: () => void (sent.length = 0),
    connection(id: string, user: UserIdentity): Connection {
      const joined = new Map<string, RoomMembership>();
      return {
        id,
        user,
        rooms: joined,
        subscribe: async (roomId) => void (rooms.get(key(user.tenantId, roomId)) ?? rooms.set(key(user.tenantId, roomId), new Set()).get(key(user.tenantId, roomId))!).add(id),
        unsubscribe: async (roomId) => void rooms.get(key(user.tenantId, roomId))?.delete(id),
        watchStatuses: async () => undefined,
      };
    },
  };
}

export const identity = (userId: string, perms: UserIdentity['perms'], tenantId = 't1'): UserIdentity => ({
  tenantId,
  userId,
  name: userId.toUpperCase(),
  avatar: undefined,
  roles: [],
  expertise: [],
  perms,
  expiresAt: Date.now() + 3_600_000,
});
