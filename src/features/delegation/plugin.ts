import fp from 'fastify-plugin';
import { systemCaller } from '../../ports/caller.js';
import { createRedis } from '../../realtime/redis.js';
import { createLockCache } from './locks.js';
import { createDelegations, type Delegations, EXPIRE_TIMER } from './service.js';
import { delegationHandlers } from './socket.js';

declare module 'fastify' {
  interface FastifyInstance {
    delegations: Delegations;
  }
}

/** Form delegation, with server-enforced field rights; a durable timer drives expiry. */
export default fp(
  async function delegationPlugin(app) {
    const log = app.log.child({ component: 'delegation' });
    const pub = app.config.redisUrl ? createRedis(app.config.redisUrl, log, 'work-pub') : null;
    const sub = app.config.redisUrl ? createRedis(app.config.redisUrl, log, 'work-sub') : null;
    const locks = createLockCache({ db: app.db, ttlMs: 60_000, instanceId: app.realtime.instanceId, log, pub, sub });
    const delegations = createDelegations({
      db: app.db,
      rooms: app.rooms,
      broadcast: app.realtime.broadcast,
      timers: app.timers,
      events: app.events,
      notifications: app.notifications,
      config: app.config.work,
      log,
      directory: app.directory,
      locks,
    });
    app.decorate('delegations', delegations);

    app.rooms.guardFieldWrites((w) => delegations.guard(w));
    app.rooms.onJoin('work', async ({ caller }) => ({
      delegations: await delegations.openInRoom(caller),
      approverRole: app.config.work.approverRole,
    }));
    app.realtime.handle(...delegationHandlers(delegations));

    app.timers.register(EXPIRE_TIMER, async (t, tx) => {
      if (!t.tenantId) return;
      const expiry = systemCaller(t.tenantId, 'expiry-timer');
      const { after } = await delegations.transitionIn(tx, expiry, t.key, 'expire', { at: Math.max(Date.now(), t.dueAt.getTime()) }).catch((err) => {
        // Already finished (approved, cancelled…): nothing to expire.
        if ((err as { code?: string }).code === 'invalid_transition') return { after: undefined };
        throw err;
      });
      return after;
    });

    app.addHook('onClose', async () => {
      await Promise.allSettled([pub?.quit(), sub?.quit()]);
    });
  },
  { name: 'delegation', dependencies: ['core', 'realtime', 'rooms', 'timers', 'events', 'notifications'] },
);
