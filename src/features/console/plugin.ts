import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import { createConsole } from './service.js';
import { createConsoleStore } from './store.js';
import { createInstances } from './instances.js';
import consoleRoutes from './routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    console: ReturnType<typeof createConsole>;
  }
}

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The operator console at /admin/ (page: public/admin/, data: /admin/api, behind OPS_TOKEN). */
export default fp(
  async function consolePlugin(app) {
    const startedAt = new Date().toISOString();
    const instances = createInstances({
      redis: app.redis,
      beatMs: 5_000,
      self: async () => ({
        id: app.realtime.instanceId,
        startedAt,
        version,
        sockets: app.realtime.local.count(),
        database: await app.db.ping().then(() => true, () => false),
        redis: app.redis ? app.redis.status === 'ready' : null,
        fanout: app.realtime.fanoutUp,
      }),
    });
    app.decorate('console', createConsole({ store: createConsoleStore(app.db), online: (t) => app.presence.online(t), instances: () => instances.list(), now: Date.now }));
    instances.start();
    app.addHook('preClose', () => instances.stop(app.realtime.instanceId));
    app.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.redirect('/admin/'));
    await app.register(consoleRoutes);
  },
  { name: 'console', dependencies: ['core', 'realtime', 'presence', 'webhooks'] },
);
