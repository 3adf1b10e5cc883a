import type { Server } from 'socket.io';
import type { Audience, Broadcast, LocalConnections } from '../ports/broadcast.js';
import { createCoalescer } from './coalesce.js';
import { parsePageRoom, roomNames } from './rooms.js';

export interface SocketBroadcast extends Broadcast, LocalConnections {
  /** Sends what a room (its Socket.IO name) holds now: for events sent around the port that must not overtake it. */
  flush(roomName: string): void;
  /** Sends everything held (shutdown). */
  flushAll(): void;
}

/**
 * The Broadcast port over Socket.IO: io.to(names).emit, so each frame is encoded once; events to
 * one page room go through the coalescer (src/realtime/coalesce.ts), which holds a busy room's
 * events for at most `coalesceMs` and sends them in fewer frames, in order.
 */
export function socketBroadcast(io: Server, opts: { coalesceMs: number }): SocketBroadcast {
  const emitNow = (names: string | string[], event: string, payload: unknown, except?: string) => {
    const op = io.to(names);
    (except ? op.except(except) : op).emit(event, payload);
  };
  const coalescer = createCoalescer({
    windowMs: opts.coalesceMs,
    now: () => performance.now(),
    schedule: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
    emit: emitNow,
  });
  return {
    send(a: Audience, event, payload) {
      const rooms = (a.rooms ?? []).map((r) => roomNames.page(a.tenantId, r));
      if (rooms.length === 1 && !a.users?.length && !a.statusWatchers && !a.connections?.length) return coalescer.post(rooms[0]!, event, payload, a.except);
      // A wider audience goes out at once, after what its rooms hold.
      for (const r of rooms) coalescer.flush(r);
      const names = [...rooms];
      for (const u of a.users ?? []) names.push(roomNames.user(a.tenantId, u));
      if (a.statusWatchers) names.push(roomNames.statusWatchers(a.tenantId));
      // Socket.IO puts every socket in a room named by its id, on every instance (redis adapter too).
      for (const c of a.connections ?? []) names.push(c);
      if (names.length === 0) return;
      emitNow(names, event, payload, a.except);
    },
    toRoom(tenantId, roomId, event, payload) {
      coalescer.post(roomNames.page(tenantId, roomId), event, payload);
    },
    async connectionsIn(tenantId, roomId) {
      return (await io.in(roomNames.page(tenantId, roomId)).fetchSockets()).map((s) => s.id);
    },
    pageRooms() {
      const out: Array<{ tenantId: string; roomId: string }> = [];
      for (const name of io.of('/').adapter.rooms.keys()) {
        const ref = parsePageRoom(name);
        if (ref) out.push(ref);
      }
      return out;
    },
    sendLocal(tenantId, roomId, event, payload) {
      const name = roomNames.page(tenantId, roomId);
      coalescer.flush(name);
      io.local.to(name).emit(event, payload);
    },
    count: () => io.engine.clientsCount,
    flush: (name) => coalescer.flush(name),
    flushAll: () => coalescer.flushAll(),
  };
}
