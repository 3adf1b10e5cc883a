import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

// The documented shapes. Slack incoming webhooks: `text` (the notification fallback) and Block Kit
// blocks (≤ 50; header plain_text ≤ 150; section text ≤ 3000; context ≤ 10 elements).
const slackText = z.object({ type: z.enum(['plain_text', 'mrkdwn']), text: z.string().min(1).max(3000), emoji: z.boolean().optional() }).strict();
const slackBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: z.object({ type: z.literal('plain_text'), text: z.string().min(1).max(150), emoji: z.boolean().optional() }).strict() }).strict(),
  z.object({ type: z.literal('section'), text: slackText }).strict(),
  z.object({ type: z.literal('context'), elements: z.array(slackText).min(1).max(10) }).strict(),
]);
const slackMessage = z.object({ text: z.string().min(1), blocks: z.array(slackBlock).min(1).max(50) }).strict();
// Teams incoming webhooks / Workflows: a message with one Adaptive Card attachment.
const textBlock = z
  .object({
    type: z.literal('TextBlock'),
    text: z.string().min(1),
    wrap: z.boolean().optional(),
    weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
    size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(),
    isSubtle: z.boolean().optional(),
    spacing: z.enum(['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding']).optional(),
    separator: z.boolean().optional(),
  })
  .strict();
const openUrl = z.object({ type: z.literal('Action.OpenUrl'), url: z.url(), title: z.string().min(1).optional() }).strict();
const textRun = z
  .object({
    type: z.literal('TextRun'),
    text: z.string().min(1),
    weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
    isSubtle: z.boolean().optional(),
    color: z.enum(['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention']).optional(),
    selectAction: openUrl.optional(),
  })
  .strict();
const richTextBlock = z
  .object({ type: z.literal('RichTextBlock'), inlines: z.array(textRun).min(1), spacing: textBlock.shape.spacing, separator: z.boolean().optional() })
  .strict();
const adaptiveCard = z
  .object({
    $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
    type: z.literal('AdaptiveCard'),
    version: z.string().regex(/^1\.[0-5]$/),
    body: z.array(z.discriminatedUnion('type', [textBlock, richTextBlock])).min(1),
    actions: z.array(openUrl.required({ title: true })).optional(),
  })
  .strict();
/** What a card shows as text, and the links it opens, in order. */
const runs = (card: z.infer<typeof adaptiveCard>) => card.body.flatMap((b) => (b.type === 'TextBlock' ? [{ text: b.text, url: undefined }] : b.inlines.map((i) => ({ text: i.text, url: i.selectAction?.url }))));
const teamsMessage = z
  .object({ type: z.literal('message'), attachments: z.array(z.object({ contentType: z.literal('application/vnd.microsoft.card.adaptive'), contentUrl: z.null(), content: adaptiveCard }).strict()).length(1) })
  .strict();

async function receiver() {
  const got: Array<{ path: string; body: unknown; type: string | undefined }> = [];
  let failNext = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        return void res.writeHead(500).end('boom');
      }
      got.push({ path: req.url!, body: JSON.parse(raw), type: req.headers['content-type'] });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, got, failNext: (n: number) => void (failNext = n), close: () => new Promise<void>((r) => server.close(() => r())) };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};
const HOST = 'https://admin.example.test';

describe.skipIf(!hasPg)('notifications to Slack and Teams (Postgres, a real HTTP receiver)', () => {
  let srv: TestServer;
  let guarded: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let rx: Awaited<ReturnType<typeof receiver>>;
  const channel: Record<'slack' | 'teams', string> = { slack: '', teams: '' };
  const env = { EVENTS_POLL_MS: '100', NOTIFY_DIGEST_WINDOW_MS: '2000', NOTIFY_RETRY_SCHEDULE: '0.2,0.2,0.2', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
  const api = (path: string, init: RequestInit = {}, base = srv.url) =>
    fetch(`${base}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', ...init.headers } });
  const post = (path: string, body: unknown, base?: string) => api(path, { method: 'POST', body: JSON.stringify(body) }, base);
  const wantChat = async (userId: string, kind: 'slack' | 'teams') => {
    const r = await api(`/users/${userId}/notification-preferences`, { method: 'PUT', body: JSON.stringify({ chatChannelId: channel[kind], channels: ['in_app', 'chat'] }) });
    expect(r.status, await r.clone().text()).toBe(200);
  };
  const notify = (userId: string, title: string, o: { urgent?: boolean; url?: string; body?: string } = {}) =>
    srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId, type: 'assistance', title, body: o.body ?? '', urgent: o.urgent ?? false, link: o.url ? { url: o.url } : {} });
  const deliveries = async (userId: string) => (await (await api(`/users/${userId}/notification-deliveries`)).json()).deliveries as Array<Record<string, unknown>>;
  const postsTo = (kind: 'slack' | 'teams') => rx.got.filter((g) => g.path.startsWith(`/${kind}/`));

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env });
    tenant = await createTenant(srv.app, uniqueId());
    await srv.app.tenants.setHostOrigins(tenant.tenant.id, [HOST]);
    rx = await receiver();
    for (const kind of ['slack', 'teams'] as const) {
      const r = await post('/notification-channels', { kind, name: `${kind} support`, url: `${rx.base}/${kind}/T000/B000/secret-${kind}-token` });
      expect(r.status, await r.clone().text()).toBe(201);
      channel[kind] = (await r.json()).id;
    }
  }, 60_000);
  afterAll(async () => {
    if (guarded !== srv) await guarded?.close();
    await srv?.close();
    await rx?.close();
    await db?.drop();
  });

  it('lists channels with their webhook URLs masked', async () => {
    const text = await (await api('/notification-channels')).text();
    expect(text).not.toContain('secret-slack-token');
    expect(text).not.toContain('secret-teams-token');
    expect(JSON.parse(text).channels.map((c: { kind: string; url: string }) => [c.kind, c.url])).toEqual([
      ['slack', `${rx.base}/…oken`],
      ['teams', `${rx.base}/…oken`],
    ]);
    // Audited, with what the API shows and nothing more.
    const audit = await (await api('/audit?kind=notification_channel.*')).text();
    expect(audit).not.toContain('secret-slack-token');
    expect(JSON.parse(audit).entries.map((e: { action: string; subject: string }) => [e.action, e.subject]).sort()).toEqual(
      [['notification_channel.created', channel.slack], ['notification_channel.created', channel.teams]].sort(),
    );
  });

  it('posts Slack its documented {text, blocks}, user text escaped, the title linked to the page', async () => {
    await wantChat('kim', 'slack');
    await notify('kim', 'Help on <order> & co', { urgent: true, url: '/admin/shop/order/7/change/', body: 'Is *this* <right>?' });
    await until(() => postsTo('slack').length === 1);
    const { body, type } = postsTo('slack')[0]!;
    expect(type).toBe('application/json');
    const msg = slackMessage.parse(body);
    expect(msg.text).toBe('kim: Help on &lt;order&gt; &amp; co');
    const section = msg.blocks.find((b) => b.type === 'section')!;
    expect(section.type === 'section' && section.text.text).toBe(`:rotating_light: *<${HOST}/admin/shop/order/7/change/|Help on &lt;order&gt; &amp; co>*\nIs *this* &lt;right&gt;?`);
  });

  it('posts Teams one Adaptive Card; three notifications in the window are one card', async () => {
    await wantChat('lou', 'teams');
    await Promise.all([1, 2, 3].map((i) => notify('lou', `request ${i}`, { url: `/admin/shop/order/${i}/change/` })));
    await until(() => postsTo('teams').length === 1);
    await new Promise((r) => setTimeout(r, 2200));
    expect(postsTo('teams')).toHaveLength(1);
    const card = teamsMessage.parse(postsTo('teams')[0]!.body).attachments[0]!.content;
    const shown = runs(card);
    expect(shown[0]!.text).toBe('3 new notifications in Tandem');
    for (const i of [1, 2, 3]) {
      expect(shown.map((r) => r.text)).toContain(`request ${i}`);
      expect(shown).toContainEqual({ text: 'Open the page', url: `${HOST}/admin/shop/order/${i}/change/` });
    }
    // A single notification carries an OpenUrl action instead.
    // Its text stays text: Teams does not parse markdown in a TextRun, so a link in a body is no link.
    await notify('lou', 'just **one**', { urgent: true, url: '/admin/shop/order/9/change/', body: 'see [this](https://evil.example/)' });
    await until(() => postsTo('teams').length === 2);
    const single = teamsMessage.parse(postsTo('teams')[1]!.body).attachments[0]!.content;
    expect(single.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the page', url: `${HOST}/admin/shop/order/9/change/` }]);
    expect(runs(single)).toContainEqual({ text: 'see [this](https://evil.example/)', url: undefined });
    expect(single.body.filter((b) => b.type === 'TextBlock').map((b) => b.type === 'TextBlock' && b.text)).toEqual(['Urgent notification']);
  });

  it('retries after a receiver failure (500, then 200): delivered once', async () => {
    await wantChat('max', 'slack');
    const before = postsTo('slack').length;
    rx.failNext(1);
    await notify('max', 'flaky receiver', { urgent: true });
    await until(async () => (await deliveries('max'))[0]?.status === 'delivered');
    await new Promise((r) => setTimeout(r, 500));
    expect(postsTo('slack').length - before).toBe(1);
    expect((await deliveries('max'))[0]).toMatchObject({ channel: 'chat', status: 'delivered', attempts: 2 });
  });

  it('refuses bad channels with a typed error and saves nothing', async () => {
    const count = async (base?: string) => (await (await api('/notification-channels', {}, base)).json()).channels.length;
    const refused = async (body: unknown, base?: string) => {
      const r = await post('/notification-channels', body, base);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const err = (await r.json()).error;
      expect(err.code).toBe('validation_failed');
      return err.message as string;
    };
    expect(await refused({ kind: 'pager', url: 'https://example.com/x' })).toBeTruthy();
    expect(await refused({ kind: 'slack', url: 'ftp://example.com/x' })).toMatch(/http or https/);
    expect(await refused({ kind: 'slack', url: 'http://nonexistent.invalid/hook' })).toMatch(/unreachable/);
    expect(await count()).toBe(2);
    // With the default network guard, private and local addresses are refused.
    guarded = await startTandem({ databaseUrl: db.url, env: { EVENTS_POLL_MS: '100' } });
    expect(await refused({ kind: 'slack', url: `${rx.base}/slack/x` }, guarded.url)).toMatch(/loopback/);
    expect(await refused({ kind: 'teams', url: 'http://10.1.2.3/hook' }, guarded.url)).toMatch(/private/);
    expect(await refused({ kind: 'teams', url: 'http://localhost:8080/hook' }, guarded.url)).toMatch(/local machine/);
    expect(await refused({ kind: 'email', smtp: { host: '169.254.169.254', port: 25, from: 'x@example.com' } }, guarded.url)).toMatch(/link-local/);
    expect(await count(guarded.url)).toBe(2);
    // An unknown chat channel in preferences is refused too, and the preferences stay as they were.
    const before = await (await api('/users/kim/notification-preferences')).json();
    const r = await api('/users/kim/notification-preferences', { method: 'PUT', body: JSON.stringify({ channels: ['chat'], chatChannelId: '00000000-0000-4000-8000-000000000000' }) });
    expect(r.status).toBe(400);
    expect(await (await api('/users/kim/notification-preferences')).json()).toEqual(before);
  });

  it('a URL that was allowed when registered is refused at delivery by a guarded instance: failed at once', async () => {
    // Only the guarded instance delivers now (it shares the database).
    await srv.close();
    srv = guarded;
    await wantChat('ned', 'slack');
    const before = rx.got.length;
    await srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId: 'ned', type: 'assistance', title: 'to a loopback hook', urgent: true });
    await until(async () => (await deliveries('ned'))[0]?.status === 'failed');
    expect((await deliveries('ned'))[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/refused: .*loopback/) });
    expect(rx.got.length).toBe(before);
  });
});
