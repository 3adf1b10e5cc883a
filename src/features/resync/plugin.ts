import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { parsePageRoom, roomNames } from '../../realtime/rooms.js';
import { createResync, type Resync, type RoomRef } from './service.js';
import { readHeads } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    resync: Resync;
  }
}

/** `room:heads` to every room with connections here: after fan-out comes back, and every RESYNC_INTERVAL_MS for rooms that moved. */
export default fp(
  async function resyncPlugin(app) {
    const { io } = app.realtime;
    const log = app.log.child({ component: 'resync' });
    const announced = new Counter({
      name: 'tandem_resync_announcements_total',
      help: 'room:heads announcements sent to a room, by reason (fanout_restored, periodic)',
      labelNames: ['reason'] as const,
      registers: [app.metrics.registry],
    });
    const activeRooms = (): RoomRef[] => {
      const out: RoomRef[] = [];
      for (const name of io.of('/').adapter.rooms.keys()) {
        const ref = parsePageRoom(name);
        if (ref) out.push(ref);
      }
      return out;
    };
    const resync = createResync({
      activeRooms,
      readHeads: (ids) => readHeads(app.db, ids),
      announce: (room, heads) => {
        const name = roomNames.page(room.tenantId, room.roomId);
        // Ops still held for coalescing go first: heads ahead of them would send clients fetching.
        app.realtime.flushRoom(name);
        io.local.to(name).emit('room:heads', { roomId: room.roomId, ...heads });
      },
    });
    app.decorate('resync', resync);

    const run = (all: boolean, reason: 'fanout_restored' | 'periodic') =>
      resync.announce(all).then(
        (n) => n > 0 && announced.inc({ reason }, n),
        (err: Error) => log.warn({ err: err.message, reason }, 'could not announce room heads; next interval tries again'),
      );
    // Shortly after the adapter is back, so its resubscription has gone out before we read the heads.
    app.realtime.onFanoutRestored(() => void setTimeout(() => void run(true, 'fanout_restored'), 200).unref());
    const timer = setInterval(() => void run(false, 'periodic'), app.config.resyncIntervalMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'resync', dependencies: ['core', 'realtime'] },
);
