import fp from 'fastify-plugin';
import { createTimers, type Timers } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    timers: Timers;
  }
}

/** Durable timers: features register a handler per kind while the app is built; sweeping starts once it is ready. */
export default fp(
  async function timersPlugin(app) {
    const timers = createTimers({
      db: app.db,
      log: app.log.child({ component: 'timers' }),
      instanceId: app.realtime.instanceId,
      sweepMs: app.config.work.timerSweepMs,
    });
    app.decorate('timers', timers);
    app.addHook('onReady', async () => timers.start());
    // preClose: before the database (core's onClose) goes away.
    app.addHook('preClose', async () => timers.stop());
  },
  { name: 'timers', dependencies: ['core', 'realtime'] },
);
