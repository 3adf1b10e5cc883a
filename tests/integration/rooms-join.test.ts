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
