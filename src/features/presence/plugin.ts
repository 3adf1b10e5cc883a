import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';
import { connectionOf } from '../../realtime/connection.js';
import { createMemoryLiveStore } from './live.js';
import { createRedisLiveStore } from './live-redis.js';
import type { Participant, UserStatus } from './messages.js';
import { createPresence, type Presence, type StatusListener } from './service.js';
import { presenceHandlers } from './socket.js';
import { createVisitStore } from './store.js';
import type { OnlineUser } from './messages.js';

/** What other features use (stable names). */
export interface PresenceApi {
  getStatus(tenantId: string, userId: string): Promise<UserStatus>;
  /** Called once per change across all instances (the instance that announces it). */
  onStatusChange(fn: StatusListener): void;
  online(tenantId: string): Promise<OnlineUser[]>;
  participants(tenantId: string, roomId: string): Promise<Participant[]>;
}

declare module 'fastify' {
  interface FastifyInstance {
    presence: Presence & PresenceApi;
  }
}

export default fp(
  async function presencePlugin(app) {
    const live = app.redis ? createRedisLiveStore(app.redis) : createMemoryLiveStore();
    const presence = createPresence({
      broadcast: app.realtime.broadcast,
      instanceId: app.realtime.instanceId,
      live,
      visits: createVisitStore(app.db),
      log: app.log.child({ component: 'presence' }),
      config: app.config.presence,
    });
    app.decorate('presence', presence);
    app.realtime.handle(...presenceHandlers(presence));
    // Connections per user, counted across instances in the live store (open ones; those in their
    // reconnect grace do not count). Simultaneous handshakes may overshoot by the few in flight.
    const cap = app.config.limits.connectionsPerUser;
    app.realtime.admit(async (user) => {
      const open = (await live.userConns(user.tenantId, user.userId)).filter((c) => c.disconnectedAt === null).length;
      if (open >= cap) throw new AppError('rate_limited', `A user may have at most ${cap} connections open; close a tab first`);
    });
    app.realtime.onConnection((socket) => presence.connected(connectionOf(socket)));
    app.realtime.onDisconnect((socket) => presence.disconnected(connectionOf(socket)));
    app.rooms.onJoin('presence', (ctx) => presence.joined(ctx), { last: true });
    app.rooms.onLeave((conn, membership, reason) => presence.left(conn, membership.roomId, reason));
    presence.start();
    app.addHook('onClose', async () => {
      await presence.stop();
      await live.close();
    });
  },
  { name: 'presence', dependencies: ['core', 'realtime', 'rooms'] },
);
