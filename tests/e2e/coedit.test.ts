import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, screenshot, startDemo, waitForConnection } from './helpers/browser.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const FAB = '/demo/orderview/edit/42';

const notes = (p: Page) => p.locator('#id_notes').inputValue();
const ready = (p: Page) => p.waitForFunction(() => Boolean(document.getElementById('tandem-overlay')?.dataset.fieldsReady), undefined, { timeout: 15_000 });
const synced = (p: Page) => p.waitForFunction(() => document.getElementById('tandem-overlay')?.dataset.unsaved === 'false', undefined, { timeout: 15_000, polling: 50 });

describe.skipIf(!hasChromium || !hasPg)('co-editing in the browser (demo pages, headless Chromium)', () => {
  let demo: Demo;
  const storedNotes = async (pageKey: string, field = 'notes') => {
    const c = new pg.Client({ connectionString: demo.db.url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `SELECT f.value, f.version, f.value_version FROM form_fields f JOIN rooms r ON r.id = f.room_id WHERE r.page_key = $1 AND f.field = $2`,
        [pageKey, field],
      );
      return rows[0] as { value: unknown; version: number };
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it('two people typing into the same textarea at the same time end with identical text (emoji included)', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    await alice.page.click('#id_notes');
    await alice.page.keyboard.press('End');
    await bob.page.click('#id_notes');
    await bob.page.keyboard.press('Control+Home');
    await Promise.all([alice.page.keyboard.type(' alice was here 🎉', { delay: 15 }), bob.page.keyboard.type('Bob: 👍🏽 ', { delay: 20 })]);
    await Promise.all([synced(alice.page), synced(bob.page)]);
    await expect.poll(async () => [await notes(alice.page), await notes(bob.page)], { timeout: 10_000 }).toSatisfy(([a, b]) => a === b);
    const text = await notes(alice.page);
    expect(text).toContain(' alice was here 🎉');
    expect(text.startsWith('Bob: 👍🏽 ')).toBe(true);
    expect(text).toContain('Customer asked for the invoice in English. 📦 Two pallets.');
    await screenshot(alice.page, 'coedit-two-typists');
    expect([...alice.errors, ...bob.errors]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it('undo removes only the undoing user’s own text', async () => {
    const alice = await openAs(demo.browser, demo.url, FAB, 'alice');
    const bob = await openAs(demo.browser, demo.url, FAB, 'bob');
    const sel = '#description';
    await alice.page.click(sel);
    await alice.page.keyboard.press('Control+End');
    await alice.page.keyboard.type(' [alice]', { delay: 10 });
    await synced(alice.page);
    await bob.page.click(sel);
    await bob.page.keyboard.press('Control+Home');
    await bob.page.keyboard.type('[bob] ', { delay: 10 });
    await synced(bob.page);
    await expect.poll(() => alice.page.locator(sel).inputValue(), { timeout: 10_000 }).toContain('[bob]');
    await alice.page.click(sel);
    for (let i = 0; i < 20 && (await alice.page.locator(sel).inputValue()).includes('[alice'); i++) await alice.page.keyboard.press('Control+z');
    await synced(alice.page);
    const a = await alice.page.locator(sel).inputValue();
    expect(a).not.toContain('[alice]');
    expect(a).not.toContain('alice]');
    expect(a.startsWith('[bob] ')).toBe(true);
    await expect.poll(() => bob.page.locator(sel).inputValue(), { timeout: 10_000 }).toBe(a);
    // Redo brings it back.
    await alice.page.keyboard.press('Control+Shift+z');
    await expect.poll(() => alice.page.locator(sel).inputValue()).toContain('[bob] ');
    await alice.context.close();
    await bob.context.close();
  });

  it('one undo takes back a whole typed word, as a native field does; a pause starts a new step', async () => {
    const alice = await openAs(demo.browser, demo.url, FAB, 'alice');
    const sel = '#customer';
    const start = await alice.page.locator(sel).inputValue();
    await alice.page.click(sel);
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.type(' GmbH', { delay: 30 });
    await alice.page.waitForTimeout(1300); // a pause: the next typing is another step
    await alice.page.keyboard.type(' & Co', { delay: 30 });
    await alice.page.keyboard.press('Control+z');
    expect(await alice.page.locator(sel).inputValue()).toBe(`${start} GmbH`);
    await alice.page.keyboard.press('Control+z');
    expect(await alice.page.locator(sel).inputValue()).toBe(start);
    await synced(alice.page);
    await alice.context.close();
  });

  it('a reload mid-edit keeps everything acked, and unacked edits come back from IndexedDB exactly once', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    await alice.page.click('#id_customer_name');
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.type(' GmbH', { delay: 5 });
    await alice.page.reload(); // mid-edit: some ops may not be acked yet
    await waitForConnection(alice.page, 'connected');
    await synced(alice.page);
    await expect.poll(() => alice.page.locator('#id_customer_name').inputValue(), { timeout: 10_000 }).toBe('Northwind Traders GmbH');
    await expect.poll(async () => (await storedNotes('shop.order:42', 'customer_name')).version).toBeGreaterThan(0);
    await alice.context.close();
  });

  it('edits made while the server is down are delivered after a reload once it is back', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    await ready(alice.page);
    const before = await notes(alice.page);
    await demo.crash();
    await waitForConnection(alice.page, 'reconnecting', 'offline');
    await alice.page.click('#id_notes');
    await alice.page.keyboard.press('Control+End');
    await alice.page.keyboard.type(' (typed offline ✈️)', { delay: 5 });
    await alice.page.waitForFunction(() => document.getElementById('tandem-overlay')?.dataset.unsaved === 'true');
    await screenshot(alice.page, 'coedit-offline-unsaved');
    // Leaving with unsaved edits asks first (the server is down, so they stay unsaved): stay on the page.
    const asked = alice.page.waitForEvent('dialog');
    void alice.page.evaluate(() => location.reload()).catch(() => undefined);
    const prompt = await asked;
    expect(prompt.type()).toBe('beforeunload');
    await prompt.dismiss();
    expect(await alice.page.evaluate(() => document.getElementById('tandem-overlay')?.dataset.unsaved)).toBe('true');
    // Give IndexedDB its write, then restart the server and reload the page.
    await alice.page.waitForTimeout(300);
    await demo.restart();
    alice.page.on('dialog', (d) => void d.accept()); // the "leave with unsaved edits?" prompt
    await alice.page.reload();
    await waitForConnection(alice.page, 'connected');
    await synced(alice.page);
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    await expect.poll(() => notes(bob.page), { timeout: 10_000 }).toBe(`${before} (typed offline ✈️)`);
    expect(await notes(alice.page)).toBe(`${before} (typed offline ✈️)`);
    await alice.context.close();
    await bob.context.close();
  });

  it('a stale select write opens the conflict dialog; keep mine and take theirs both work', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    // Bob stops hearing changes (as if a broadcast was lost), so his next write is stale.
    await bob.page.evaluate(() => window.tandem!.ctx.socket.off('field:ops').off('room:heads')); // no broadcasts, no resync
    await alice.page.selectOption('#id_status', 'shipped');
    await expect.poll(async () => (await storedNotes('shop.order:42', 'status')).value).toBe('shipped');
    await bob.page.selectOption('#id_status', 'cancelled');
    const dialog = overlay(bob.page, '.fields-conflict[data-field="status"]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Alice Martin set it to: Shipped');
    await screenshot(bob.page, 'coedit-conflict-dialog');
    await overlay(bob.page, '.fields-conflict button[data-action="mine"]').click();
    await expect.poll(async () => (await storedNotes('shop.order:42', 'status')).value).toBe('cancelled');
    await expect.poll(() => alice.page.locator('#id_status').inputValue()).toBe('cancelled');

    await alice.page.selectOption('#id_status', 'new');
    await expect.poll(async () => (await storedNotes('shop.order:42', 'status')).value).toBe('new');
    await bob.page.selectOption('#id_status', 'processing');
    await overlay(bob.page, '.fields-conflict[data-field="status"]').waitFor();
    await overlay(bob.page, '.fields-conflict button[data-action="theirs"]').click();
    await expect.poll(() => bob.page.locator('#id_status').inputValue()).toBe('new');
    expect((await storedNotes('shop.order:42', 'status')).value).toBe('new');
    await alice.context.close();
    await bob.context.close();
  });
});
