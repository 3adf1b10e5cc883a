import type { Server } from 'socket.io';
import type { Audience, Broadcast } from '../ports/broadcast.js';
import { roomNames } from './rooms.js';

/** The Broadcast port over Socket.IO: io.to(names).emit, so each frame is encoded once. */
export function socketBroadcast(io: Server): Broadcast {
  return {
    send(a: Audience, event, payload) {
      const names: string[] = [];
      for (const r of a.rooms ?? []) names.push(roomNames.page(a.tenantId, r));
      for (const u of a.users ?? []) names.push(roomNames.user(a.tenantId, u));
      if (a.statusWatchers) names.push(roomNames.statusWatchers(a.tenantId));
      if (names.length === 0) return;
      const op = io.to(names);
      (a.except ? op.except(a.except) : op).emit(event, payload);
    },
    toRoom(tenantId, roomId, event, payload) {
      io.to(roomNames.page(tenantId, roomId)).emit(event, payload);
    },
    async connectionsIn(tenantId, roomId) {
      return (await io.in(roomNames.page(tenantId, roomId)).fetchSockets()).map((s) => s.id);
    },
  };
}
