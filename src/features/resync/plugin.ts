import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { createResync, type Resync } from './service.js';
import { readHeads } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    resync: Resync;
  }
}

/** `room:heads` to every room with connections here: after fan-out comes back, and every RESYNC_INTERVAL_MS for rooms that moved. */
export default fp(
  async function resyncPlugin(app) {
    const { local } = app.realtime;
    const log = app.log.child({ component: 'resync' });
    const announced = new Counter({
      name: 'tandem_resync_announcements_total',
      help: 'room:heads announcements sent to a room, by reason (fanout_restored, periodic)',
      labelNames: ['reason'] as const,
      registers: [app.metrics.registry],
    });
    const resync = createResync({
      activeRooms: () => local.pageRooms(),
      readHeads: (ids) => readHeads(app.db, ids),
      // sendLocal sends what the room holds for coalescing first: heads ahead of held ops would send clients fetching.
      announce: (room, heads) => local.sendLocal(room.tenantId, room.roomId, 'room:heads', { roomId: room.roomId, ...heads }),
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
