import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

describe('room:join (embedded PGlite)', () => {
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    srv = await startTandem();
    tenant = await createTenant(srv.app, uniqueId());
    await srv.app.tenants.setHostOrigins(tenant.tenant.id, ['https://host.example']);
  });
  afterAll(() => srv.close());

  it('derives the page key, creates the room once and answers with the caller rights', async () => {
    const a = await connect(srv.url, await tenant.token('alice'));
    const b = await connect(srv.url, await tenant.token('bob', { perms: { 'shop.order:*': ['read'] } }));
    const context = { url: 'https://host.example/admin/shop/order/42/change/?_changelist_filters=x', title: 'Order 42', fields: [] };
    const ja = await request(a, 'room:join', { context });
    const jb = await request(b, 'room:join', { context: { ...context, url: '/admin/shop/order/42/change' } });
    expect(ja).toMatchObject({ ok: true, pageKey: 'shop.order:42', created: true, permissions: ['read', 'write', 'comment'] });
    expect(jb).toMatchObject({ ok: true, pageKey: 'shop.order:42', created: false, permissions: ['read'] });
    expect((jb as { roomId: string }).roomId).toBe((ja as { roomId: string }).roomId);
    a.close();
    b.close();
  });

  it('refuses a page the token grants nothing on, and says why, creating no room', async () => {
    const s = await connect(srv.url, await tenant.token('erin', { perms: { 'shop.order:*': ['read'] } }));
    const r = await request(s, 'room:join', { context: { url: '/admin/hr/salary/7/change/', fields: [] } });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(JSON.stringify(r)).toContain('hr.salary:7');
    expect(await srv.app.rooms.store.getByKey(tenant.tenant.id, 'hr.salary:7')).toBeUndefined();
    s.close();
  });

  it('answers an unknown event with a typed error instead of leaving the client waiting', async () => {
    const s = await connect(srv.url, await tenant.token('alice'));
    expect(await request(s, 'room:jion', { context: { url: '/x' } })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await request(s, 'room:leave')).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    s.close();
  });

  it('limits rooms per connection and per user across tabs, with rate_limited and nothing joined', async () => {
    const limited = await startTandem({ env: { ROOMS_PER_CONNECTION: '2', MAX_ROOMS_PER_USER: '3' } });
    try {
      const t = await createTenant(limited.app, uniqueId());
      const join = (s: Awaited<ReturnType<typeof connect>>, page: string) => request(s, 'room:join', { context: { url: `/limit/${page}` } });
      const tab1 = await connect(limited.url, await t.token('alice'));
      const a = await join(tab1, 'a');
      expect(a).toMatchObject({ ok: true });
      expect(await join(tab1, 'b')).toMatchObject({ ok: true });
      const third = await join(tab1, 'c');
      expect(third).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      expect(third.error.message).toContain('at most 2 rooms');
      expect(await join(tab1, 'a')).toMatchObject({ ok: true, roomId: a.roomId }); // already in it: no new room counted
      const b = await limited.app.rooms.store.getByKey(t.tenant.id, '/limit/b');
      expect(await request(tab1, 'room:leave', { roomId: b!.id })).toMatchObject({ ok: true });
      expect(await join(tab1, 'c')).toMatchObject({ ok: true });

      // A second tab has its own connection budget (1 of 2 used), but the user's rooms count across tabs: a, c, d = 3.
      const tab2 = await connect(limited.url, await t.token('alice'));
      expect(await join(tab2, 'd')).toMatchObject({ ok: true });
      expect(await join(tab1, 'e')).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      const refused = await join(tab2, 'e');
      expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      expect(refused.error.message).toContain('at most 3 rooms');
      // The refused join left nothing behind: alice is not in room e, and tab2 holds no membership of it.
      const e = await limited.app.rooms.store.getByKey(t.tenant.id, '/limit/e');
      if (e) {
        expect((await limited.app.presence.participants(t.tenant.id, e.id)).map((p) => p.userId)).toEqual([]);
        expect(await request(tab2, 'presence:update', { roomId: e.id, focus: null })).toMatchObject({ ok: false });
      }
      // Another user is not affected.
      const bob = await connect(limited.url, await t.token('bob'));
      expect(await join(bob, 'e')).toMatchObject({ ok: true });
      for (const s of [tab1, tab2, bob]) s.close();
    } finally {
      await limited.close();
    }
  });

  it('rejects malformed and oversized context with a validation error and no room', async () => {
    const s = await connect(srv.url, await tenant.token('alice'));
    const tooMany = Array.from({ length: 301 }, (_, i) => ({ name: `f${i}`, kind: 'text' }));
    const cases = [
      { context: { url: '/a/b', fields: tooMany } },
      { context: { url: '/x'.repeat(2000) } },
      { context: { url: '/p', pageKey: 'bad key with spaces' } },
      { context: { url: '/p', fields: [{ name: 'a', kind: 'weird' }] } },
      'not an object',
    ];
    for (const payload of cases) {
      const r = await request(s, 'room:join', payload);
      expect(r).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    expect(await srv.app.rooms.store.getByKey(tenant.tenant.id, '/a/b')).toBeUndefined();
    s.close();
  });
});
