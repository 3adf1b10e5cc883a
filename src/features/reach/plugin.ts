import fp from 'fastify-plugin';
import { createReach, type Reach } from './service.js';
import { createReachStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    reach: Reach;
  }
}

export default fp(
  async function reachPlugin(app) {
    const { collab, reach: cfg } = app.config;
    const realClock = () => Date.now();
    const reach = createReach({
      db: app.db,
      store: createReachStore(app.db),
      events: app.events,
      presence: () => app.presence,
      hostOrigins: (tenantId) => app.rooms.hostOrigins(tenantId),
      displayName: async (tenantId, userId) => (await app.directory.get(tenantId, userId))?.displayName ?? null,
      clock: app.seams.reachClock?.(realClock) ?? realClock,
      digestWindowMs: cfg.digestWindowMs,
      dndRecheckMs: cfg.dndRecheckMs,
      retrySchedule: cfg.retrySchedule,
      timeoutMs: cfg.timeoutMs,
      allowPrivateNetworks: collab.webhookAllowPrivateNetworks,
      log: app.log.child({ component: 'reach' }),
    });
    app.decorate('reach', reach);
    // Outbox rows commit with the notification; tabs pop only kinds the user wants in-app.
    app.notifications.onCreated((q, row) => reach.enqueue(q, row));
    app.notifications.setInAppFilter((tenantId, userId, type) => reach.wantsInApp(tenantId, userId, type));
    app.presence.onStatusChange((tenantId, userId, status) =>
      reach.statusChanged(tenantId, userId, status).catch((err) => app.log.error({ err }, 'releasing deliveries held by do-not-disturb failed')),
    );
    app.addHook('preClose', () => reach.close());
  },
  { name: 'reach', dependencies: ['core', 'events', 'rooms', 'presence', 'notifications'] },
);
