import fp from 'fastify-plugin';
import { createSendLimit } from '../../auth/send-limit.js';
import { userCaller } from '../../ports/caller.js';
import { createCalls, RING_TIMER, type Calls } from './service.js';
import { callHandlers } from './socket.js';
import { createCallStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    calls: Calls;
  }
}

/** Calls (audio, video, screen sharing) over WebRTC, signalled through the Socket.IO connection. */
export default fp(
  async function callsPlugin(app) {
    const cfg = app.config.calls;
    const prefix = app.config.limits.keyPrefix;
    const signalLimit = createSendLimit(app.redis, { burst: cfg.signalBurst, perSecond: cfg.signalPerSecond }, prefix);
    const ringLimit = createSendLimit(app.redis, { burst: Math.max(1, Math.ceil(cfg.ringsPerMinute / 2)), perSecond: cfg.ringsPerMinute / 60 }, prefix);
    app.addHook('onClose', async () => (signalLimit.close(), ringLimit.close()));
    const live = app.presence.live;
    const log = app.log.child({ component: 'calls' });
    const calls = createCalls({
      db: app.db,
      store: createCallStore(),
      events: app.events,
      timers: app.timers,
      broadcast: app.realtime.broadcast,
      people: {
        // The people connected to the page now (a dropped tab in its grace period is not called).
        async inRoom(tenantId, roomId) {
          const conns = (await live.roomConns(tenantId, roomId)).filter((c) => c.disconnectedAt === null);
          return [...new Map(conns.map((c) => [c.userId, { userId: c.userId, name: c.name }])).values()];
        },
        async connections(tenantId, roomId) {
          return new Set((await live.roomConns(tenantId, roomId)).map((c) => c.connId));
        },
        async statuses(tenantId, userIds) {
          if (userIds.length === 0) return new Map();
          const states = await live.getUsers(tenantId, [...userIds]);
          return new Map(userIds.map((id) => [id, states.get(id)?.announced ?? 'offline']));
        },
      },
      help: { get: (tenantId, id) => app.assistance.store.get(app.db, tenantId, id) },
      signalLimit,
      ringLimit,
      config: cfg,
      log,
    });
    app.decorate('calls', calls);
    app.realtime.handle(...callHandlers(calls));
    app.timers.register(RING_TIMER, (t, tx) => calls.ringTimedOut(t, tx));
    // Leaving the page (or the connection dropping, or losing read on it) ends that leg of its call.
    // A failure here must not keep the connection in the room; the leg stays until the call ends.
    app.rooms.onLeave(async (conn, membership) => {
      await calls.connectionLeft(userCaller(conn.user, membership), conn.id, membership.roomId).catch((err) => log.warn({ err, roomId: membership.roomId }, 'could not end the call leg of a connection that left'));
    });
  },
  { name: 'calls', dependencies: ['core', 'realtime', 'rooms', 'timers', 'events', 'presence', 'assistance'] },
);
