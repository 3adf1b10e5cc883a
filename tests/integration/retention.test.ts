// Issue 15: field-op retention compacts old ops into snapshots without breaking a client that
// reconnects from an old version: it gets the snapshot, never a transform over a partial history.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { Editor, joinForm, storedText } from './fields.harness.js';

const fields = [{ name: 'notes', kind: 'textarea', value: '' }];

describe.skipIf(!hasPg)('field-op retention (FIELD_OP_RETENTION_SECONDS)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  // Snapshots every 20 ops; the sweep is run by hand below.
  const start = () => startTandem({ databaseUrl: db.url, env: { FIELD_SNAPSHOT_INTERVAL: '20', FIELD_OP_RETENTION_SECONDS: '86400' } });
  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await start();
    tenant = await createTenant(srv.app, uniqueId('rt'));
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('prunes old ops the snapshot holds; an old client catches up from the snapshot and edits on', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const sa = await connect(srv.url, await tenant.token('alice'));
    const ja = await joinForm(sa, url, fields);
    const roomId = ja.roomId;
    const alice = new Editor(sa, roomId, 'notes', { text: '', version: ja.document.fields.notes!.version });
    let sb: Socket = await connect(srv.url, await tenant.token('bob'));
    await joinForm(sb, url, fields);
    const bob = new Editor(sb, roomId, 'notes', { text: '', version: 0 });
    for (let i = 0; i < 5; i++) {
      alice.edit([`<a${i}>`]);
      await alice.settle();
    }
    await bob.settle();
    await bob.fetchMissing();
    expect(bob.client.version).toBe(5);
    sb.close(); // Bob goes away at version 5

    for (let i = 5; i < 55; i++) {
      alice.edit([`<a${i}>`]);
      await alice.settle();
    }
    const before = await storedText(srv, roomId, 'notes');
    expect(before.version).toBe(55);

    // Nothing is old yet: the sweep keeps everything.
    expect(await srv.app.fieldRetention.sweep()).toBe(0);
    // The ops age past the retention (their timestamps moved back a hundred days).
    await srv.app.db.query(`UPDATE field_ops SET created_at = now() - interval '100 days' WHERE room_id = $1`, [roomId]);
    const pruned = await srv.app.fieldRetention.sweep();
    expect(pruned).toBeGreaterThanOrEqual(40);
    const { rows } = await srv.app.db.query<{ min: number; n: number }>(`SELECT min(version) AS min, count(*)::int AS n FROM field_ops WHERE room_id = $1`, [roomId]);
    expect(rows[0]!.min).toBeGreaterThan(5);
    expect(rows[0]!.n).toBe(55 - pruned);
    // Compacted, not lost: the text rebuilds the same from snapshot + kept ops.
    expect(await storedText(srv, roomId, 'notes')).toEqual(before);

    // A restart: nothing of the field is in memory any more, only what the database kept.
    sa.close();
    await srv.close();
    srv = await start();
    const sa2 = await connect(srv.url, await tenant.token('alice'));
    await joinForm(sa2, url, fields);
    await alice.resume(sa2);
    // Bob reconnects from version 5, older than what is kept: he gets the current text.
    sb = await connect(srv.url, await tenant.token('bob'));
    await joinForm(sb, url, fields);
    await bob.resume(sb);
    expect(bob.client.version).toBe(55);
    expect(bob.text).toBe(before.text);
    bob.edit(['<bob>']);
    await bob.settle();
    await alice.settle();
    await alice.fetchMissing();
    expect(alice.text).toBe(bob.text);
    expect(alice.text.startsWith('<bob>')).toBe(true);
    expect(bob.errors).toEqual([]);

    // Raw clients from a pruned base: refused as out of date, never transformed over a gap.
    const op = await request(sb, 'field:op', { roomId, field: 'notes', baseVersion: 3, op: ['x'], clientId: 'stale-client-1', seq: 1 });
    expect(op.ok).toBe(false);
    expect(op.error.code).toBe('version_conflict');
    const fetched = await request(sb, 'field:fetch', { roomId, field: 'notes', since: 3, snapshotOk: false });
    expect(fetched.ok).toBe(false);
    expect(fetched.error.code).toBe('version_conflict');
    const snap = await request(sb, 'field:fetch', { roomId, field: 'notes', since: 3 });
    expect(snap.snapshot).toEqual({ value: alice.text, version: 56 });
    sa2.close();
    sb.close();
  }, 90_000);
});
