/**
 * Deliberately broken variants of Tandem's ports, for the tests of the tests (a check must be
 * shown to fail against a server that breaks what it guards). They live here, never in src:
 * the app takes them through `buildApp(config, { seams })` at build time.
 */
import { randomUUID } from 'node:crypto';
import type { Seams } from '../../src/app.js';
import type { Database } from '../../src/db/client.js';
import { fieldKey } from '../../src/features/fields/op-log.js';
import type { Fields } from '../../src/features/fields/service.js';
import type { FieldStore } from '../../src/features/fields/store.js';
import type { Broadcast } from '../../src/ports/broadcast.js';

/**
 * Acks before committing: every batch "wins" at once and is written `delayMs` later, in order,
 * in its own transaction. A crash inside that window loses ops clients were told are durable.
 */
export function ackBeforeCommit(delayMs: number): Seams['fieldStore'] {
  return (real: FieldStore, db: Database): FieldStore => {
    let chain: Promise<unknown> = Promise.resolve();
    return {
      ...real,
      async commitBatch(_tx, heads, ops) {
        const due = Date.now() + delayMs;
        chain = chain
          .then(() => new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()))))
          .then(() => db.transaction((tx) => real.commitBatch(tx, heads, ops)))
          .catch(() => undefined);
        return new Set(heads.map((h) => fieldKey(h.roomId, h.field)));
      },
    };
  };
}

/** Strips the suffix noDedup adds, so clients see their own ids (and notice their op committed twice). */
const realId = (id: string) => id.replace(/~[0-9a-f]{8}$/, '');
const stripOps = <T extends { ops?: unknown }>(p: T): T =>
  Array.isArray(p.ops) ? { ...p, ops: p.ops.map((o: { clientId?: string }) => (o.clientId ? { ...o, clientId: realId(o.clientId) } : o)) } : p;

/** Applies resends again: every text op is stored under a fresh client id, so no deduplication can see it. */
export const noDedup: Seams = {
  fields: (real: Fields): Fields => ({
    ...real,
    submitOp: (c, m) => real.submitOp(c, { ...m, clientId: `${m.clientId}~${randomUUID().slice(0, 8)}` }),
    fetchOps: async (c, m) => stripOps(await real.fetchOps(c, m)),
  }),
  broadcast: (real: Broadcast): Broadcast => ({
    ...real,
    toRoom: (tenantId, roomId, event, payload) => real.toRoom(tenantId, roomId, event, event === 'field:ops' ? stripOps(payload as { ops?: unknown }) : payload),
  }),
};
