// Form fidelity on the demo pages (real select2 and bootstrap-datepicker from npm on the FAB page;
// a checkbox group and an email field on the Django page): what each page shows and submits equals
// what the room holds, through remote changes, conflicts, going offline and a server restart.
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEV_API_KEY } from '../../src/dev/demo.js';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, startDemo, type UserPage, waitForConnection } from './helpers/browser.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const FAB = '/demo/orderview/edit/42';

const synced = (p: Page) =>
  p.waitForFunction(() => document.getElementById('tandem-overlay')?.dataset.unsaved === 'false', undefined, { timeout: 15_000, polling: 50 });
const ready = (p: Page) => p.waitForFunction(() => Boolean(document.getElementById('tandem-overlay')?.dataset.fieldsReady), undefined, { timeout: 15_000 });

/** Presses a submit button and returns the form data the host would have received. */
async function submitted(p: Page, button: string): Promise<URLSearchParams> {
  const posted = new Promise<URLSearchParams>((resolve) => {
    void p.route('**/*', async (route) => {
      const r = route.request();
      if (r.method() !== 'POST' || r.resourceType() !== 'document') return route.continue();
      resolve(new URLSearchParams(r.postData() ?? ''));
      await route.fulfill({ status: 204, body: '' });
    });
  });
  await p.click(button);
  return posted;
}

describe.skipIf(!hasChromium || !hasPg)('form fidelity in the browser (demo pages with real widgets)', () => {
  let demo: Demo;
  const people: UserPage[] = [];
  const open = async (path: string, user: string) => {
    const u = await openAs(demo.browser, demo.url, path, user);
    people.push(u);
    await ready(u.page);
    return u;
  };
  const stored = async (pageKey: string, field: string) => {
    const c = new pg.Client({ connectionString: demo.db.url });
    await c.connect();
    try {
      const { rows } = await c.query(`SELECT f.value FROM form_fields f JOIN rooms r ON r.id = f.room_id WHERE r.page_key = $1 AND f.field = $2`, [pageKey, field]);
      return rows[0]?.value as unknown;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterEach(async () => {
    for (const u of people.splice(0)) await u.context.close().catch(() => undefined);
  });
  afterAll(() => demo?.close());

  it('select2 and bootstrap-datepicker (FAB): a choice made through the widget reaches the other page’s widget, the room and both Saves', async () => {
    const alice = await open(FAB, 'alice');
    const bob = await open(FAB, 'bob');
    // select2: open the dropdown, search, pick with Enter.
    await alice.page.click('#currency + .select2 .select2-selection');
    await alice.page.keyboard.type('GB');
    await alice.page.keyboard.press('Enter');
    await expect.poll(() => stored('orderview:42', 'currency')).toBe('GBP');
    await expect.poll(() => bob.page.locator('#currency + .select2 .select2-selection__rendered').textContent()).toBe('GBP');
    expect(await bob.page.locator('#currency').inputValue()).toBe('GBP');
    // Multi select2: bob adds a tag by typing it.
    await bob.page.click('#tags + .select2 .select2-search__field');
    await bob.page.keyboard.type('Prior');
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => stored('orderview:42', 'tags')).toEqual(['1', '2']);
    await expect.poll(() => alice.page.locator('#tags + .select2 .select2-selection__choice').allTextContents()).toEqual(['×Renewal', '×Priority']);
    // bootstrap-datepicker: alice opens it and clicks a day of the shown month (July 2024).
    await alice.page.click('#due_date');
    await alice.page.locator('.datepicker-days td.day:not(.old):not(.new)', { hasText: /^15$/ }).click();
    await expect.poll(() => alice.page.locator('#due_date').inputValue()).toBe('2024-07-15');
    await expect.poll(() => stored('orderview:42', 'due_date')).toBe('2024-07-15'); // a date: one versioned value, never merged text
    await expect.poll(() => bob.page.locator('#due_date').inputValue()).toBe('2024-07-15');
    // bob's picker follows the remote date: opened, it marks the 15th.
    await bob.page.click('#due_date');
    await expect(bob.page.locator('.datepicker-days td.day.active').textContent()).resolves.toBe('15');
    await bob.page.keyboard.press('Escape');
    await Promise.all([synced(alice.page), synced(bob.page)]);
    for (const u of [alice, bob]) {
      const form = await submitted(u.page, 'button[type=submit]');
      expect(form.get('currency')).toBe('GBP');
      expect(form.getAll('tags')).toEqual(['1', '2']);
      expect(form.get('due_date')).toBe('2024-07-15');
    }
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('while bob is in a select2 dropdown, alice sees his focus ring on the widget he sees', async () => {
    const alice = await open(FAB, 'alice');
    const bob = await open(FAB, 'bob');
    await bob.page.click('#currency + .select2 .select2-selection');
    const ring = overlay(alice.page, '.tdm-ring[data-field="currency"]');
    await ring.waitFor({ timeout: 10_000 });
    const r = (await ring.boundingBox())!;
    const w = (await alice.page.locator('#currency + .select2').boundingBox())!;
    expect(Math.abs(r.x - w.x)).toBeLessThan(12);
    expect(Math.abs(r.width - w.width)).toBeLessThan(24);
    await bob.page.keyboard.press('Escape');
  });

  it('a host registers its own adapter, as docs/embedding.md shows, before and after tandem.js loads', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    people.push({ context, page, errors: [] });
    await page.addInitScript(() => {
      (window.tandemAdapters = window.tandemAdapters || []).push({
        name: 'my-colour-picker',
        detect: (field) => field.element.id === 'amount',
        bind: ({ field }) => ({ visible: () => field.element.closest('td') || field.element }),
      });
    });
    await page.goto(`${demo.url}${FAB}?as=alice`);
    await ready(page);
    expect(await page.locator('#amount').getAttribute('data-tandem-binding')).toBe('my-colour-picker');
    await page.evaluate(() =>
      window.tandemAdapters!.push({ name: 'late', detect: (f) => f.name === 'customer', bind: () => ({}) }),
    );
    expect(await page.evaluate(() => window.tandem!.ctx.fields.fieldOf(document.getElementById('customer'))?.name)).toBe('customer');
    await page.focus('#customer');
    await expect.poll(() => page.locator('#customer').getAttribute('data-tandem-binding')).toBe('late');
  });

  it('a checkbox group (Django CheckboxSelectMultiple) joins and syncs as the list of checked values', async () => {
    const alice = await open(DJANGO, 'alice');
    const bob = await open(DJANGO, 'bob');
    await alice.page.click('#id_tags_1');
    await expect.poll(() => stored('shop.order:42', 'tags')).toEqual(['1', '2', '3']);
    await expect.poll(() => bob.page.locator('#id_tags_1').isChecked()).toBe(true);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('an email field is co-edited: both people type at once, nothing throws, each caret stays where its owner types', async () => {
    const alice = await open(DJANGO, 'alice');
    const bob = await open(DJANGO, 'bob');
    await alice.page.click('#id_customer_email');
    await alice.page.keyboard.press('End');
    await bob.page.click('#id_customer_email');
    await bob.page.keyboard.press('Home');
    await Promise.all([alice.page.keyboard.type('.de', { delay: 40 }), bob.page.keyboard.type('eu-', { delay: 40 })]);
    await Promise.all([synced(alice.page), synced(bob.page)]);
    await expect.poll(() => bob.page.locator('#id_customer_email').inputValue()).toBe('eu-orders@northwind.example.de');
    expect(await alice.page.locator('#id_customer_email').inputValue()).toBe('eu-orders@northwind.example.de');
    const carol = await open(DJANGO, 'carol'); // what the server holds, as a newcomer is shown it
    expect(await carol.page.locator('#id_customer_email').inputValue()).toBe('eu-orders@northwind.example.de');
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('keep mine: the chooser’s page keeps showing their value, the room and the other page take it, and their Save submits it', async () => {
    const alice = await open(DJANGO, 'alice');
    const bob = await open(DJANGO, 'bob');
    await bob.page.context().setOffline(true); // bob misses alice's change, so his write is stale
    await waitForConnection(bob.page, 'reconnecting', 'offline');
    await alice.page.selectOption('#id_status', 'shipped');
    await expect.poll(() => stored('shop.order:42', 'status')).toBe('shipped');
    await bob.page.selectOption('#id_status', 'cancelled');
    await bob.page.context().setOffline(false);
    const dialog = overlay(bob.page, '.fields-conflict[data-field="status"]');
    await dialog.waitFor({ timeout: 20_000 });
    expect(await bob.page.locator('#id_status').inputValue()).toBe('cancelled'); // his own value while he chooses
    await overlay(bob.page, '.fields-conflict button[data-action="mine"]').click();
    await expect.poll(() => stored('shop.order:42', 'status')).toBe('cancelled');
    await expect.poll(() => alice.page.locator('#id_status').inputValue()).toBe('cancelled');
    expect(await bob.page.locator('#id_status').inputValue()).toBe('cancelled');
    await synced(bob.page);
    expect((await submitted(bob.page, 'input[name=_save]')).get('status')).toBe('cancelled');
  });

  it('take theirs: the chooser’s page shows theirs, and a Save submits theirs', async () => {
    const alice = await open(DJANGO, 'alice');
    const bob = await open(DJANGO, 'bob');
    await bob.page.context().setOffline(true);
    await waitForConnection(bob.page, 'reconnecting', 'offline');
    await alice.page.selectOption('#id_status', 'new');
    await expect.poll(() => stored('shop.order:42', 'status')).toBe('new');
    await bob.page.selectOption('#id_status', 'shipped');
    await bob.page.context().setOffline(false);
    await overlay(bob.page, '.fields-conflict[data-field="status"]').waitFor({ timeout: 20_000 });
    expect(await bob.page.locator('#id_status').inputValue()).toBe('shipped');
    await overlay(bob.page, '.fields-conflict button[data-action="theirs"]').click();
    await expect.poll(() => bob.page.locator('#id_status').inputValue()).toBe('new');
    expect(await stored('shop.order:42', 'status')).toBe('new');
    expect(await alice.page.locator('#id_status').inputValue()).toBe('new');
    await synced(bob.page);
    expect((await submitted(bob.page, 'input[name=_save]')).get('status')).toBe('new');
  });

  it('equal values are never a conflict: both chose the same, no dialog, everyone shows it', async () => {
    const alice = await open(DJANGO, 'alice');
    const bob = await open(DJANGO, 'bob');
    const before = await alice.page.locator('#id_express').isChecked();
    await bob.page.context().setOffline(true);
    await waitForConnection(bob.page, 'reconnecting', 'offline');
    await alice.page.click('#id_express');
    await expect.poll(() => stored('shop.order:42', 'express')).toBe(!before);
    await bob.page.click('#id_express');
    await bob.page.context().setOffline(false);
    await waitForConnection(bob.page, 'connected');
    await synced(bob.page);
    await bob.page.waitForTimeout(500);
    expect(await overlay(bob.page, '.fields-conflict').count()).toBe(0);
    expect(await bob.page.locator('#id_express').isChecked()).toBe(!before);
    expect(await alice.page.locator('#id_express').isChecked()).toBe(!before);
  });

  it('value edits made offline land when the page is back, also across a reload', async () => {
    const alice = await open(DJANGO, 'alice');
    await alice.page.context().setOffline(true);
    await waitForConnection(alice.page, 'reconnecting', 'offline');
    await alice.page.fill('#id_quantity', '7');
    await alice.page.locator('#id_quantity').blur();
    await alice.page.selectOption('#id_status', 'shipped');
    await alice.page.waitForFunction(() => document.getElementById('tandem-overlay')?.dataset.unsaved === 'true');
    await alice.page.context().setOffline(false);
    alice.page.on('dialog', (d) => void d.accept()); // "leave with unsaved edits?"
    await alice.page.reload();
    await waitForConnection(alice.page, 'connected');
    await synced(alice.page);
    await expect.poll(() => stored('shop.order:42', 'quantity')).toBe('7');
    expect(await stored('shop.order:42', 'status')).toBe('shipped');
    expect(await alice.page.locator('#id_quantity').inputValue()).toBe('7');
    expect(await alice.page.locator('#id_status').inputValue()).toBe('shipped');
  });

  it('a value edit made while the server restarts is delivered, not overwritten by the rejoin', async () => {
    const alice = await open(DJANGO, 'alice');
    await alice.page.selectOption('#id_status', 'processing');
    await expect.poll(() => stored('shop.order:42', 'status')).toBe('processing');
    await demo.crash();
    await waitForConnection(alice.page, 'reconnecting', 'offline');
    await alice.page.selectOption('#id_status', 'cancelled');
    await demo.restart();
    await waitForConnection(alice.page, 'connected');
    await synced(alice.page);
    await expect.poll(() => stored('shop.order:42', 'status'), { timeout: 15_000 }).toBe('cancelled');
    expect(await alice.page.locator('#id_status').inputValue()).toBe('cancelled');
  });

  it('a record saved elsewhere re-bases the page; a user with an edit of their own is asked, never silently overwritten', async () => {
    const alice = await open(FAB, 'alice');
    const bob = await open(FAB, 'bob');
    await bob.page.context().setOffline(true);
    await waitForConnection(bob.page, 'reconnecting', 'offline');
    // bob's own edit, through select2, not yet sent.
    await bob.page.click('#currency + .select2 .select2-selection');
    await bob.page.keyboard.type('GB');
    await bob.page.keyboard.press('Enter');
    const r = await fetch(`${demo.url}/api/v1/records/changed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pageKey: 'orderview:42', values: { currency: 'USD', paid: true, tags: ['3'] }, savedBy: 'Billing sync' }),
    });
    expect(r.status).toBe(200);
    await expect.poll(() => alice.page.locator('#currency + .select2 .select2-selection__rendered').textContent()).toBe('USD');
    await expect.poll(() => alice.page.locator('#tags').evaluate((s: HTMLSelectElement) => [...s.selectedOptions].map((o) => o.value))).toEqual(['3']);
    await bob.page.context().setOffline(false);
    await overlay(bob.page, '.fields-conflict[data-field="currency"]').waitFor({ timeout: 20_000 });
    // His own value while he chooses; the fields he did not touch are re-based.
    expect(await bob.page.locator('#currency + .select2 .select2-selection__rendered').textContent()).toBe('GBP');
    await expect.poll(() => bob.page.locator('#paid').isChecked()).toBe(true);
    await overlay(bob.page, '.fields-conflict button[data-action="theirs"]').click();
    await expect.poll(() => bob.page.locator('#currency + .select2 .select2-selection__rendered').textContent()).toBe('USD');
    await synced(bob.page);
    const form = await submitted(bob.page, 'button[type=submit]');
    expect([form.get('currency'), form.get('paid'), form.getAll('tags')]).toEqual(['USD', 'on', ['3']]);
  });

  it('a value set by a script without any event is caught, and a Save right after it waits until the room has it', async () => {
    const alice = await open(DJANGO, 'alice');
    const bob = await open(DJANGO, 'bob');
    // As Django's calendar shortcut does: assign .value, fire nothing; then Save at once.
    await alice.page.evaluate(() => ((document.getElementById('id_ship_date') as HTMLInputElement).value = '2024-12-24'));
    const form = await submitted(alice.page, 'input[name=_save]');
    expect(form.get('ship_date')).toBe('2024-12-24');
    expect(await stored('shop.order:42', 'ship_date')).toBe('2024-12-24'); // in the room before the host got the Save
    await expect.poll(() => bob.page.locator('#id_ship_date').inputValue()).toBe('2024-12-24');
  });
});
