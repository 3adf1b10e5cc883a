import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { createFields, type Fields } from './service.js';
import { fieldHandlers } from './socket.js';
import { startRetention } from './retention.js';
import { createFieldStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    fields: Fields;
    fieldRetention: ReturnType<typeof startRetention>;
  }
}

export default fp(
  async function fieldsPlugin(app) {
    const { seams } = app;
    const store = createFieldStore(app.db);
    const built = createFields({
      db: app.db,
      store: seams.fieldStore?.(store, app.db) ?? store,
      rooms: app.rooms,
      broadcast: app.realtime.broadcast,
      config: app.config.fields,
      log: app.log.child({ component: 'fields' }),
      publish: (q, e) => app.events.publish(q, e),
      peers: app.realtime.peers,
    });
    const fields = seams.fields?.(built) ?? built;
    app.decorate('fields', fields);
    const retention = startRetention({
      retentionSeconds: app.config.fields.opRetentionSeconds,
      sweepMs: app.config.fields.opRetentionSweepMs,
      prune: (cutoff, limit) => store.pruneOps(app.db, cutoff, limit),
      log: app.log.child({ component: 'retention' }),
    });
    app.decorate('fieldRetention', retention);
    app.addHook('onClose', () => retention.stop());
    const { stats } = fields.opLog;
    new Counter({
      name: 'tandem_oplog_ops_total',
      help: 'Text ops committed by the op log (group commit)',
      registers: [app.metrics.registry],
      collect() {
        this.reset();
        this.inc(stats.ops);
      },
    });
    new Counter({
      name: 'tandem_oplog_transactions_total',
      help: 'Op-log transactions committed (each carries a batch of ops from many rooms)',
      registers: [app.metrics.registry],
      collect() {
        this.reset();
        this.inc(stats.batches);
      },
    });
    new Counter({
      name: 'tandem_oplog_commit_seconds_total',
      help: 'Time spent committing op-log batches (transaction, acks and broadcast)',
      registers: [app.metrics.registry],
      collect() {
        this.reset();
        this.inc(stats.commitMs / 1000);
      },
    });
    new Counter({
      name: 'tandem_oplog_lost_races_total',
      help: 'Fields whose batch lost the compare-and-set to another instance and were retried',
      registers: [app.metrics.registry],
      collect() {
        this.reset();
        this.inc(stats.lostRaces);
      },
    });
    app.realtime.handle(...fieldHandlers(fields, app.rooms));
    app.rooms.onJoin('document', (ctx) => fields.onJoin(ctx));
    // After the gateway drained in-flight messages (preClose), let the last batch commit.
    app.addHook('onClose', () => fields.close());
  },
  { name: 'fields', dependencies: ['core', 'realtime', 'rooms', 'events'] },
);
