import fp from 'fastify-plugin';
import { createNotifications, type Notifications } from './service.js';
import { notificationHandlers } from './socket.js';
import { createNotificationStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: Notifications;
  }
}

export default fp(
  async function notificationsPlugin(app) {
    const notifications = createNotifications({
      db: app.db,
      store: createNotificationStore(app.db),
      events: app.events,
      broadcast: app.realtime.broadcast,
      presence: () => app.presence,
      log: app.log.child({ component: 'notifications' }),
    });
    app.decorate('notifications', notifications);
    app.realtime.handle(...notificationHandlers(notifications));
    // Leaving do-not-disturb surfaces what was held (presence calls this once per change, cluster-wide).
    app.presence.onStatusChange((tenantId, userId, status) =>
      notifications.statusChanged(tenantId, userId, status).catch((err) => app.log.error({ err }, 'releasing held notifications failed')),
    );
    app.addHook('preClose', () => notifications.close());
  },
  { name: 'notifications', dependencies: ['core', 'realtime', 'events', 'presence'] },
);
