// Issue 9's conflict flows on Django admin widgets: keep mine (select2 autocomplete), take theirs
// (filter_horizontal), equal values (checkbox and select), and a date picked offline. Each ends
// with both pages and the room document equal, and a Save that writes exactly what was shown.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { overlay, screenshot, type UserPage } from './helpers/browser.js';
import { type DjangoStack, hasDjango, openAdminAs, startDjangoStack } from './helpers/django.js';
import { asOrder, customerShown, moveTags, pickCustomer, pickDay, ready, save, shown, synced } from './helpers/django-admin-ui.js';

/**
 * Bob stops hearing field changes (as if a broadcast was lost), so his next write is stale; and
 * the resync that would catch the loss up (room:heads, every RESYNC_INTERVAL_MS) — on a loaded
 * machine the steps took longer than its 10 s and bob caught up before writing: no conflict.
 */
const deafen = (p: Page) => p.evaluate(() => void window.tandem!.ctx.socket.off('field:ops').off('room:heads'));
const dialog = (p: Page, field: string) => overlay(p, `.fields-conflict[data-field="${field}"]`);

describe.skipIf(!hasChromium || !hasPg || !hasDjango)('conflicts on Django admin widgets', { timeout: 60_000 }, () => {
  let stack: DjangoStack;
  let pages: UserPage[] = [];
  beforeAll(async () => {
    stack = await startDjangoStack();
  });
  afterAll(() => stack?.close());

  async function both(pk: number): Promise<[Page, Page]> {
    for (const u of pages) await u.context.close();
    const path = `/admin/shop/order/${pk}/change/`;
    pages = await Promise.all([openAdminAs(stack, 'alice', path), openAdminAs(stack, 'bob', path)]);
    await Promise.all(pages.map((u) => ready(u.page)));
    return [pages[0]!.page, pages[1]!.page];
  }
  const doc = async (pk: number) => asOrder(await stack.document(`shop.order:${pk}`));
  /** Both pages show the same values as the room, then both save: Django's row holds them. */
  async function agreeAndSave(pk: number, a: Page, b: Page, want: Record<string, unknown>) {
    await expect.poll(() => shown(a), { timeout: 10_000 }).toMatchObject(want);
    await expect.poll(() => shown(b), { timeout: 10_000 }).toMatchObject(want);
    const final = await shown(a);
    expect(await shown(b)).toEqual(final);
    await expect.poll(() => doc(pk), { timeout: 10_000 }).toEqual(final);
    await save(b);
    expect(stack.django.order(pk)).toEqual(final);
    await save(a);
    expect(stack.django.order(pk)).toEqual(final);
    expect(pages.flatMap((u) => u.errors)).toEqual([]);
  }

  it('keep mine on an autocomplete (select2) field: every page, the room and the row hold the kept customer', async () => {
    const [a, b] = await both(3);
    await deafen(b);
    await pickCustomer(a, 'glob', 'Globex');
    await expect.poll(async () => (await doc(3)).customer).toBe('2');
    await pickCustomer(b, 'ini', 'Initech');
    await dialog(b, 'customer').waitFor();
    // While bob chooses, his page shows his own value.
    expect([(await shown(b)).customer, await customerShown(b)]).toEqual(['3', 'Initech']);
    await screenshot(b, 'django-conflict-select2');
    await overlay(b, '.fields-conflict button[data-action="mine"]').click();
    await expect.poll(async () => (await doc(3)).customer).toBe('3');
    await expect.poll(async () => (await shown(a)).customer, { timeout: 10_000 }).toBe('3');
    expect([(await shown(b)).customer, await customerShown(b)]).toEqual(['3', 'Initech']);
    // (How alice's select2 draws a customer it never had among its options: django-admin.test.ts.)
    await agreeAndSave(3, a, b, { customer: '3' });
  });

  it('take theirs on filter_horizontal: the chosen box shows the other user’s tags', async () => {
    const [a, b] = await both(4);
    await deafen(b);
    await moveTags(a, ['bulk'], 'chosen');
    await expect.poll(async () => (await doc(4)).tags).toEqual(['1', '3']);
    await moveTags(b, ['express'], 'chosen');
    await dialog(b, 'tags').waitFor();
    expect((await shown(b)).tags).toEqual(['1', '4']);
    await overlay(b, '.fields-conflict button[data-action="theirs"]').click();
    await expect.poll(() => b.locator('#id_tags_to option').allTextContents(), { timeout: 10_000 }).toEqual(['fragile', 'bulk']);
    expect(await b.locator('#id_tags_from option').allTextContents()).toContain('express');
    expect((await doc(4)).tags).toEqual(['1', '3']);
    await agreeAndSave(4, a, b, { tags: ['1', '3'] });
  });

  it('equal values are never a conflict (a checkbox and a select set alike by both)', async () => {
    const [a, b] = await both(5);
    await deafen(b);
    await a.click('#id_urgent');
    await a.selectOption('#id_status', 'shipped');
    await expect.poll(async () => [(await doc(5)).urgent, (await doc(5)).status]).toEqual([true, 'shipped']);
    await b.click('#id_urgent');
    await b.selectOption('#id_status', 'shipped');
    await b.waitForTimeout(1500); // room for a wrong dialog to appear
    expect(await overlay(b, '.fields-conflict').count()).toBe(0);
    await agreeAndSave(5, a, b, { urgent: true, status: 'shipped' });
  });

  // Django's date input is a text input: co-edited as text, the two picks would merge into
  // "2026-01-2021", which both pages would show and Django would refuse to save.
  it('a day picked in the calendar while offline, another picked meanwhile: the choice, and the kept day everywhere', async () => {
    const [a, b] = await both(6);
    await b.evaluate(() => void window.tandem!.ctx.socket.disconnect());
    await pickDay(b, 21);
    await pickDay(a, 20);
    await synced(a);
    await expect.poll(async () => (await doc(6)).due).toBe('2026-01-20');
    await b.evaluate(() => void window.tandem!.ctx.socket.connect());
    // Bob's stale pick raises the choice; his page shows his own day meanwhile. He keeps it.
    await dialog(b, 'due').waitFor({ timeout: 15_000 });
    expect((await shown(b)).due).toBe('2026-01-21');
    await overlay(b, '.fields-conflict button[data-action="mine"]').click();
    await expect.poll(async () => (await doc(6)).due, { timeout: 10_000 }).toBe('2026-01-21');
    await agreeAndSave(6, a, b, { due: '2026-01-21' });
  });
});
