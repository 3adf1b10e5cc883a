// Invariant 3: two instances accept ops for the same field at the same time; Postgres decides.
// Versions end gap-free and unique, every acked op is stored once at its acked version, and
// the losing instance re-transformed its ops rather than failing them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { joinForm, raceOnField } from './fields.harness.js';

describe.skipIf(!hasPg)('two instances racing on one field (Postgres)', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    a = await startTandem({ databaseUrl: db.url });
    b = await startTandem({ databaseUrl: db.url });
    tenant = await createTenant(a.app, uniqueId());
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await drop?.();
  });

  it('versions are gap-free and unique, each acked op stored exactly once', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const fields = [{ name: 'notes', kind: 'textarea', value: '' }];
    const sockets = await Promise.all(Array.from({ length: 8 }, async (_, i) => connect((i % 2 ? b : a).url, await tenant.token(`u${i}`))));
    let roomId = '';
    for (const s of sockets) roomId = (await joinForm(s, url, fields)).roomId;
    expect(await raceOnField(a, sockets, roomId, 'notes', 25)).toEqual([]);
    // The race really happened: some batches lost the compare-and-set and were retried.
    expect(a.app.fields.opLog.stats.lostRaces + b.app.fields.opLog.stats.lostRaces).toBeGreaterThan(0);
    for (const s of sockets) s.close();
  });

  it('the database itself refuses a duplicate version or (clientId, seq)', async () => {
    const { roomId } = await joinForm(await connect(a.url, await tenant.token('x')), `/admin/shop/order/${uniqueId()}/change/`, [{ name: 'notes', kind: 'textarea', value: '' }]);
    const insert = (version: number, clientId: string, seq: number) =>
      a.app.db.query(`INSERT INTO field_ops (tenant_id, room_id, field, version, kind, op, client_id, seq, actor) VALUES ($1, $2, 'notes', $3, 'text', '["x"]', $4, $5, 'user:x')`, [
        tenant.tenant.id,
        roomId,
        version,
        clientId,
        seq,
      ]);
    await insert(1, 'c1aaaaaaaa', 1);
    await expect(insert(1, 'c2aaaaaaaa', 1)).rejects.toThrow(/field_ops_version_uq/);
    await expect(insert(2, 'c1aaaaaaaa', 1)).rejects.toThrow(/field_ops_client_seq_uq/);
  });
});
