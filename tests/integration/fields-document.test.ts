import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { connect, request, waitFor } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { Editor, joinForm, newClientId } from './fields.harness.js';

// The same contract against both stores: the op log's raw SQL must run on Postgres and PGlite.
const stores = [
  { name: 'PGlite', skip: false, pg: false },
  { name: 'Postgres', skip: !hasPg, pg: true },
];

for (const store of stores) {
  describe.skipIf(store.skip)(`form document and op log (${store.name})`, () => {
    let srv: TestServer;
    let tenant: Awaited<ReturnType<typeof createTenant>>;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      let databaseUrl: string | undefined;
      if (store.pg) ({ url: databaseUrl, drop } = await createTestDatabase());
      srv = await startTandem({ databaseUrl, env: { FIELD_MAX_LENGTH: '50', FIELD_SNAPSHOT_INTERVAL: '5', FIELD_CATCHUP_MAX_OPS: '8' } });
      tenant = await createTenant(srv.app, uniqueId());
    });
    afterAll(async () => {
      await srv.close();
      await drop?.();
    });

    const fields = [
      { name: 'notes', kind: 'textarea', value: 'hello' },
      { name: 'status', kind: 'select', value: 'new' },
      { name: 'locked', kind: 'text', value: 'x', readOnly: true },
    ];

    it('seeds from the first joiner, acks after commit, broadcasts with the author, dedupes resends', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }));
      const b = await connect(srv.url, await tenant.token('bob'));
      const ja = await joinForm(a, url, fields);
      expect(ja.document.fields.notes).toMatchObject({ kind: 'textarea', value: 'hello', version: 0 });
      // A later joiner gets the document, not its own page values.
      const jb = await joinForm(b, url, fields.map((f) => (f.name === 'notes' ? { ...f, value: 'stale page' } : f)));
      expect(jb.document.fields.notes!.value).toBe('hello');

      const seen = waitFor(b, 'field:ops');
      const clientId = newClientId();
      const op = { roomId: ja.roomId, field: 'notes', baseVersion: 0, op: [5, ' 😀 world'], clientId, seq: 1 };
      const r1 = await request(a, 'field:op', op);
      expect(r1).toEqual({ ok: true, version: 1 });
      const msg = await seen;
      expect(msg.ops[0]).toMatchObject({ field: 'notes', version: 1, op: [5, ' 😀 world'], clientId, seq: 1, by: { id: 'user:alice', name: 'Alice' } });
      // Resend: original version, nothing changes.
      expect(await request(a, 'field:op', op)).toEqual({ ok: true, version: 1 });
      const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_ops WHERE room_id = $1`, [ja.roomId]);
      expect(rows[0]!.n).toBe(1);
      // A concurrent op based on version 0 is transformed over version 1.
      const r2 = await request(b, 'field:op', { roomId: ja.roomId, field: 'notes', baseVersion: 0, op: ['>'], clientId: newClientId(), seq: 1 });
      expect(r2).toEqual({ ok: true, version: 2 });
      const fetched = await request(b, 'field:fetch', { roomId: ja.roomId, field: 'notes', since: 0 });
      expect(fetched.ops.map((o: { version: number }) => o.version)).toEqual([1, 2]);
      const cur = await srv.app.fields.opLog.current(tenant.tenant.id, ja.roomId, 'notes');
      expect(cur).toEqual({ text: '>hello 😀 world', version: 2 });
      a.close();
      b.close();
    });

    // Drizzle's jsonb parses a string value again: "12.50" came back as 12.5, "true" as true, so the
    // page was told a value other than the one it wrote (the overlay then refused the Save).
    it('values that look like JSON stay the strings they were, in the answer, the conflict and the saved state', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const looks = ['12.50', 'true', 'null', '"quoted"', '[1]', '{"a":1}'];
      const page = [
        { name: 'qty', kind: 'number', value: '12.50' },
        { name: 'flag', kind: 'select', value: 'true' },
        { name: 'ref', kind: 'text', value: '007' },
      ];
      const a = await connect(srv.url, await tenant.token('alice'));
      const b = await connect(srv.url, await tenant.token('bob'));
      const ja = await joinForm(a, url, page);
      expect(Object.fromEntries(Object.entries(ja.document.fields).map(([k, f]) => [k, (f as { value: unknown }).value]))).toEqual({ qty: '12.50', flag: 'true', ref: '007' });
      let version = 0;
      for (const [i, v] of looks.entries()) {
        const r = await request(a, 'field:set', { roomId: ja.roomId, field: 'flag', baseVersion: version, value: v, clientId: newClientId(), seq: i + 1 });
        expect(r).toMatchObject({ ok: true });
        version = r.version;
        const jb = await joinForm(b, url, page);
        expect(jb.document.fields.flag!.value).toBe(v);
      }
      // A stale write: both sides of the conflict keep their strings.
      const stale = await request(b, 'field:set', { roomId: ja.roomId, field: 'flag', baseVersion: 0, value: '1e3', clientId: newClientId(), seq: 1 });
      expect(stale).toMatchObject({ ok: false, error: { code: 'version_conflict', details: { current: { value: '{"a":1}' } } } });
      expect(await request(a, 'form:saved', { roomId: ja.roomId })).toMatchObject({ ok: true });
      const again = await joinForm(b, url, page);
      expect(again.document.fields.qty!.value).toBe('12.50');
      expect(again.document.fields.ref!.value).toBe('007');
      a.close();
      b.close();
    });

    it('refuses invalid ops with a clear error and changes nothing', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice'));
      const reader = await connect(srv.url, await tenant.token('erin', { perms: { '*': ['read'] } }));
      const { roomId } = await joinForm(a, url, fields);
      await joinForm(reader, url, fields);
      const base = { roomId, field: 'notes', baseVersion: 0, clientId: newClientId() };
      const cases: Array<[unknown, string, typeof a]> = [
        [{ ...base, op: 'insert x', seq: 1 }, 'validation_failed', a],
        [{ ...base, op: [{ i: 'x' }], seq: 2 }, 'validation_failed', a],
        [{ ...base, op: [3, 4, 'x'], seq: 3 }, 'validation_failed', a], // adjacent skips: not normalized
        [{ ...base, op: [99, 'x'], seq: 4 }, 'validation_failed', a], // beyond the text length
        [{ ...base, op: [2, { d: 10 }], seq: 5 }, 'validation_failed', a], // deletes past the end
        [{ ...base, op: ['y'.repeat(60)], seq: 6 }, 'validation_failed', a], // over FIELD_MAX_LENGTH=50
        [{ ...base, op: ['\ud83d'], seq: 7 }, 'validation_failed', a], // a lone surrogate
        [{ ...base, baseVersion: 7, op: ['x'], seq: 8 }, 'bad_request', a], // from the future
        [{ ...base, field: 'nope', op: ['x'], seq: 9 }, 'not_found', a],
        [{ ...base, field: 'locked', op: ['x'], seq: 10 }, 'forbidden', a],
        [{ ...base, field: 'status', op: ['x'], seq: 11 }, 'bad_request', a], // not a text field
        [{ ...base, op: ['x'], seq: 12 }, 'forbidden', reader], // no write permission
        [{ ...base, op: ['x'], seq: 13, clientId: 'bad id!' }, 'validation_failed', a],
      ];
      for (const [payload, code, who] of cases) {
        const r = await request(who, 'field:op', payload);
        expect(r, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code } });
        expect(r.error.message.length).toBeGreaterThan(10);
      }
      const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_ops WHERE room_id = $1`, [roomId]);
      expect(rows[0]!.n).toBe(0);
      expect(await srv.app.fields.opLog.current(tenant.tenant.id, roomId, 'notes')).toEqual({ text: 'hello', version: 0 });
      a.close();
      reader.close();
    });

    it('a field guard (delegation) refuses writes through every path', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('mallory'));
      const { roomId } = await joinForm(a, url, fields);
      srv.app.rooms.guardFieldWrites(({ userId }) => {
        if (userId === 'mallory') throw new AppError('forbidden', 'delegated to someone else');
      });
      const r = await request(a, 'field:op', { roomId, field: 'notes', baseVersion: 0, op: ['x'], clientId: newClientId(), seq: 1 });
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'delegated to someone else' } });
      const s = await request(a, 'field:set', { roomId, field: 'status', baseVersion: 0, value: 'x', clientId: newClientId(), seq: 1 });
      expect(s).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_ops WHERE room_id = $1`, [roomId]);
      expect(rows[0]!.n).toBe(0);
      a.close();
    });

    it('a stale write of the value the field already holds is no conflict: acked with the current version, nothing written or broadcast', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }));
      const b = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }));
      const { roomId } = await joinForm(a, url, fields);
      await joinForm(b, url, fields);
      // The first write's broadcast may come after its ack (a busy room's events are coalesced): count from after it.
      const first = waitFor(a, 'field:ops', (m: { ops: Array<{ version: number }> }) => m.ops.some((o) => o.version === 1));
      expect(await request(a, 'field:set', { roomId, field: 'status', baseVersion: 0, value: 'paid', clientId: newClientId(), seq: 1 })).toEqual({ ok: true, version: 1 });
      await first;
      let broadcasts = 0;
      a.on('field:ops', () => broadcasts++);
      const same = await request(b, 'field:set', { roomId, field: 'status', baseVersion: 0, value: 'paid', clientId: newClientId(), seq: 1 });
      expect(same).toEqual({ ok: true, version: 1 });
      const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_conflicts WHERE room_id = $1`, [roomId]);
      expect(rows[0]!.n).toBe(0);
      const head = await srv.app.db.query<{ version: number }>(`SELECT version FROM form_fields WHERE room_id = $1 AND field = 'status'`, [roomId]);
      expect(head.rows[0]!.version).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(broadcasts).toBe(0);
      a.close();
      b.close();
    });

    it('a stale select write is a conflict with the current value and author, stored with its resolution', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }));
      const b = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }));
      const { roomId } = await joinForm(a, url, fields);
      await joinForm(b, url, fields);
      const seen = waitFor(b, 'field:ops');
      expect(await request(a, 'field:set', { roomId, field: 'status', baseVersion: 0, value: 'paid', clientId: newClientId(), seq: 1 })).toEqual({ ok: true, version: 1 });
      expect((await seen).ops[0]).toMatchObject({ field: 'status', kind: 'set', value: 'paid', version: 1 });
      const bobId = newClientId();
      const stale = await request(b, 'field:set', { roomId, field: 'status', baseVersion: 0, value: 'cancelled', clientId: bobId, seq: 1 });
      expect(stale).toMatchObject({
        ok: false,
        error: { code: 'version_conflict', details: { field: 'status', mine: 'cancelled', current: { value: 'paid', version: 1, by: { id: 'user:alice', name: 'Alice' } } } },
      });
      const head = await srv.app.db.query<{ value: unknown; version: number }>(`SELECT value, version FROM form_fields WHERE room_id = $1 AND field = 'status'`, [roomId]);
      expect(head.rows[0]).toEqual({ value: 'paid', version: 1 }); // never silently overwritten
      // Keep mine: rewritten on the new version.
      const conflictId = stale.error.details.conflictId;
      const kept = await request(b, 'field:resolve', { roomId, conflictId, choice: 'mine', clientId: bobId, seq: 2 });
      expect(kept).toEqual({ ok: true, resolution: 'mine', version: 2 });
      // Take theirs on a second conflict.
      const again = await request(a, 'field:set', { roomId, field: 'status', baseVersion: 1, value: 'shipped', clientId: newClientId(), seq: 1 });
      expect(again.error.code).toBe('version_conflict');
      expect(await request(a, 'field:resolve', { roomId, conflictId: again.error.details.conflictId, choice: 'theirs', clientId: newClientId(), seq: 1 })).toMatchObject({
        ok: true,
        resolution: 'theirs',
      });
      const log = await fetch(`${srv.url}/api/v1/rooms/${roomId}/conflicts`, { headers: { authorization: `Bearer ${tenant.apiKey}` } }).then((r) => r.json());
      expect(log.conflicts).toHaveLength(2);
      expect(log.conflicts.map((c: { resolution: string }) => c.resolution).sort()).toEqual(['mine', 'theirs']);
      const hist = await fetch(`${srv.url}/api/v1/rooms/${roomId}/fields/status/history`, { headers: { authorization: `Bearer ${await tenant.token('carol')}` } }).then((r) =>
        r.json(),
      );
      expect(hist.changes.map((c: { value: string; by: { id: string } }) => [c.value, c.by.id])).toEqual([
        ['cancelled', 'user:bob'],
        ['paid', 'user:alice'],
      ]);
      a.close();
      b.close();
    });

    it('keeps a snapshot every FIELD_SNAPSHOT_INTERVAL ops; a client too far behind gets it, one holding edits gets ops page by page', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice'));
      const { roomId } = await joinForm(a, url, fields);
      const clientId = newClientId();
      const letters = 'abcdefghijkl';
      for (let i = 0; i < letters.length; i++) {
        // One op per ack: each commits alone, so the snapshot lands exactly on the multiples of 5.
        expect(await request(a, 'field:op', { roomId, field: 'notes', baseVersion: i, op: [5 + i, letters[i]], clientId, seq: i + 1 })).toEqual({ ok: true, version: i + 1 });
      }
      const head = await srv.app.db.query<{ value: unknown; value_version: number; version: number }>(
        `SELECT value, value_version, version FROM form_fields WHERE room_id = $1 AND field = 'notes'`,
        [roomId],
      );
      expect(head.rows[0]).toEqual({ value: 'helloabcdefghij', value_version: 10, version: 12 });
      expect(await srv.app.fields.opLog.current(tenant.tenant.id, roomId, 'notes')).toEqual({ text: 'helloabcdefghijkl', version: 12 });

      const fetchOps = (p: object) => request(a, 'field:fetch', { roomId, field: 'notes', ...p });
      // 12 behind > FIELD_CATCHUP_MAX_OPS (8): the current text instead of the history.
      expect(await fetchOps({ since: 0 })).toEqual({ ok: true, version: 12, snapshot: { value: 'helloabcdefghijkl', version: 12 }, ops: [], more: false });
      // Holding unacknowledged edits, a client needs the ops to transform them: pages of at most 8.
      const page1 = await fetchOps({ since: 0, snapshotOk: false });
      expect(page1.ops.map((o: { version: number }) => o.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(page1.more).toBe(true);
      const page2 = await fetchOps({ since: 8, snapshotOk: false });
      expect(page2.ops.map((o: { version: number }) => o.version)).toEqual([9, 10, 11, 12]);
      expect(page2.more).toBe(false);
      // Within reach: the ops, even when a snapshot would be acceptable; `snapshot: true` forces one.
      const near = await fetchOps({ since: 6 });
      expect(near.snapshot).toBeUndefined();
      expect(near.ops.map((o: { op: unknown }) => o.op)).toEqual([[11, 'g'], [12, 'h'], [13, 'i'], [14, 'j'], [15, 'k'], [16, 'l']]);
      expect(await fetchOps({ since: 12, snapshot: true })).toMatchObject({ snapshot: { value: 'helloabcdefghijkl', version: 12 } });
      a.close();
    });

    it('a value conflict resolved by merging writes the merged value on the current version, once', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }));
      const b = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }));
      const tags = [{ name: 'tags', kind: 'checkbox', value: ['gift'] }];
      const { roomId } = await joinForm(a, url, tags);
      await joinForm(b, url, tags);
      expect(await request(a, 'field:set', { roomId, field: 'tags', baseVersion: 0, value: ['gift', 'rush'], clientId: newClientId(), seq: 1 })).toEqual({ ok: true, version: 1 });
      const bobId = newClientId();
      const stale = await request(b, 'field:set', { roomId, field: 'tags', baseVersion: 0, value: ['gift', 'fragile'], clientId: bobId, seq: 1 });
      expect(stale).toMatchObject({ ok: false, error: { code: 'version_conflict', details: { current: { value: ['gift', 'rush'], version: 1 } } } });
      const conflictId = stale.error.details.conflictId;

      // Only the writer who met the conflict may resolve it.
      expect(await request(a, 'field:resolve', { roomId, conflictId, choice: 'merge', value: ['x'], clientId: newClientId(), seq: 2 })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      const seen = waitFor(a, 'field:ops', (m: { ops: Array<{ field: string; version: number }> }) => m.ops.some((o) => o.field === 'tags' && o.version === 2));
      const merged = ['gift', 'rush', 'fragile'];
      expect(await request(b, 'field:resolve', { roomId, conflictId, choice: 'merge', value: merged, clientId: bobId, seq: 2 })).toEqual({ ok: true, resolution: 'merge', version: 2 });
      expect((await seen).ops.find((o) => o.version === 2)).toMatchObject({ field: 'tags', kind: 'set', value: merged, version: 2, by: { id: 'user:bob' } });
      // A repeat answers the first resolution and writes nothing.
      expect(await request(b, 'field:resolve', { roomId, conflictId, choice: 'theirs', clientId: bobId, seq: 3 })).toEqual({ ok: true, resolution: 'merge', version: 2 });
      const head = await srv.app.db.query<{ value: unknown; version: number }>(`SELECT value, version FROM form_fields WHERE room_id = $1 AND field = 'tags'`, [roomId]);
      expect(head.rows[0]).toEqual({ value: merged, version: 2 });
      const log = await fetch(`${srv.url}/api/v1/rooms/${roomId}/conflicts`, { headers: { authorization: `Bearer ${tenant.apiKey}` } }).then((r) => r.json());
      expect(log.conflicts).toEqual([
        expect.objectContaining({ field: 'tags', userId: 'bob', mine: ['gift', 'fragile'], theirs: ['gift', 'rush'], resolution: 'merge', resolvedValue: merged, resolvedVersion: 2 }),
      ]);
      a.close();
      b.close();
    });

    it('a checkbox group (one name, several boxes) joins with its checked values and is written as a list', async () => {
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const a = await connect(srv.url, await tenant.token('alice'));
      const j = await joinForm(a, url, [{ name: 'tags', kind: 'checkbox', value: ['gift', 'rush'] }]);
      expect(j.document.fields.tags).toMatchObject({ kind: 'checkbox', value: ['gift', 'rush'], version: 0 });
      const w = await request(a, 'field:set', { roomId: j.roomId, field: 'tags', baseVersion: 0, value: ['gift'], clientId: newClientId(), seq: 1 });
      expect(w).toEqual({ ok: true, version: 1 });
      const bad = await request(a, 'field:set', { roomId: j.roomId, field: 'tags', baseVersion: 1, value: 'yes', clientId: newClientId(), seq: 1 });
      expect(bad).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      // A base version from the future is a client bug, not a conflict: refused, nothing stored.
      const ahead = await request(a, 'field:set', { roomId: j.roomId, field: 'tags', baseVersion: 7, value: [], clientId: newClientId(), seq: 1 });
      expect(ahead).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_conflicts WHERE room_id = $1`, [j.roomId]);
      expect(rows[0]!.n).toBe(0);
      a.close();
    });

    it('record-changed for a page nobody has open is still published to webhooks and the stream', async () => {
      const key = `shop.order:${uniqueId()}`;
      const res = await fetch(`${srv.url}/api/v1/records/changed`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pageKey: key, values: { status: 'shipped' } }),
      });
      expect(await res.json()).toEqual({ roomId: null, rebased: [] });
      const { rows } = await srv.app.db.query<{ data: { values: unknown } }>(
        `SELECT data FROM events WHERE tenant_id = $1 AND type = 'record.changed' AND page_key = $2`,
        [tenant.tenant.id, key],
      );
      expect(rows.map((r) => r.data.values)).toEqual([{ status: 'shipped' }]);
    });

    it('record-changed over REST re-bases the document; saves are announced; drafts are offered', async () => {
      const key = `shop.order:${uniqueId()}`;
      const url = `/admin/shop/order/${key.split(':')[1]}/change/`;
      const a = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }));
      const { roomId } = await joinForm(a, url, fields);
      const ed = new Editor(a, roomId, 'notes', { text: 'hello', version: 0 });
      ed.edit([5, '!!']);
      await ed.settle();
      const told = waitFor(a, 'form:record-changed');
      const res = await fetch(`${srv.url}/api/v1/records/changed`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pageKey: key, values: { notes: 'saved text', status: 'done' }, savedBy: 'erp' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ roomId, rebased: ['notes', 'status'] });
      expect((await told).values).toEqual({ notes: 'saved text', status: 'done' });
      // The re-base reaches the editor as an ordinary op broadcast, some time after the REST answer.
      await expect.poll(() => ed.text, { timeout: 10_000 }).toBe('saved text');

      // An unsaved edit, then everybody leaves.
      ed.edit(['DRAFT ']);
      await ed.settle();
      a.close();
      await new Promise((r) => setTimeout(r, 100));
      // A joiner whose page shows different saved values is offered the choice.
      const b = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }));
      const jb = await joinForm(b, url, [{ name: 'notes', kind: 'textarea', value: 'newer saved' }, { ...fields[1]!, value: 'done' }, fields[2]!]);
      expect(jb.document.draft).toMatchObject({ fields: ['notes'] });
      expect(jb.document.fields.notes!.value).toBe('DRAFT saved text');
      const r = await request(b, 'form:draft', { roomId, choice: 'saved', values: { notes: 'newer saved', status: 'done' } });
      expect(r).toMatchObject({ ok: true, rebased: ['notes'] });
      expect((await srv.app.fields.opLog.current(tenant.tenant.id, roomId, 'notes')).text).toBe('newer saved');
      // "Bob saved"
      const c = await connect(srv.url, await tenant.token('carol'));
      await joinForm(c, url, fields);
      const notice = waitFor(c, 'form:saved');
      expect(await request(b, 'form:saved', { roomId })).toMatchObject({ ok: true });
      expect(await notice).toMatchObject({ roomId, by: { id: 'bob', name: 'Bob' } });
      b.close();
      c.close();
    });

    // A single-page app that writes the record after the person moved on (react-admin's undoable
    // mode) says so from its next page, by page key, without being in the record's room.
    it('record:saved by page key, from outside the room: announced and re-based for a writer; refused, changing nothing, otherwise', async () => {
      const key = `shop.order:${uniqueId()}`;
      const url = `/admin/shop/order/${key.split(':')[1]}/change/`;
      const bob = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }));
      const { roomId } = await joinForm(bob, url, fields);
      const alice = await connect(srv.url, await tenant.token('alice', { name: 'Alice' }));
      const notice = waitFor(bob, 'form:saved');
      expect(await request(alice, 'record:saved', { pageKey: key })).toMatchObject({ ok: true });
      expect(await notice).toMatchObject({ roomId, by: { id: 'alice', name: 'Alice' } });
      const doc = (await srv.app.db.query<{ saved_by: string }>(`SELECT saved_by FROM form_documents WHERE room_id = $1`, [roomId])).rows[0];
      expect(doc?.saved_by).toBe('alice');

      const reader = await connect(srv.url, await tenant.token('rita', { perms: { 'shop.*': ['read'] } }));
      const stranger = await connect(srv.url, await tenant.token('nora', { perms: { 'other.*': ['read', 'write'] } }));
      const heard: unknown[] = [];
      bob.on('form:saved', (m) => heard.push(m));
      expect(await request(reader, 'record:saved', { pageKey: key })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await request(stranger, 'record:saved', { pageKey: key })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await request(alice, 'record:saved', { pageKey: `shop.order:${uniqueId()}` })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(await request(alice, 'record:saved', { pageKey: 'no spaces allowed' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await request(alice, 'record:saved', { roomId })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual([]);
      expect((await srv.app.db.query<{ saved_by: string }>(`SELECT saved_by FROM form_documents WHERE room_id = $1`, [roomId])).rows[0]?.saved_by).toBe('alice');
      for (const s of [bob, alice, reader, stranger]) s.close();
    });
  });
}
