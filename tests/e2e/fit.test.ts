// The overlay never covers the host's controls and every action stays reachable, at four sizes,
// on the demo Django admin and Flask-AppBuilder pages and on a real Django admin change form;
// axe finds nothing serious or critical in each state there; a screenshot of each is kept.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, screenshot, startDemo } from './helpers/browser.js';
import { type DjangoStack, hasDjango, openAdminAs, startDjangoStack } from './helpers/django.js';
import { covered, expectAxeClean, expectHostOwn, hostBoxes, scrollTo, settle, SIZES } from './helpers/fit.js';

const PAGES = [
  { name: 'demo-django', path: '/demo/admin/shop/order/42/change/' },
  { name: 'demo-fab', path: '/demo/orderview/edit/42' },
];
const TOOLS = ['chat', 'comments', 'notifications', 'work'];

const inViewport = async (page: Page, selector: string) => {
  const box = await overlay(page, selector).boundingBox();
  const vp = page.viewportSize()!;
  return Boolean(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5);
};

/** Closed overlay at top, middle and bottom: nothing covered; then every tool opens, in view, and closes. */
async function checkPage(page: Page, label: string) {
  const own = new Set<string>();
  const axeClean = async (state: string) => {
    for (const f of (await expectAxeClean(page, `${label} ${state}`)).hostOwn) own.add(`${f.id} ${f.where}`);
  };
  await settle(page);
  for (const where of ['top', 'middle', 'bottom'] as const) {
    await scrollTo(page, where);
    expect(await hostBoxes(page), 'the page has controls in view').not.toHaveLength(0);
    expect(await covered(page), `${label} scrolled to ${where}`).toEqual([]);
    expect(await overlay(page, '.tdm-launcher').getAttribute('data-covering')).toBe('false');
  }
  await scrollTo(page, 'top');
  await axeClean('closed');
  await screenshot(page, `fit-${label}-closed`);
  // Every action is reachable: the menu fits the screen, each tool is in view and opens its panel in view.
  await overlay(page, '.tdm-launcher').click();
  await overlay(page, '.tdm-menu').waitFor();
  expect(await inViewport(page, '.tdm-menu'), `${label}: menu in view`).toBe(true);
  expect(await inViewport(page, '.tdm-status-select'), `${label}: status in view`).toBe(true);
  await axeClean('menu');
  await screenshot(page, `fit-${label}-menu`);
  for (const id of TOOLS) {
    if (!(await overlay(page, '.tdm-menu').isVisible())) await overlay(page, '.tdm-launcher').click();
    expect(await inViewport(page, `.tdm-tool-${id}`), `${label}: ${id} tool in view`).toBe(true);
    // Text is never clipped: the tool's label fits its box.
    expect(await overlay(page, `.tdm-tool-${id} .tdm-tool-text`).evaluate((e) => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
    await overlay(page, `.tdm-tool-${id}`).click();
    await overlay(page, `.tdm-panel-${id}`).waitFor();
    expect(await inViewport(page, `.tdm-panel-${id}`), `${label}: ${id} panel in view`).toBe(true);
    expect(await inViewport(page, `.tdm-panel-${id} .tdm-panel-close`)).toBe(true);
    await axeClean(`${id} panel`);
    await screenshot(page, `fit-${label}-panel-${id}`);
    await page.keyboard.press('Escape');
    await overlay(page, `.tdm-panel-${id}`).waitFor({ state: 'hidden' });
  }
  if ((page.viewportSize()?.width ?? 0) < 600) {
    // Touch targets on small screens: 44 px at least.
    await overlay(page, '.tdm-launcher').click();
    const small = await page.evaluate(() =>
      [...document.getElementById('tandem-overlay')!.shadowRoot!.querySelectorAll<HTMLElement>('.tdm-menu button, .tdm-menu select, .tdm-launcher')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.width < 44 || r.height < 44).length,
    );
    expect(small).toBe(0);
    await page.keyboard.press('Escape');
  }
  // Closed again: still covers nothing.
  expect(await covered(page)).toEqual([]);
  // Last (it takes Tandem out of the page): what axe excused is the host's own.
  await expectHostOwn(page, own);
}

describe.skipIf(!hasChromium || !hasPg)('the overlay fits the demo pages at every size', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  for (const p of PAGES) {
    // The four sizes, and the narrowest phone the overlay supports.
    for (const size of [...SIZES, { name: '320x568', width: 320, height: 568 }]) {
      it(`${p.name} at ${size.name}: covers no host control; every action reachable`, async () => {
        const alice = await openAs(demo.browser, demo.url, p.path, 'alice', { viewport: size });
        await checkPage(alice.page, `${p.name}-${size.name}`);
        expect(alice.errors).toEqual([]);
        await alice.context.close();
      });
    }
  }
});

describe.skipIf(!hasChromium || !hasPg || !hasDjango)('the overlay fits a real Django admin change form (html, body {height: 100%})', () => {
  let stack: DjangoStack;
  beforeAll(async () => {
    stack = await startDjangoStack();
  });
  afterAll(() => stack?.close());

  for (const size of SIZES) {
    it(`Django admin at ${size.name}`, async () => {
      const alice = await openAdminAs(stack, 'alice', '/admin/shop/order/1/change/');
      await alice.page.setViewportSize({ width: size.width, height: size.height });
      await checkPage(alice.page, `django-${size.name}`);
      await alice.context.close();
    });
  }
});
