import fp from 'fastify-plugin';
import { createWebhooks, type Webhooks } from './service.js';
import { createWebhookStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: Webhooks;
  }
}

export default fp(
  async function webhooksPlugin(app) {
    const { collab } = app.config;
    const webhooks = createWebhooks({
      store: createWebhookStore(app.db),
      events: app.events,
      retrySchedule: collab.webhookRetrySchedule,
      timeoutMs: collab.webhookTimeoutMs,
      allowPrivateNetworks: collab.webhookAllowPrivateNetworks,
      log: app.log.child({ component: 'webhooks' }),
    });
    app.decorate('webhooks', webhooks);
    app.addHook('preClose', () => webhooks.close());
  },
  { name: 'webhooks', dependencies: ['core', 'events'] },
);
