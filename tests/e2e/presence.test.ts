import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, intersects, openAs, overlay, screenshot, startDemo, waitForConnection } from './helpers/browser.js';
import { covered, openMenu, scrollTo } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const FAB = '/demo/orderview/edit/42';

describe.skipIf(!hasChromium || !hasPg)('presence in the browser (demo pages, headless Chromium)', () => {
  let demo: Demo;

  beforeAll(async () => {
    demo = await startDemo({ PRESENCE_GRACE_MS: '1500', PRESENCE_SWEEP_MS: '200' });
  });
  afterAll(() => demo?.close());

  it("each sees the other's avatar, focus ring and caret (code points, with emoji); closing one removes it", async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    for (const u of [alice, bob]) await openMenu(u.page);
    await overlay(alice.page, '.tdm-avatar[data-user-id="bob"]').waitFor();
    await overlay(bob.page, '.tdm-avatar[data-user-id="alice"]').waitFor();
    expect(await overlay(alice.page, '.tdm-avatar[data-user-id="bob"]').getAttribute('aria-label')).toContain('Bob Okafor');

    // Bob puts his caret right after the 📦 in Notes; Alice focuses the customer name.
    const { utf16, codePoints } = await bob.page.evaluate(() => {
      const el = document.getElementById('id_notes') as HTMLTextAreaElement;
      el.focus();
      const i = el.value.indexOf('📦') + 2;
      el.setSelectionRange(i, i);
      return { utf16: i, codePoints: [...el.value.slice(0, i)].length };
    });
    expect(utf16).toBe(codePoints + 1);
    await alice.page.click('#id_customer_name');

    await overlay(alice.page, '.tdm-ring[data-user-id="bob"][data-field="notes"]').waitFor();
    await overlay(alice.page, '.tdm-tag[data-user-id="bob"]').waitFor();
    const caret = overlay(alice.page, `.tdm-caret[data-user-id="bob"][data-field="notes"][data-position="${codePoints}"]`);
    await caret.waitFor();
    await overlay(bob.page, '.tdm-ring[data-user-id="alice"][data-field="customer_name"]').waitFor();

    // The caret is drawn inside the textarea, just after the emoji as Alice's browser lays it out.
    const box = (await caret.boundingBox())!;
    const field = (await alice.page.locator('#id_notes').boundingBox())!;
    expect(intersects(box, field)).toBe(true);
    const expected = await alice.page.evaluate((i) => {
      const el = document.getElementById('id_notes') as HTMLTextAreaElement;
      const range = document.createRange();
      // Measure the same prefix in a plain element with the textarea's font for an independent check.
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(el).font;
      probe.style.whiteSpace = 'pre';
      probe.textContent = el.value.slice(0, i).split('\n').at(-1)!;
      document.body.append(probe);
      range.selectNodeContents(probe);
      const w = range.getBoundingClientRect().width;
      probe.remove();
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft) + w;
    }, utf16);
    expect(Math.abs(box.x - expected)).toBeLessThan(6);

    // A selection is drawn too.
    await bob.page.evaluate(() => (document.getElementById('id_notes') as HTMLTextAreaElement).setSelectionRange(0, 8));
    await overlay(alice.page, '.tdm-selection[data-user-id="bob"]').first().waitFor();

    await screenshot(alice.page, 'presence-alice');
    await screenshot(bob.page, 'presence-bob');

    await bob.context.close();
    await overlay(alice.page, '.tdm-avatar[data-user-id="bob"]').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await overlay(alice.page, '.tdm-ring[data-user-id="bob"]').count()).toBe(0);
    expect(alice.errors).toEqual([]);
    await alice.context.close();
  });

  it('shows "reconnecting" when the server dies and restores presence when it is back', async () => {
    const alice = await openAs(demo.browser, demo.url, FAB, 'alice');
    const bob = await openAs(demo.browser, demo.url, FAB, 'bob');
    for (const u of [alice, bob]) await openMenu(u.page);
    await overlay(alice.page, '.tdm-avatar[data-user-id="bob"]').waitFor();
    await bob.page.click('#description');
    await overlay(alice.page, '.tdm-ring[data-user-id="bob"][data-field="description"]').waitFor();

    await demo.crash();
    await waitForConnection(alice.page, 'reconnecting');
    await waitForConnection(bob.page, 'reconnecting');
    expect(await overlay(alice.page, '.tdm-conn').textContent()).toContain('Reconnecting');
    await screenshot(alice.page, 'presence-reconnecting');

    await demo.restart();
    await waitForConnection(alice.page, 'connected');
    await waitForConnection(bob.page, 'connected');
    await overlay(alice.page, '.tdm-avatar[data-user-id="bob"]').waitFor({ timeout: 15_000 });
    await overlay(bob.page, '.tdm-avatar[data-user-id="alice"]').waitFor({ timeout: 15_000 });
    // Bob's focus is re-announced after the re-join.
    await overlay(alice.page, '.tdm-ring[data-user-id="bob"][data-field="description"]').waitFor({ timeout: 15_000 });
    await screenshot(alice.page, 'presence-restored-alice');
    await screenshot(bob.page, 'presence-restored-bob');
    await alice.context.close();
    await bob.context.close();
  }, 60_000);

  it('is usable at phone width and never covers the page controls', async () => {
    const phone = { width: 375, height: 700 };
    const carol = await openAs(demo.browser, demo.url, DJANGO, 'carol', { viewport: phone });
    const dave = await openAs(demo.browser, demo.url, DJANGO, 'dave', { viewport: phone });
    // Closed, the overlay is a launcher that covers none of the page's controls, scrolled anywhere.
    for (const where of ['top', 'bottom'] as const) {
      await scrollTo(carol.page, where);
      expect(await covered(carol.page), `scrolled to ${where}`).toEqual([]);
    }
    const launcher = (await overlay(carol.page, '.tdm-launcher').boundingBox())!;
    for (const sel of ['input[name=_save]', 'input[name=_continue]', '.deletelink']) {
      const b = (await carol.page.locator(sel).boundingBox())!;
      expect(intersects(launcher, b), `${sel} is covered by the launcher`).toBe(false);
    }
    await openMenu(carol.page);
    await overlay(carol.page, '.tdm-avatar[data-user-id="dave"]').waitFor();
    expect((await overlay(carol.page, '.tdm-menu').boundingBox())!.width).toBeLessThanOrEqual(phone.width);
    // Keyboard: the avatar and the status picker are reachable and labelled.
    const avatar = overlay(carol.page, '.tdm-avatar[data-user-id="dave"]');
    await avatar.focus();
    expect(await avatar.evaluate((el) => el.matches(':focus'))).toBe(true);
    expect(await overlay(carol.page, '.tdm-status-select').getAttribute('aria-label')).toBe('Your status');
    await overlay(carol.page, '.tdm-status-select').selectOption('dnd');
    await openMenu(dave.page);
    await overlay(dave.page, '.tdm-avatar[data-user-id="carol"][data-status="dnd"]').waitFor();
    await screenshot(carol.page, 'presence-phone');
    await carol.context.close();
    await dave.context.close();
  });
});
