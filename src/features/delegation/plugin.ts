import fp from 'fastify-plugin';
import { Histogram } from 'prom-client';
import { createRedis } from '../../realtime/redis.js';
import { createAssistance, OFFER_TIMER, type Assistance, type PresenceLookup } from '../assistance/service.js';
import type { PresenceState } from '../assistance/routing.js';
import { createSuggestions, type Suggestions } from '../suggestions/service.js';
import { createLockCache } from './locks.js';
import { createDelegations, type Delegations, EXPIRE_TIMER } from './service.js';
import { workHandlers } from './socket.js';

declare module 'fastify' {
  interface FastifyInstance {
    delegations: Delegations;
    assistance: Assistance;
    suggestions: Suggestions;
  }
}

/**
 * Work items: form delegation (with server-enforced field rights) and assistance requests
 * (routing, offers, escalation), plus participant suggestions. Durable timers drive
 * delegation expiry and offer timeouts.
 */
export default fp(
  async function workPlugin(app) {
    const log = app.log.child({ component: 'work' });
    const io = () => app.realtime.io;

    const presence: PresenceLookup = {
      // The candidates' statuses as presence last announced them to the tenant (what everyone sees,
      // offline included), read in one batch: O(candidates), whatever the number of connections.
      async statuses(tenantId, userIds) {
        if (userIds.length === 0) return new Map();
        const states = await app.presence.live.getUsers(tenantId, [...userIds]);
        return new Map(userIds.map((id) => [id, (states.get(id)?.announced ?? 'offline') as PresenceState]));
      },
    };

    const pub = app.config.redisUrl ? createRedis(app.config.redisUrl, log, 'work-pub') : null;
    const sub = app.config.redisUrl ? createRedis(app.config.redisUrl, log, 'work-sub') : null;
    const locks = createLockCache({ db: app.db, ttlMs: 60_000, instanceId: app.realtime.instanceId, log, pub, sub });

    const deps = { db: app.db, rooms: app.rooms, io, timers: app.timers, events: app.events, notifications: app.notifications, config: app.config.work, log };
    const delegations = createDelegations({ ...deps, directory: app.directory, locks });
    const decisions = new Histogram({
      name: 'tandem_routing_decision_seconds',
      help: 'Time to pick the next helper for an assistance request (inputs gathered + policy)',
      // Fine steps up to 5 ms: the routing target is p99 under 5 ms and a bench reads it from here.
      buckets: [0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.0045, 0.005, 0.006, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [app.metrics.registry],
    });
    const assistance = createAssistance({ ...deps, presence, observeDecision: (s) => decisions.observe(s) });
    const suggestions = createSuggestions({
      db: app.db,
      directory: app.directory,
      // Everyone in the directory is ranked: one call for the tenant's online users is cheaper.
      presence: {
        async statuses(tenantId) {
          return new Map((await app.presence.online(tenantId)).map((u) => [u.userId, u.status as PresenceState]));
        },
      },
      helperRole: app.config.work.helperRole,
      visitors: async (tenantId, roomId) =>
        (await app.presence.visits.list(tenantId, { roomId }, 200)).map((v) => ({ userId: v.userId, at: new Date(v.endedAt ?? v.startedAt).getTime() })),
    });
    app.decorate('delegations', delegations);
    app.decorate('assistance', assistance);
    app.decorate('suggestions', suggestions);

    app.rooms.guardFieldWrites((w) => delegations.guard(w));
    app.rooms.onJoin('work', async ({ user, room }) => ({
      delegations: await delegations.openInRoom(user.tenantId, room.id),
      approverRole: app.config.work.approverRole,
    }));
    app.realtime.handle(...workHandlers(app.rooms, delegations, assistance, suggestions));
    app.realtime.onConnection((socket) => assistance.userSeen(socket.data.user));

    app.timers.register(EXPIRE_TIMER, async (t, tx) => {
      if (!t.tenantId) return;
      const { after } = await delegations.transitionIn(tx, t.tenantId, t.key, 'expire', { type: 'system', id: 'expiry-timer' }, { at: Math.max(Date.now(), t.dueAt.getTime()) }).catch((err) => {
        // Already finished (approved, cancelled…): nothing to expire.
        if ((err as { code?: string }).code === 'invalid_transition') return { after: undefined };
        throw err;
      });
      return after;
    });
    app.timers.register(OFFER_TIMER, (t, tx) => assistance.offerTimedOut(t, tx));

    app.addHook('onClose', async () => {
      await Promise.allSettled([pub?.quit(), sub?.quit()]);
    });
  },
  { name: 'work', dependencies: ['core', 'realtime', 'rooms', 'timers', 'events', 'notifications', 'presence'] },
);
