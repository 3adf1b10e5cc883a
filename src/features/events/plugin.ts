import fp from 'fastify-plugin';
import { createEvents, type Events } from './service.js';
import { createLoop } from '../../loop.js';
import { createWaker } from './wake.js';

declare module 'fastify' {
  interface FastifyInstance {
    events: Events;
  }
}

export default fp(
  async function eventsPlugin(app) {
    const { collab } = app.config;
    const log = app.log.child({ component: 'events' });
    const waker = createWaker({
      db: app.db,
      databaseUrl: app.db.kind === 'postgres' ? app.config.databaseUrl : undefined,
      pollMs: collab.eventsPollMs,
      log,
    });
    const events = createEvents(app.db, waker, { retentionSeconds: collab.streamRetentionSeconds, log });
    app.decorate('events', events);

    // Retention: an hourly-ish sweep; any instance may run it, deletes are idempotent.
    let lastPrune = 0;
    const pruner = createLoop(
      async () => {
        if (Date.now() - lastPrune < 60_000) return false;
        lastPrune = Date.now();
        return (await events.prune()) >= 1000;
      },
      log,
      'prune',
    );
    const off = waker.subscribe((t) => t === null && pruner.wake());
    app.addHook('onClose', async () => {
      off();
      await pruner.stop();
      await waker.close();
    });
  },
  { name: 'events', dependencies: ['core'] },
);
