/**
 * Who may do what (issue 13): each hole the security probe found, as a test against a real
 * server, Postgres and real sockets. Every refusal is typed and changes nothing.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { joinForm } from './fields.harness.js';

const FIELDS = [
  { name: 'note', kind: 'textarea', value: 'hello' },
  { name: 'ref', kind: 'text', value: 'R-1', readOnly: true },
  { name: 'channel', kind: 'select', value: 'web', readOnly: true },
];

describe.skipIf(!hasPg)('authority: server-internal writes cannot be claimed by a client', () => {
  let srv: TestServer;
  let drop: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    srv = await startTandem({ databaseUrl: db.url });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
    await drop?.();
  });

  it('refuses a text op on a read-only field whatever its clientId says', async () => {
    const s = await connect(srv.url, await tenant.token('mallory'));
    open.push(s);
    const { roomId } = await joinForm(s, `/admin/shop/order/${uniqueId()}/change/`, FIELDS);
    for (const clientId of ['srv-abcdefgh', `srv-${crypto.randomUUID()}`, 'system-abcdefgh']) {
      const r = await request(s, 'field:op', { roomId, field: 'ref', baseVersion: 0, op: ['pwned '], clientId, seq: 1 });
      expect(r, clientId).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const set = await request(s, 'field:set', { roomId, field: 'channel', baseVersion: 0, value: 'x', clientId: 'srv-abcdefgh', seq: 2 });
    expect(set).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const fetched = await request(s, 'field:fetch', { roomId, field: 'ref', since: 0, snapshot: true });
    expect(fetched).toMatchObject({ ok: true, snapshot: { value: 'R-1', version: 0 } });
    const { rows } = await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM field_ops WHERE room_id = $1`, [roomId]);
    expect(rows[0]!.n).toBe(0);
  });

  it('still lets the saved record re-base read-only fields (a system write made in code)', async () => {
    const s = await connect(srv.url, await tenant.token('ann'));
    open.push(s);
    const pageKey = `shop.order:${uniqueId()}`;
    const joined = await request(s, 'room:join', { context: { url: `/pages/${pageKey}`, pageKey, title: 'Order', fields: FIELDS } });
    expect(joined).toMatchObject({ ok: true });
    const roomId = joined.roomId as string;
    const r = await fetch(`${srv.url}/api/v1/records/changed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pageKey, values: { ref: 'R-2', channel: 'phone' } }),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(await r.json()).toMatchObject({ roomId, rebased: ['channel', 'ref'] });
  });
});
