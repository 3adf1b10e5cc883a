// Calm by default, in the host's language and theme: nothing opens by itself, identical toasts
// coalesce, toasts cover no host control, pages Tandem did not join say so and why, a German
// host gets German UI, a themed host's custom properties and ::part() rules apply.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, screenshot, startDemo } from './helpers/browser.js';
import { covered, openMenu, openTool, settle } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const FAB = '/demo/orderview/edit/42';
const openPanels = (page: Page) => page.evaluate(() => [...document.getElementById('tandem-overlay')!.shadowRoot!.querySelectorAll('.tdm-panel:not([hidden]), .tdm-menu:not([hidden])')].length);

/**
 * A host page variant: `edit` runs in the page as soon as <html> exists, before any page script
 * (tandem.js reads the page's language at boot). Not a route: a page served by the test would
 * be another address space to Chromium, which then blocks its socket to 127.0.0.1.
 */
const hostVariant = (page: Page, edit: () => void) => page.addInitScript(edit);
describe.skipIf(!hasChromium || !hasPg)('calm, language and theme (demo pages)', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it('a help offer opens nothing: a count on Work and the launcher, an announcement, a toast that covers no control', async () => {
    const carol = await openAs(demo.browser, demo.url, DJANGO, 'carol');
    const dave = await openAs(demo.browser, demo.url, FAB, 'dave', { viewport: { width: 390, height: 844 } });
    await openTool(carol.page, 'work');
    await overlay(carol.page, '[data-input="help-message"]').fill('Which VAT rate applies?');
    await overlay(carol.page, '[data-input="help-topic"]').fill('tax');
    await overlay(carol.page, '[data-action="ask-help"]').click();

    await overlay(dave.page, '.tdm-tool-work .tdm-count:not([hidden])').waitFor({ state: 'attached' });
    await dave.page.waitForFunction(() => document.getElementById('tandem-overlay')!.shadowRoot!.querySelector('.tdm-sr[aria-live]')!.textContent!.includes('asks for your help'));
    expect(await openPanels(dave.page)).toBe(0);
    // The launcher sums the tools' counts (the offer on Work, its notification in the inbox).
    await dave.page.waitForFunction(() => {
      const root = document.getElementById('tandem-overlay')!.shadowRoot!;
      const sum = [...root.querySelectorAll('.tdm-tool .tdm-count')].reduce((n, c) => n + Number(c.textContent || 0), 0);
      return sum >= 1 && root.querySelector('.tdm-launcher-count')!.textContent === String(sum) && root.querySelector('.tdm-launcher')!.getAttribute('aria-label')!.includes(`${sum} new`);
    });
    await settle(dave.page);
    expect(await covered(dave.page)).toEqual([]);
    await screenshot(dave.page, 'calm-offer-390');
    // Still calm after a reload (the offer comes with the join answer).
    await dave.page.reload();
    await dave.page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    await overlay(dave.page, '.tdm-tool-work .tdm-count:not([hidden])').waitFor({ state: 'attached' });
    expect(await openPanels(dave.page)).toBe(0);
    // The user opens it.
    await openTool(dave.page, 'work');
    await overlay(dave.page, '.work-card[data-kind="offer"]').waitFor();
    await carol.context.close();
    await dave.context.close();
  }, 60_000);

  it('the launcher moves to another corner from the keyboard and stays there for that user, not for others', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const corner = () => overlay(alice.page, '.tdm-launcher').getAttribute('data-corner');
    expect(await corner()).toBe('bottom-right');
    await alice.page.keyboard.press('Alt+Shift+T'); // the shortcut opens the menu
    await overlay(alice.page, '.tdm-move').focus();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.press('Escape'); // closes the menu the user opened
    await settle(alice.page);
    expect(await corner()).toBe('bottom-left');
    const box = (await overlay(alice.page, '.tdm-launcher').boundingBox())!;
    expect(box.x).toBeLessThan(640);
    expect(await covered(alice.page)).toEqual([]);
    await alice.page.reload();
    await alice.page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    await settle(alice.page);
    expect(await corner()).toBe('bottom-left');
    // Bob in the same browser (same localStorage) keeps his own corner.
    const bob = await alice.context.newPage();
    await bob.goto(`${demo.url}${DJANGO}?as=bob`);
    await bob.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    expect(await overlay(bob, '.tdm-launcher').getAttribute('data-corner')).toBe('bottom-right');
    await alice.context.close();
  });

  it('dragging the launcher docks it to the corner it is dropped in, opens nothing, and is remembered for that user', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice', { viewport: { width: 1280, height: 900 } });
    const launcher = overlay(alice.page, '.tdm-launcher');
    expect(await launcher.getAttribute('data-corner')).toBe('bottom-right');
    const from = (await launcher.boundingBox())!;
    await alice.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await alice.page.mouse.down();
    await alice.page.mouse.move(300, 250, { steps: 12 });
    await alice.page.mouse.up();
    await settle(alice.page);
    expect(await launcher.getAttribute('data-corner')).toBe('top-left');
    const box = (await launcher.boundingBox())!;
    expect(box.x + box.width / 2).toBeLessThan(640);
    expect(box.y + box.height / 2).toBeLessThan(450);
    // A drag is not a click: the menu stays closed; the new spot covers nothing.
    expect(await openPanels(alice.page)).toBe(0);
    expect(await covered(alice.page)).toEqual([]);
    await screenshot(alice.page, 'calm-launcher-dragged');
    await alice.page.reload();
    await alice.page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    await settle(alice.page);
    expect(await launcher.getAttribute('data-corner')).toBe('top-left');
    expect(await covered(alice.page)).toEqual([]);
    // A plain click still opens the menu.
    await launcher.click();
    await overlay(alice.page, '.tdm-menu').waitFor();
    const bob = await alice.context.newPage();
    await bob.goto(`${demo.url}${DJANGO}?as=bob`);
    await bob.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    expect(await overlay(bob, '.tdm-launcher').getAttribute('data-corner')).toBe('bottom-right');
    await alice.context.close();
  });

  it('identical toasts coalesce into one with a count', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    await openTool(alice.page, 'work');
    await overlay(alice.page, '[data-action="delegate-mode"]').click();
    // Delegating with nothing picked, three times: one toast, "×3".
    for (let i = 0; i < 3; i++) await overlay(alice.page, '[data-action="delegate"]').click();
    await overlay(alice.page, '.tdm-toast[data-count="3"]').waitFor({ state: 'attached' });
    expect(await overlay(alice.page, '.tdm-toast').count()).toBe(1);
    expect(await overlay(alice.page, '.tdm-toast-count').textContent()).toBe('×3');
    await alice.context.close();
  });

  it('a page Tandem did not join says "not collaborative here" and why, not "Connected · Only you here"', async () => {
    // The host moved the record to a page key the user's token grants nothing on.
    // Erin may read orders only; the host puts this page in a room her token grants nothing on.
    const alice = await demo.browser.newContext().then((c) => c.newPage());
    await hostVariant(alice, () => {
      // The demo loader creates the script tag; give it a room the demo token does not cover.
      const observe = new MutationObserver(() => {
        const s = document.querySelector<HTMLScriptElement>('script[data-token-url]');
        if (s && !s.dataset.room) s.dataset.room = 'secret.payroll:1';
      });
      observe.observe(document, { childList: true, subtree: true });
    });
    await alice.goto(`${demo.url}${DJANGO}?as=erin`);
    await alice.waitForFunction(() => document.getElementById('tandem-overlay')?.dataset.available === 'false', undefined, { timeout: 10_000 });
    expect(await overlay(alice, '.tdm-launcher').getAttribute('aria-label')).toContain('Not collaborative here');
    await overlay(alice, '.tdm-launcher').click();
    expect(await overlay(alice, '.tdm-conn').textContent()).toContain('Not collaborative here');
    expect(await overlay(alice, '.tdm-why').textContent()).toMatch(/no permission/);
    expect(await overlay(alice, '.tdm-tool-chat').isVisible()).toBe(false);
    expect(await overlay(alice, '.tdm-menu').evaluate((e) => (e as HTMLElement).innerText)).not.toContain('Only you here');
    await screenshot(alice, 'calm-not-collaborative');
    await alice.context().close();
  });

  it('a German host page (<html lang="de">) shows German UI, notifications from the server included; data-lang="fr" picks French', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await hostVariant(page, () => {
      const mo = new MutationObserver(() => {
        if (document.documentElement && document.documentElement.lang !== 'de') (document.documentElement.lang = 'de'), mo.disconnect();
      });
      mo.observe(document, { childList: true });
    });
    await page.goto(`${demo.url}${DJANGO}?as=alice`);
    await page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    await settle(page);
    expect(await overlay(page, '.tdm-launcher').getAttribute('aria-label')).toBe('Tandem, Verbunden');
    await overlay(page, '.tdm-launcher').click();
    expect(await overlay(page, '.tdm-tool-work').textContent()).toContain('Aufgaben');
    expect(await overlay(page, '.tdm-tool-notifications').textContent()).toContain('Posteingang');
    expect(await overlay(page, '.tdm-status-select option[value="dnd"]').textContent()).toBe('Nicht stören');
    await overlay(page, '.tdm-tool-work').click();
    expect(await overlay(page, '.tdm-panel-work h2').textContent()).toBe('Aufgaben: delegieren und Hilfe holen');
    expect(await overlay(page, '[data-action="ask-help"]').textContent()).toBe('Hilfe anfordern');
    await screenshot(page, 'lang-de');
    // What the server says comes as data (key + params) and is shown in German too: Bob mentions her.
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    await openTool(bob.page, 'chat');
    await overlay(bob.page, '.tdm-panel-chat textarea').fill('@alice bitte die Summe prüfen');
    await overlay(bob.page, '.tdm-panel-chat textarea').press('Enter');
    await overlay(page, '.tdm-toast').filter({ hasText: 'hat Sie erwähnt' }).waitFor({ state: 'attached', timeout: 15_000 });
    await page.keyboard.press('Escape');
    await openTool(page, 'notifications');
    await expect.poll(() => overlay(page, '.tdmc-notif .tdmc-name').first().textContent()).toBe('Bob Okafor hat Sie erwähnt');
    await bob.context.close();
    await context.close();

    const fr = await openAs(demo.browser, demo.url, `${FAB}?lang=fr`, 'bob');
    await overlay(fr.page, '.tdm-launcher').click();
    expect(await overlay(fr.page, '.tdm-tool-chat').textContent()).toContain('Discussion');
    await fr.context.close();
  });

  it('a themed host: --tandem-* custom properties and ::part() apply; the dark theme follows prefers-color-scheme only when opted in', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await hostVariant(page, () =>
      document.addEventListener('DOMContentLoaded', () => {
        const style = document.createElement('style');
        style.textContent = ':root { --tandem-bg: rgb(10, 20, 30); --tandem-accent: rgb(200, 0, 100); --tandem-fg: rgb(250, 250, 250); } #tandem-overlay::part(launcher) { border-radius: 4px; }';
        document.head.append(style);
      }),
    );
    await page.goto(`${demo.url}${DJANGO}?as=alice`);
    await page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
    const style = () => overlay(page, '.tdm-launcher').evaluate((e) => { const s = getComputedStyle(e); return { bg: s.backgroundColor, color: s.color, radius: s.borderTopLeftRadius }; });
    expect(await style()).toEqual({ bg: 'rgb(10, 20, 30)', color: 'rgb(200, 0, 100)', radius: '4px' });
    await overlay(page, '.tdm-launcher').click();
    expect(await overlay(page, '.tdm-menu').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(250, 250, 250)');
    await screenshot(page, 'theme-custom');
    await context.close();

    const dark = await demo.browser.newContext({ colorScheme: 'dark' });
    const bg = async (path: string) => {
      const p = await dark.newPage();
      await p.goto(`${demo.url}${path}`);
      await p.waitForFunction(() => Boolean(window.tandem?.ctx.room));
      const v = await overlay(p, '.tdm-launcher').evaluate((e) => getComputedStyle(e).backgroundColor);
      if (path.includes('theme=auto')) (await overlay(p, '.tdm-launcher').click(), await screenshot(p, 'theme-dark'));
      await p.close();
      return v;
    };
    expect(await bg(`${DJANGO}?as=alice`)).toBe('rgb(255, 255, 255)');
    expect(await bg(`${DJANGO}?as=alice&theme=auto`)).toBe('rgb(34, 39, 46)');
    await dark.close();
  });
});
