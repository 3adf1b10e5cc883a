import fp from 'fastify-plugin';
import { connectionOf } from '../../realtime/connection.js';
import { createRooms, type Rooms } from './service.js';
import { roomHandlers } from './socket.js';
import { createRoomStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    rooms: Rooms;
  }
}

export default fp(
  async function roomsPlugin(app) {
    const rooms = createRooms(createRoomStore(app.db), {
      maxRoomsPerConnection: app.config.limits.roomsPerConnection,
      // A tenant without its own host origins lives on the instance's ALLOWED_ORIGINS.
      hostOrigins: async (tenantId) => {
        const own = (await app.tenants.getTenantKeys(tenantId))?.hostOrigins ?? [];
        return own.length > 0 ? own : app.config.allowedOrigins;
      },
    });
    app.decorate('rooms', rooms);
    app.realtime.handle(...roomHandlers(rooms));
    app.realtime.onConnection((socket) => app.directory.upsertFromIdentity(socket.data.user));
    app.realtime.onRefresh((socket) => rooms.reauthorize(connectionOf(socket)));
    app.realtime.onDisconnect(async (socket) => {
      const conn = connectionOf(socket);
      for (const roomId of [...conn.rooms.keys()]) await rooms.leave(conn, roomId, 'disconnect');
    });
  },
  { name: 'rooms', dependencies: ['core', 'realtime'] },
);
