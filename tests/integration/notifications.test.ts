import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

describe.skipIf(!hasPg)('notifications inbox (Postgres)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env: { EVENTS_POLL_MS: '200' } });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('delivers live to every tab of the user after commit, and not at all if the change rolls back', async () => {
    const t1 = await connect(srv.url, await tenant.token('nina'));
    const t2 = await connect(srv.url, await tenant.token('nina'));
    const other = await connect(srv.url, await tenant.token('omar'));
    let otherGot = 0;
    other.on('notification', () => otherGot++);
    const got = [waitFor(t1, 'notification'), waitFor(t2, 'notification')];
    await srv.app.db
      .transaction(async (tx) => {
        await srv.app.notifications.notify(tx, { tenantId: tenant.tenant.id, userId: 'nina', type: 'mention', title: 'rolled back' });
        throw new Error('abort');
      })
      .catch(() => undefined);
    const item = (await srv.app.notifications.notifyNow({
      tenantId: tenant.tenant.id,
      userId: 'nina',
      type: 'delegation',
      title: 'Fields assigned to you',
      link: { pageKey: 'shop.order:1', field: 'note' },
    }))!;
    const [a, b] = await Promise.all(got);
    expect(a).toMatchObject({ id: item.id, title: 'Fields assigned to you', type: 'delegation', read: false, held: false });
    expect(b.id).toBe(item.id);
    const inbox = await request(t1, 'notifications:list', {});
    expect(inbox.items.map((i: { title: string }) => i.title)).toEqual(['Fields assigned to you']);
    expect(inbox.unread).toBe(1);
    expect(otherGot).toBe(0);
    for (const s of [t1, t2, other]) s.close();
  });

  it('marks read and all read, over sockets and REST, telling the other tabs', async () => {
    const tab = await connect(srv.url, await tenant.token('pia'));
    const other = await connect(srv.url, await tenant.token('pia'));
    const n = [];
    for (let i = 0; i < 3; i++) n.push(await srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId: 'pia', type: 'comment', title: `c${i}` }));
    const readEvent = waitFor(other, 'notifications:read');
    const r = await request(tab, 'notifications:read', { ids: [n[0]!.id] });
    expect(r).toMatchObject({ ok: true, ids: [n[0]!.id], unread: 2 });
    expect(await readEvent).toMatchObject({ unread: 2 });
    const rest = await fetch(`${srv.url}/api/v1/users/pia/notifications?unreadOnly=true`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(rest.status).toBe(200);
    expect((await rest.json()).items.map((i: { title: string }) => i.title)).toEqual(['c2', 'c1']);
    const all = await fetch(`${srv.url}/api/v1/notifications/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tenant.token('pia')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ all: true }),
    });
    expect(await all.json()).toMatchObject({ unread: 0 });
    const sync = await request(tab, 'notifications:sync', { afterSeq: n[0]!.seq });
    expect(sync.items.map((i: { title: string }) => i.title)).toEqual(['c1', 'c2']);
    tab.close();
    other.close();
  });

  it('do-not-disturb holds non-urgent notifications, lets urgent ones through, and releases the rest on leaving dnd', async () => {
    const tab = await connect(srv.url, await tenant.token('quin'));
    const sender = await connect(srv.url, await tenant.token('rex'));
    const got: Array<{ title: string; urgent: boolean; held: boolean; text: unknown }> = [];
    tab.on('notification', (n) => got.push(n));
    expect(await request(tab, 'presence:status', { status: 'dnd' })).toMatchObject({ ok: true });
    expect(await srv.app.presence.getStatus(tenant.tenant.id, 'quin')).toBe('dnd');
    const n = (title: string, urgent = false) => srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId: 'quin', type: 'assistance', title, urgent });
    // Held, yet counted: the tab gets the true unread count though it gets no item.
    const counted = waitFor(tab, 'notifications:unread', (x) => x.unread === 2);
    await n('quiet 1');
    await n('quiet 2');
    await counted;
    const urgent = waitFor(tab, 'notification', (x) => x.title === 'fire');
    await n('fire', true);
    await urgent;
    await new Promise((r) => setTimeout(r, 400)); // several delivery passes and poll ticks
    expect(got.map((g) => g.title)).toEqual(['fire']);
    // Held ones are in the inbox already, marked held.
    const inbox = await request(tab, 'notifications:list', {});
    expect(inbox.items.map((i: { title: string; held: boolean }) => [i.title, i.held])).toEqual([
      ['fire', false],
      ['quiet 2', true],
      ['quiet 1', true],
    ]);
    // A mention from chat is held the same way.
    const { roomId } = await request(sender, 'room:join', { context: { url: '/dnd', fields: [] } });
    await request(sender, 'chat:send', { roomId, body: 'ping @quin', clientMsgId: 'dnd-1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(1);

    const released = new Promise<void>((resolve) => {
      const t = setInterval(() => got.length === 4 && (clearInterval(t), resolve()), 10);
    });
    expect(await request(tab, 'presence:status', { status: 'busy' })).toMatchObject({ ok: true });
    await released;
    expect(got.map((g) => [g.title, g.held])).toEqual([
      ['fire', false],
      ['quiet 1', false],
      ['quiet 2', false],
      ['rex mentioned you', false],
    ]);
    // The title as data too, for clients to render in their language.
    expect(got.map((g) => g.text)).toEqual([null, null, null, { key: 'mention', params: { name: 'rex' } }]);
    // Busy is not dnd: new ones arrive at once.
    const next = waitFor(tab, 'notification', (x) => x.title === 'now');
    await n('now');
    await next;
    tab.close();
    sender.close();
  });

  it('refuses a title-as-data it does not know, storing nothing', async () => {
    const base = { tenantId: tenant.tenant.id, userId: 'sam', type: 'mention' as const, title: 'x' };
    for (const text of [{ key: 'no_such_key', params: {} }, { key: 'mention', params: { name: { html: '<b>' } } }, { key: 'mention', params: { name: 'a'.repeat(301) } }]) {
      await expect(srv.app.notifications.notifyNow({ ...base, text } as never)).rejects.toMatchObject({ code: 'validation_failed' });
    }
    expect((await srv.app.notifications.list(tenant.tenant.id, 'sam', { unreadOnly: false, limit: 10 })).items).toEqual([]);
  });

  it('refuses another tenant and unknown users', async () => {
    const other = await createTenant(srv.app, uniqueId());
    const r = await fetch(`${srv.url}/api/v1/users/pia/notifications`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    expect((await r.json()).items).toEqual([]);
    const post = await fetch(`${srv.url}/api/v1/users/nobody/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x' }),
    });
    expect(post.status).toBe(404);
  });

  // A mention, thread reply or comment on a page someone may not read reached them with its
  // text and a link (only delegations checked the recipient's rights).
  it('never notifies someone about a page they may not read: chat mentions and REST alike', async () => {
    const pageKey = `shop.order:${uniqueId()}`;
    const hr = await connect(srv.url, await tenant.token('hanna', { perms: { 'hr.*': ['read', 'write', 'comment'] } })); // the directory keeps these rights
    const omar = await connect(srv.url, await tenant.token('omar'));
    const ann = await connect(srv.url, await tenant.token('ann'));
    const hrGot: unknown[] = [];
    hr.on('notification', (x) => hrGot.push(x));
    const fields = [{ name: 'note', kind: 'textarea', value: '' }];
    const { roomId } = await request(ann, 'room:join', { context: { url: '/admin/shop/order/1/change/', pageKey, title: 'Order', fields } });
    await request(omar, 'room:join', { context: { url: '/admin/shop/order/1/change/', pageKey, title: 'Order', fields } });
    const omarNote = waitFor(omar, 'notification', (x) => x.type === 'mention');
    expect(await request(ann, 'chat:send', { roomId, body: 'salary of @hanna is in the note, @omar', clientMsgId: `m-${uniqueId()}` })).toMatchObject({ ok: true, message: { mentions: ['hanna', 'omar'] } });
    expect(await omarNote).toMatchObject({ type: 'mention', link: { pageKey } });
    const count = async (userId: string) =>
      (await srv.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND link->>'pageKey' = $3`, [tenant.tenant.id, userId, pageKey])).rows[0]!.n;
    expect(await count('hanna')).toBe(0);
    // An app asking for it is told, and nothing is stored.
    const post = (body: unknown) =>
      fetch(`${srv.url}/api/v1/users/hanna/notifications`, { method: 'POST', headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused = await post({ title: 'Order changed', link: { pageKey } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    expect(await count('hanna')).toBe(0);
    expect((await post({ title: 'Your leave', link: { pageKey: 'hr.leave:1' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect(hrGot.filter((x) => (x as { link?: { pageKey?: string } }).link?.pageKey === pageKey)).toEqual([]);
  });
});

