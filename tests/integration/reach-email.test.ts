import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { startSmtp } from '../helpers/smtp.js';

const until = async (cond: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HOST = 'https://admin.example.test';
const WINDOW_MS = 2500; // long enough that ten parallel writes land in one window on a loaded machine

/** Local HH:MM of an instant in a time zone. */
const hhmm = (at: number, timeZone: string, addMinutes = 0) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(at + addMinutes * 60_000);

describe.skipIf(!hasPg)('notifications by email (Postgres, a real SMTP server)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  // The delivery clock, moved forward by the quiet-hours test; everything else runs on real time.
  let offset = 0;
  const seams = { reachClock: (real: () => number) => () => real() + offset };
  const env = { EVENTS_POLL_MS: '100', NOTIFY_DIGEST_WINDOW_MS: String(WINDOW_MS), NOTIFY_RETRY_SCHEDULE: '0.2,0.2,0.2', NOTIFY_TIMEOUT_MS: '3000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
  const start = (e: Record<string, string> = env) => startTandem({ databaseUrl: db.url, env: e, overrides: { seams } });

  const api = (path: string, init: RequestInit = {}, auth = tenant.apiKey) =>
    fetch(`${srv.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', ...init.headers } });
  const asUser = async (userId: string, path: string, init: RequestInit = {}) => api(path, init, await tenant.token(userId, { name: `${userId[0]!.toUpperCase()}${userId.slice(1)}` }));
  const wantEmail = async (userId: string, extra: Record<string, unknown> = {}) => {
    const r = await asUser(userId, '/notification-preferences', { method: 'PUT', body: JSON.stringify({ email: `${userId}@example.test`, channels: ['in_app', 'email'], ...extra }) });
    expect(r.status, await r.clone().text()).toBe(200);
    return r.json();
  };
  const notify = (userId: string, title: string, o: { urgent?: boolean; url?: string } = {}) =>
    srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId, type: 'mention', title, body: `body of ${title}`, urgent: o.urgent ?? false, link: o.url ? { url: o.url } : {} }).then((n) => n!);
  const mailsTo = (userId: string) => smtp.got.filter((g) => g.envelopeTo.includes(`${userId}@example.test`));
  const deliveries = async (userId: string) => (await (await api(`/users/${userId}/notification-deliveries`)).json()).deliveries as Array<Record<string, unknown>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await start();
    tenant = await createTenant(srv.app, uniqueId());
    await srv.app.tenants.setHostOrigins(tenant.tenant.id, [HOST]);
    smtp = await startSmtp({ user: 'tandem', pass: 's3cret-smtp' });
    const r = await api('/notification-channels', {
      method: 'POST',
      body: JSON.stringify({ kind: 'email', smtp: { host: '127.0.0.1', port: smtp.port, user: 'tandem', password: 's3cret-smtp', from: 'Tandem <tandem@example.test>' } }),
    });
    expect(r.status, await r.clone().text()).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
    await db?.drop();
  });

  it('never shows the SMTP password; a second email channel is a conflict', async () => {
    const list = await (await api('/notification-channels')).text();
    expect(list).not.toContain('s3cret-smtp');
    expect(JSON.parse(list).channels[0]).toMatchObject({ kind: 'email', smtp: { host: '127.0.0.1', user: 'tandem', passwordSet: true } });
    const again = await api('/notification-channels', { method: 'POST', body: JSON.stringify({ kind: 'email', smtp: { host: '127.0.0.1', port: smtp.port, user: 'tandem', password: 's3cret-smtp', from: 'x@example.test' } }) });
    expect(again.status).toBe(409);
  });

  it('a chat mention reaches an offline user by email, with a link that opens the page in the admin app', async () => {
    // Ada visits once (so the directory knows her), sets her preferences and leaves.
    const ada = await connect(srv.url, await tenant.token('ada', { name: 'Ada' }));
    ada.disconnect();
    await wantEmail('ada');
    const bob = await connect(srv.url, await tenant.token('bob', { name: 'Bob' }));
    const { roomId } = await request(bob, 'room:join', { context: { url: '/admin/shop/order/42/change/', fields: [] } });
    expect(await request(bob, 'chat:send', { roomId, body: 'can you check this @ada', clientMsgId: 'm1' })).toMatchObject({ ok: true });
    await until(() => mailsTo('ada').length === 1);
    const { mail } = mailsTo('ada')[0]!;
    expect(mail.subject).toBe('Bob mentioned you');
    expect(mail.from?.value).toEqual([{ name: 'Tandem', address: 'tandem@example.test' }]);
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain('can you check this @ada');
    expect(mail.text).toContain(`Open: ${HOST}/admin/shop/order/42/change/`);
    expect(mail.messageId).toMatch(/^<tandem-email-\d+@notifications\.tandem>$/);
    await until(async () => (await deliveries('ada'))[0]?.status === 'delivered');
    expect(await deliveries('ada')).toMatchObject([{ channel: 'email', status: 'delivered', attempts: 1, messageKey: mail.messageId }]);
    bob.disconnect();
  });

  it('ten mentions in the digest window are one email listing all ten', async () => {
    await wantEmail('cy');
    await Promise.all(Array.from({ length: 10 }, (_, i) => notify('cy', `mention ${i + 1}`, { url: `/admin/shop/order/${i + 1}/change/` })));
    await until(() => mailsTo('cy').length >= 1);
    await sleep(WINDOW_MS + 500);
    expect(mailsTo('cy')).toHaveLength(1);
    const { mail } = mailsTo('cy')[0]!;
    expect(mail.subject).toBe('10 new notifications in Tandem');
    for (let i = 1; i <= 10; i++) {
      expect(mail.text).toContain(`- mention ${i}\n`);
      expect(mail.text).toContain(`${HOST}/admin/shop/order/${i}/change/`);
    }
    const ds = await deliveries('cy');
    expect(ds).toHaveLength(10);
    expect(new Set(ds.map((d) => d.messageKey))).toEqual(new Set([mail.messageId]));
  });

  it('what was read in the app meanwhile is not emailed', async () => {
    await wantEmail('dee');
    const n = await notify('dee', 'seen already');
    const read = await asUser('dee', '/notifications/read', { method: 'POST', body: JSON.stringify({ ids: [n.id] }) });
    expect(read.status).toBe(200);
    await until(async () => (await deliveries('dee'))[0]?.status === 'skipped');
    await sleep(300);
    expect(mailsTo('dee')).toHaveLength(0);
    expect((await deliveries('dee'))[0]).toMatchObject({ status: 'skipped', lastError: 'read in the app' });
  });

  it('a transient SMTP refusal is retried: delivered once', async () => {
    await wantEmail('eve');
    smtp.failNext(1);
    await notify('eve', 'urgent help', { urgent: true });
    await until(async () => (await deliveries('eve'))[0]?.status === 'delivered');
    await sleep(500);
    expect(mailsTo('eve')).toHaveLength(1);
    expect(mailsTo('eve')[0]!.mail.subject).toBe('[Urgent] urgent help');
    expect((await deliveries('eve'))[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('do-not-disturb holds non-urgent email until the user leaves it; urgent breaks through', async () => {
    await wantEmail('gus');
    const tab = await connect(srv.url, await tenant.token('gus', { name: 'Gus' }));
    expect(await request(tab, 'presence:status', { status: 'dnd' })).toMatchObject({ ok: true });
    await notify('gus', 'can wait');
    await until(async () => (await deliveries('gus'))[0]?.heldFor === 'dnd');
    // Operators see it held in /metrics.
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(Number(/^tandem_notification_deliveries\{channel="email",state="held"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    await notify('gus', 'fire', { urgent: true });
    await until(() => mailsTo('gus').length === 1);
    expect(mailsTo('gus')[0]!.mail.subject).toBe('[Urgent] fire');
    await sleep(300);
    expect(mailsTo('gus')).toHaveLength(1);
    expect(await request(tab, 'presence:status', { status: 'available' })).toMatchObject({ ok: true });
    await until(() => mailsTo('gus').length === 2);
    expect(mailsTo('gus')[1]!.mail.subject).toBe('can wait');
    tab.disconnect();
  });

  it('quiet hours (in the user time zone) hold email until they end, then it is sent', async () => {
    const tz = 'Asia/Tokyo';
    const now = Date.now() + offset;
    await wantEmail('fay', { timeZone: tz, quietHours: { start: hhmm(now, tz, -60), end: hhmm(now, tz, 60) } });
    await notify('fay', 'after the quiet');
    await until(async () => (await deliveries('fay'))[0]?.heldFor === 'quiet');
    const held = (await deliveries('fay'))[0]!;
    // Held until the end of the quiet hours, to the minute, in Tokyo time.
    expect(hhmm(Date.parse(held.nextAttemptAt as string), tz)).toBe(hhmm(now, tz, 60));
    await sleep(300);
    expect(mailsTo('fay')).toHaveLength(0);
    offset += 61 * 60_000; // an hour passes
    await until(() => mailsTo('fay').length === 1);
    expect(mailsTo('fay')[0]!.mail.subject).toBe('after the quiet');
  });

  it('a restart with pending deliveries loses nothing: the next process sends them, once', async () => {
    await wantEmail('hal');
    const port = smtp.port;
    await smtp.close(); // the mail server is down while the first process tries
    const patient = { ...env, NOTIFY_RETRY_SCHEDULE: Array(40).fill('0.5').join(',') };
    await srv.close();
    srv = await start(patient);
    for (let i = 1; i <= 3; i++) await notify('hal', `pending ${i}`);
    await until(async () => (await deliveries('hal')).every((d) => (d.attempts as number) > 0), 30_000);
    await srv.close();
    const earlier = smtp.got;
    smtp = await startSmtp({ user: 'tandem', pass: 's3cret-smtp', port });
    smtp.got.push(...earlier);
    srv = await start(patient);
    await until(() => mailsTo('hal').length === 1, 30_000);
    await sleep(WINDOW_MS);
    expect(mailsTo('hal')).toHaveLength(1);
    expect(mailsTo('hal')[0]!.mail.subject).toBe('3 new notifications in Tandem');
  }, 90_000);

  it('a kind whose channels leave out in_app is emailed but does not pop in the tabs; the inbox keeps it', async () => {
    await wantEmail('jo', { channels: ['in_app'], byKind: { mention: ['email'] } });
    const tab = await connect(srv.url, await tenant.token('jo', { name: 'Jo' }));
    const popped: string[] = [];
    tab.on('notification', (n: { title: string }) => popped.push(n.title));
    await notify('jo', 'by email only', { urgent: true });
    await srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId: 'jo', type: 'comment', title: 'in the app' });
    await until(() => mailsTo('jo').length === 1 && popped.length === 1);
    await sleep(500);
    expect(popped).toEqual(['in the app']);
    expect(mailsTo('jo').map((m) => m.mail.subject)).toEqual(['[Urgent] by email only']);
    const inbox = await request(tab, 'notifications:list', {});
    expect(inbox.items.map((i: { title: string }) => i.title)).toEqual(['in the app', 'by email only']);
    tab.disconnect();
  });

  it('bad preferences get a typed error and change nothing', async () => {
    await wantEmail('ivy');
    const before = await (await asUser('ivy', '/notification-preferences')).json();
    const bad = async (body: unknown) => {
      const r = await asUser('ivy', '/notification-preferences', { method: 'PUT', body: JSON.stringify(body) });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await r.json()).error.code).toBe('validation_failed');
    };
    await bad({ email: 'not-an-email', channels: ['email'] });
    await bad({ email: 'ivy@example.test', channels: ['in_app', 'pager'] });
    await bad({ channels: ['email'] });
    await bad({ channels: ['chat'], chatChannelId: '00000000-0000-4000-8000-000000000000' });
    await bad({ timeZone: 'Mars/Olympus_Mons' });
    await bad({ quietHours: { start: '25:00', end: '07:00' } });
    expect(await (await asUser('ivy', '/notification-preferences')).json()).toEqual(before);
    const unreachable = await api('/notification-channels', { method: 'POST', body: JSON.stringify({ kind: 'email', smtp: { host: '127.0.0.1', port: 1, from: 'x@example.test' } }) });
    expect(unreachable.status).toBe(400);
    expect((await (await api('/notification-channels')).json()).channels).toHaveLength(1);
  });
});
