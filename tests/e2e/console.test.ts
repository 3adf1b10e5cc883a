// Issue 15: the operator console at /admin/ in Chromium, against a real Tandem on Postgres and
// Redis: two people in a room, a help request nobody could take (queued), a webhook delivery that
// failed for good — and the retry button delivering it once the receiver is back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasChromium, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { launchBrowser } from './helpers/browser.js';

const OPS_TOKEN = 'ops-console-test-token-0123456789';

describe.skipIf(!hasChromium || !hasPg || !hasRedis)('the admin console (/admin/) in Chromium', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let srv: TestServer;
  let browser: Browser;
  let receiver: Server;
  let receiverUp = false;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = createServer((req, res) => {
      req.resume();
      res.writeHead(receiverUp ? 204 : 500).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    srv = await startTandem({
      databaseUrl: db.url,
      redisUrl: redisUrl!,
      env: { OPS_TOKEN, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCHEDULE: '0', EVENTS_POLL_MS: '100', RATE_LIMIT_KEY_PREFIX: uniqueId('rl') },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await srv?.close();
    await new Promise((r) => receiver?.close(r));
    await db?.drop();
  });

  it('is refused without the ops token', async () => {
    expect((await fetch(`${srv.url}/admin/api/overview`)).status).toBe(401);
    expect((await fetch(`${srv.url}/admin/api/overview`, { headers: { authorization: 'Bearer not-the-ops-token-at-all-nope' } })).status).toBe(401);
    const t = await createTenant(srv.app, uniqueId('cx'));
    // A tenant's API key is not an ops credential.
    expect((await fetch(`${srv.url}/admin/api/overview`, { headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(401);
  });

  it('shows two users in a room, a queued help request, a failed webhook delivery, and retries it', async () => {
    const tenant = await createTenant(srv.app, uniqueId('cs'));
    const hook = await fetch(`${srv.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, eventTypes: ['chat.*'] }),
    });
    expect(hook.status).toBe(201);
    const pageKeyId = uniqueId();
    const url = `/admin/shop/order/${pageKeyId}/change/`;
    let roomId = '';
    for (const [user, name] of [['alice', 'Alice Console'], ['bob', 'Bob Console']] as const) {
      const s = await connect(srv.url, await tenant.token(user, { name }));
      sockets.push(s);
      const j = await request(s, 'room:join', { context: { url, title: 'Order for the console', fields: [{ name: 'notes', kind: 'textarea', value: '' }] } });
      expect(j.ok).toBe(true);
      roomId = j.roomId;
    }
    expect((await request(sockets[0]!, 'chat:send', { roomId, body: 'webhook me', clientMsgId: 'c1' })).ok).toBe(true);
    const help = await request(sockets[0]!, 'work:help', { roomId, message: 'Which discount applies here?' });
    expect(help.ok, JSON.stringify(help)).toBe(true);

    const page = await browser.newPage();
    try {
      await page.goto(`${srv.url}/admin/`);
      await page.fill('#token', 'wrong-token-but-long-enough-000000');
      await page.click('#sign-in button[type=submit]');
      await page.locator('#sign-in-error').filter({ hasText: 'ops token' }).waitFor({ timeout: 30_000 });

      await page.fill('#token', OPS_TOKEN);
      await page.click('#sign-in button[type=submit]');
      const room = page.locator(`#rooms tr[data-id="${roomId}"]`);
      await room.waitFor({ timeout: 30_000 });
      await expect.poll(() => room.textContent(), { timeout: 30_000 }).toMatch(/Alice Console.*Bob Console|Bob Console.*Alice Console/);
      expect(await room.textContent()).toContain(`shop.order:${pageKeyId}`);

      const queued = page.locator(`#help tr[data-id="${help.request.id}"]`);
      await queued.waitFor({ timeout: 30_000 });
      await expect.poll(() => queued.textContent(), { timeout: 30_000 }).toContain('queued');
      expect(await queued.textContent()).toContain('Which discount applies here?');

      // Live: the delivery fails twice (schedule "0": one retry) while the page is open.
      const failed = page.locator('#webhooks tr[data-delivery][data-status="failed"]');
      await failed.waitFor({ timeout: 60_000 });
      const deliveryId = await failed.getAttribute('data-delivery');
      expect(await failed.textContent()).toContain('HTTP 500');
      expect(await page.locator('#instances tbody tr').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#people .summary').textContent()).toMatch(/2 online/);
      await expect.poll(() => page.locator('#audit tbody').textContent(), { timeout: 30_000 }).toContain('assistance.');

      receiverUp = true;
      await page.getByRole('button', { name: `Retry delivery ${deliveryId}` }).click();
      await page.locator(`#webhooks tr[data-delivery="${deliveryId}"][data-status="delivered"]`).waitFor({ timeout: 60_000 });
      const { rows } = await srv.app.db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
      expect(rows[0]).toEqual({ status: 'delivered', attempts: 3 });
    } finally {
      await page.close();
    }
  }, 180_000);
});
