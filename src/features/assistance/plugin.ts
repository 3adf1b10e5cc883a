import fp from 'fastify-plugin';
import { Histogram } from 'prom-client';
import type { PresenceLookup } from '../presence/api.js';
import { createAssistance, OFFER_TIMER, type Assistance } from './service.js';
import { assistanceHandlers } from './socket.js';

declare module 'fastify' {
  interface FastifyInstance {
    assistance: Assistance;
  }
}

/** Assistance requests: routing to a helper, offers, escalation (a durable timer per offer). */
export default fp(
  async function assistancePlugin(app) {
    const presence: PresenceLookup = {
      // The candidates' statuses as presence last announced them to the tenant (what everyone sees,
      // offline included), read in one batch: O(candidates), whatever the number of connections.
      async statuses(tenantId, userIds) {
        if (userIds.length === 0) return new Map();
        const states = await app.presence.live.getUsers(tenantId, [...userIds]);
        return new Map(userIds.map((id) => [id, states.get(id)?.announced ?? 'offline']));
      },
    };
    const decisions = new Histogram({
      name: 'tandem_routing_decision_seconds',
      help: 'Time to pick the next helper for an assistance request (inputs gathered + policy)',
      // Fine steps up to 5 ms: the routing target is p99 under 5 ms and a bench reads it from here.
      buckets: [0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.0045, 0.005, 0.006, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [app.metrics.registry],
    });
    const assistance = createAssistance({
      db: app.db,
      rooms: app.rooms,
      broadcast: app.realtime.broadcast,
      timers: app.timers,
      events: app.events,
      notifications: app.notifications,
      config: app.config.work,
      log: app.log.child({ component: 'assistance' }),
      presence,
      observeDecision: (s) => decisions.observe(s),
    });
    app.decorate('assistance', assistance);
    app.realtime.handle(...assistanceHandlers(assistance));
    app.realtime.onConnection((socket) => assistance.userSeen(socket.data.user));
    app.timers.register(OFFER_TIMER, (t, tx) => assistance.offerTimedOut(t, tx));
  },
  { name: 'assistance', dependencies: ['core', 'realtime', 'rooms', 'timers', 'events', 'notifications', 'presence'] },
);
