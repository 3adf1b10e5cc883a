import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { connect, request } from '../helpers/clients.js';
import { uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { joinForm, newClientId } from './fields.harness.js';

// The ranking itself is unit-tested (tests/unit/suggestions.test.ts); this checks what the service
// gathers for it from the real stores: the directory, live presence, the op log and the visit history.
describe('participant suggestions from real history (embedded PGlite)', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const user = async (id: string, name: string, extra: Record<string, unknown> = {}) => {
    const s = await connect(srv.url, await tenant.token(id, { name, ...extra }));
    open.push(s);
    return s;
  };
  beforeAll(async () => {
    srv = await startTandem();
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
  });

  it('explains each suggestion: expertise and presence, who edited this record, who visited it; never the asker', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const fields = [{ name: 'notes', kind: 'textarea', value: 'hi' }];
    await user('carol', 'Carol', { expertise: ['billing'] }); // online, no link to this order
    const alice = await user('alice', 'Alice');
    const { roomId } = await joinForm(alice, url, fields);
    expect(await request(alice, 'field:op', { roomId, field: 'notes', baseVersion: 0, op: [2, '!'], clientId: newClientId(), seq: 1 })).toEqual({ ok: true, version: 1 });
    const bob = await user('bob', 'Bob');
    await joinForm(bob, url, fields);
    expect(await request(bob, 'room:leave', { roomId })).toMatchObject({ ok: true });
    const other = await user('olga', 'Olga'); // edits another order only
    const elsewhere = await joinForm(other, `/admin/shop/order/${uniqueId()}/change/`, fields);
    await request(other, 'field:op', { roomId: elsewhere.roomId, field: 'notes', baseVersion: 0, op: ['x'], clientId: newClientId(), seq: 1 });

    // Someone who may only read orders is never suggested for work on one.
    await user('rita', 'Rita Reader', { expertise: ['billing'], perms: { 'shop.order:*': ['read'] } });
    const erin = await user('erin', 'Erin');
    await joinForm(erin, url, fields);
    const r = await request(erin, 'work:suggest', { roomId, tags: ['billing'] });
    expect(r.ok).toBe(true);
    const by = new Map<string, { reasons: string[]; presence: string }>(r.suggestions.map((s: { userId: string }) => [s.userId, s]));
    expect(r.suggestions[0]).toMatchObject({ userId: 'carol', presence: 'available', reasons: ['expert: billing, available'] });
    expect(by.get('alice')!.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^edited this order (just now|1 minute ago)$/)]));
    expect(by.get('bob')!.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^visited this order (just now|1 minute ago)$/)]));
    expect(by.get('bob')!.reasons.some((x) => x.startsWith('edited'))).toBe(false);
    expect(by.get('olga')!.reasons.some((x) => /edited|visited/.test(x))).toBe(false);
    expect(by.has('erin')).toBe(false); // the asker
    expect(by.has('rita')).toBe(false); // read-only
    // "offline" only for people who are: everyone here is connected.
    expect(r.suggestions.filter((s: { presence: string }) => s.presence === 'offline').map((s: { userId: string }) => s.userId)).toEqual([]);

    // The same ranking over REST for a business app.
    const rest = await fetch(`${srv.url}/api/v1/rooms/${roomId}/suggestions?tags=billing&exclude=erin`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(rest.status).toBe(200);
    const body = (await rest.json()) as { suggestions: Array<{ userId: string; why: string }> };
    expect(body.suggestions.map((s) => s.userId)).toEqual(r.suggestions.map((s: { userId: string }) => s.userId));
    expect(body.suggestions.find((s) => s.userId === 'alice')!.why).toMatch(/edited this order/);
  });
});
