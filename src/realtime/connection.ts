import type { Connection } from '../ports/connection.js';
import { userCaller, type UserCaller } from '../ports/caller.js';
import type { TandemSocket } from './pipeline.js';
import { roomNames } from './rooms.js';

const cache = new WeakMap<TandemSocket, Connection>();

/** The Connection port over a socket (one object per socket). */
export function connectionOf(socket: TandemSocket): Connection {
  let c = cache.get(socket);
  if (c) return c;
  c = {
    id: socket.id,
    get user() {
      return socket.data.user;
    },
    get rooms() {
      return socket.data.rooms;
    },
    subscribe: async (roomId) => socket.join(roomNames.page(socket.data.user.tenantId, roomId)),
    unsubscribe: async (roomId) => socket.leave(roomNames.page(socket.data.user.tenantId, roomId)),
    watchStatuses: async (on) => {
      const room = roomNames.statusWatchers(socket.data.user.tenantId);
      await (on ? socket.join(room) : socket.leave(room));
    },
  };
  cache.set(socket, c);
  return c;
}

/** The caller of a socket message: the connection's user, with its standing in `roomId` if it joined it. */
export function socketCaller(socket: TandemSocket, roomId?: string): UserCaller {
  const m = roomId === undefined ? undefined : socket.data.rooms.get(roomId);
  return userCaller(socket.data.user, m);
}
