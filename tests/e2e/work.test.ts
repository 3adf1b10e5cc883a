import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, screenshot, startDemo, waitForConnection } from './helpers/browser.js';
import { openMenu, openTool } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const FAB = '/demo/orderview/edit/42';

/** A field write straight to the server, as the fields module would send it (the server decides). */
const serverWrite = (page: Page, field: string, value: unknown) =>
  page.evaluate(
    async ([f, v]) => {
      const ctx = window.tandem!.ctx;
      const doc = (ctx.room!.answer.document as { fields?: Record<string, { version: number }> } | undefined)?.fields ?? {};
      return ctx.request('field:set', { roomId: ctx.room!.roomId, field: f, baseVersion: doc[f as string]?.version ?? 0, value: v, clientId: `e2e${Math.random().toString(36).slice(2, 12)}`, seq: 1 });
    },
    [field, value] as const,
  ) as Promise<{ ok: boolean; error?: { code: string; message: string } }>;

const card = (page: Page, status: string) => overlay(page, `.work-card[data-status="${status}"]`);
const openPanel = async (page: Page) => {
  if (!(await overlay(page, '[data-section="help"]').isVisible().catch(() => false))) await openTool(page, 'work');
  await overlay(page, '[data-section="help"]').waitFor();
};

describe.skipIf(!hasChromium || !hasPg)('delegation and assistance in the browser (demo pages, headless Chromium)', () => {
  let demo: Demo;

  beforeAll(async () => {
    demo = await startDemo({ TIMER_SWEEP_MS: '100' });
  });
  afterAll(() => demo?.close());

  it('alice delegates two fields to bob; bob fills and submits; carol cannot write them; alice rejects once, then approves', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    const carol = await openAs(demo.browser, demo.url, DJANGO, 'carol');

    // Alice: delegate mode, pick two fields, pick bob from the suggestions (each with a reason).
    await openPanel(alice.page);
    await overlay(alice.page, '[data-action="delegate-mode"]').click();
    await alice.page.click('#id_total');
    await alice.page.click('#id_ship_date');
    await overlay(alice.page, '[data-work-field="total"][data-status="selected"]').waitFor();
    const suggestion = overlay(alice.page, '.work-suggestion[data-user-id="bob"]');
    await suggestion.waitFor();
    expect(await suggestion.locator('.work-why').textContent()).toMatch(/available/);
    await suggestion.locator('button').click();
    await overlay(alice.page, '[data-input="note"]').fill('Please confirm the total and the ship date');
    await overlay(alice.page, '[data-action="delegate"]').click();
    await card(alice.page, 'pending').waitFor();

    // Everyone sees the fields badged with bob's name.
    await overlay(carol.page, '[data-work-field="total"][data-assignee="bob"]').waitFor();
    expect(await overlay(carol.page, '[data-work-field="ship_date"]').textContent()).toContain('Bob Okafor');

    // Bob accepts; the fields lock for everyone else, in the page and on the server.
    await openPanel(bob.page);
    await card(bob.page, 'pending').locator('[data-action="accept"]').click();
    await overlay(carol.page, '[data-work-field="total"][data-status="accepted"]').waitFor();
    await carol.page.waitForFunction(() => (document.getElementById('id_total') as HTMLInputElement).readOnly);
    const refused = await serverWrite(carol.page, 'total', 1);
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(refused.error!.message).toContain('Bob Okafor');
    expect(await serverWrite(carol.page, 'ship_date', '2030-01-01')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await bob.page.evaluate(() => (document.getElementById('id_total') as HTMLInputElement).readOnly)).toBe(false);
    expect((await serverWrite(bob.page, 'total', 1500)).error?.code).not.toBe('forbidden');

    // Bob fills the fields and submits.
    await bob.page.fill('#id_total', '1500.00');
    await bob.page.fill('#id_ship_date', '2024-07-01');
    await card(bob.page, 'accepted').locator('[data-action="submit"]').click();
    await openPanel(alice.page);
    const submitted = card(alice.page, 'submitted');
    await submitted.waitFor();
    expect(await submitted.textContent()).toContain('total = 1500');

    // Alice sends it back once, with a reason; bob sees the reason, reworks and resubmits.
    await submitted.locator('[data-input="reject-reason"]').fill('Add the express surcharge');
    await submitted.locator('[data-action="reject"]').click();
    const rejected = card(bob.page, 'rejected');
    await rejected.waitFor();
    expect(await rejected.textContent()).toContain('Add the express surcharge');
    await bob.page.fill('#id_total', '1525.00');
    await rejected.locator('[data-action="submit"]').click();
    await card(alice.page, 'submitted').locator('[data-action="approve"]').click();
    await card(alice.page, 'approved').waitFor();

    // Approved: the fields return to everyone.
    await carol.page.waitForFunction(() => !(document.getElementById('id_total') as HTMLInputElement).readOnly);
    expect((await serverWrite(carol.page, 'total', 1)).error?.code).not.toBe('forbidden');
    await screenshot(alice.page, 'work-delegation-approved');
    for (const u of [alice, bob, carol]) {
      expect(u.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
      await u.context.close();
    }
  });

  it("bob, on another page, opens a delegation from his notification and lands on alice's form with the field badged", async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, FAB, 'bob');
    const made = await alice.page.evaluate(() => {
      const ctx = window.tandem!.ctx;
      return ctx.request('work:delegate', { roomId: ctx.room!.roomId, fields: ['notes'], assigneeId: 'bob', note: 'Please reword the notes' });
    });
    expect(made).toMatchObject({ ok: true });

    await overlay(bob.page, '.tdm-tool-notifications .tdm-count:not([hidden])').waitFor({ state: 'attached' });
    await openTool(bob.page, 'notifications');
    const note = overlay(bob.page, '.tdmc-notif:has-text("Alice Martin delegated")').first();
    await note.waitFor();
    await note.click();
    await bob.page.waitForURL((u) => u.pathname === DJANGO, { timeout: 10_000 });
    await waitForConnection(bob.page, 'connected');
    await bob.page.waitForFunction(() => window.tandem?.ctx.room?.pageKey === 'shop.order:42', undefined, { timeout: 10_000 });
    expect(await bob.page.evaluate(() => window.tandem!.ctx.user!.id)).toBe('bob'); // his own session, not alice's link
    await overlay(bob.page, '[data-work-field="notes"][data-assignee="bob"][data-status="pending"]').waitFor();
    await openPanel(bob.page);
    await card(bob.page, 'pending').locator('[data-action="accept"]').waitFor();
    for (const u of [alice, bob]) {
      expect(u.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
      await u.context.close();
    }
  });

  it("carol asks for help; dave (the tax expert) is offered it, accepts, lands on carol's page and both see each other", async () => {
    const carol = await openAs(demo.browser, demo.url, DJANGO, 'carol');
    const dave = await openAs(demo.browser, demo.url, FAB, 'dave');

    await openPanel(carol.page);
    await overlay(carol.page, '[data-input="help-message"]').fill('Which VAT rate applies to this order?');
    await overlay(carol.page, '[data-input="help-topic"]').fill('tax');
    await overlay(carol.page, '[data-action="ask-help"]').click();

    // Dave's offer shows as a count (nothing opens by itself); in the panel he opens, the
    // prompt shows the requester, the page and the message.
    await overlay(dave.page, '.tdm-tool-work .tdm-count:not([hidden])').waitFor({ state: 'attached' });
    await openPanel(dave.page);
    const offer = overlay(dave.page, '.work-card[data-kind="offer"]');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Which VAT rate applies to this order?');
    expect(await offer.textContent()).toContain('Carol Lindqvist');
    await offer.locator('[data-action="help-accept"]').click();

    // The overlay takes dave to carol's page, where he joins the room.
    await dave.page.waitForURL((u) => u.pathname === DJANGO, { timeout: 10_000 });
    await waitForConnection(dave.page, 'connected');
    await dave.page.waitForFunction(() => window.tandem?.ctx.room?.pageKey === 'shop.order:42', undefined, { timeout: 10_000 });
    expect(await dave.page.evaluate(() => window.tandem!.ctx.user!.id)).toBe('dave');

    // Both see each other, highlighted: the banner and the presence avatars (in the overlay's menu).
    for (const u of [carol, dave]) await openMenu(u.page);
    await overlay(carol.page, '.work-banner[data-helper="dave"]:has-text("Dave Nguyen is helping you")').waitFor();
    await overlay(dave.page, '.work-banner:has-text("You are helping Carol Lindqvist")').waitFor();
    await overlay(carol.page, '.tdm-avatar[data-user-id="dave"]').waitFor();
    await overlay(dave.page, '.tdm-avatar[data-user-id="carol"]').waitFor();
    await screenshot(carol.page, 'work-help-accepted');
    for (const u of [carol, dave]) {
      expect(u.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
      await u.context.close();
    }
  });
});
