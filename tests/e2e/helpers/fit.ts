// Helpers for the "overlay fits the host" suites: host control boxes vs the overlay's UI boxes,
// axe-core inside the page (its real source, injected), the four sizes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { type Box, intersects, overlay } from './browser.js';

export const SIZES = [
  { name: '1280x900', width: 1280, height: 900 },
  { name: '1280x650', width: 1280, height: 650 },
  { name: '768x1024', width: 768, height: 1024 },
  { name: '390x844', width: 390, height: 844 },
] as const;

/** Every visible host button, input, select, textarea and link inside the viewport (measured independently of the overlay's own code). */
export const hostBoxes = (page: Page) =>
  page.evaluate(() => {
    const out: Array<{ what: string; x: number; y: number; width: number; height: number }> = [];
    for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
      if (el.closest('#tandem-overlay')) continue;
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      if (!r.width || !r.height || s.visibility === 'hidden' || s.display === 'none') continue;
      if (r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
      out.push({ what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}[${(el as HTMLInputElement).name || el.textContent?.trim().slice(0, 20) || ''}]`, x: r.left, y: r.top, width: r.width, height: r.height });
    }
    return out;
  });

/** The overlay's own chrome as drawn: launcher, menu, panels, toasts (visible ones only). */
export const overlayBoxes = (page: Page) =>
  page.evaluate(() => {
    const root = document.getElementById('tandem-overlay')!.shadowRoot!;
    const out: Array<{ what: string; x: number; y: number; width: number; height: number }> = [];
    for (const el of root.querySelectorAll<HTMLElement>('.tdm-launcher, .tdm-menu, .tdm-panel, .tdm-toasts')) {
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
      out.push({ what: el.className, x: r.left, y: r.top, width: r.width, height: r.height });
    }
    return out;
  });

/** Pairs (host control, overlay box) that overlap: what must stay empty. */
export async function covered(page: Page): Promise<string[]> {
  const [hosts, ours] = await Promise.all([hostBoxes(page), overlayBoxes(page)]);
  const out: string[] = [];
  for (const o of ours) for (const h of hosts) if (intersects(o as Box, h as Box)) out.push(`${o.what} covers ${h.what}`);
  return out;
}

/** Scroll positions to check: top, middle, bottom of the page (and of a full-height body's scroller). */
export async function scrollTo(page: Page, where: 'top' | 'middle' | 'bottom') {
  await page.evaluate((w) => {
    const el = document.scrollingElement!;
    const scrollers = [el, ...[...document.querySelectorAll<HTMLElement>('body, #container, main')].filter((e) => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible')];
    for (const s of scrollers) s.scrollTop = w === 'top' ? 0 : w === 'bottom' ? s.scrollHeight : (s.scrollHeight - s.clientHeight) / 2;
  }, where);
  await settle(page);
}

/** Two animation frames: the overlay re-measures once per frame. */
export const settle = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 30)))));

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeIssue { id: string; impact: string; where: string; help: string }

/**
 * Serious/critical findings that belong to the host page, not to Tandem, named exactly (rule and
 * axe target). Everything else axe finds on the page, host side included, is asserted away.
 * a11y.test.ts checks that each is there on the page with no overlay at all.
 */
export const HOST_OWN: ReadonlyArray<{ id: string; targets: readonly string[]; why: string }> = [
  {
    // Django 3.2's admin stylesheet: light text on its header, breadcrumb and module bars, its
    // link blue on white, the "Today"/"Now" shortcuts, the default-styled Save buttons.
    id: 'color-contrast',
    targets: [
      '.breadcrumbs', '.breadcrumbs > a[href$="admin/"]', '.breadcrumbs > a[href$="shop/"]', '.breadcrumbs > a[href$="order/"]',
      '#site-name > a[href$="admin/"]', '.section', '.historylink', 'strong > a', 'a[aria-current="page"]',
      'a[href$="channel/"]', 'a[href$="customer/"]', 'a[href$="tag/"]', 'a[href$="warehouse/"]',
      '.datetimeshortcuts > a[href="#"]:nth-child(1)', '.selector-chosen > h2', 'input[value="Save and continue editing"]',
    ],
    why: "Django admin's own colours",
  },
  // Django 3.2's filter_horizontal widget: its two <select multiple> boxes carry no label.
  { id: 'select-name', targets: ['#id_tags_from', '#id_tags_to'], why: "Django admin's filter_horizontal" },
  // select2 4.0's inline search box of a multi-select (the FAB demo's tags): unlabelled by the library.
  { id: 'label', targets: ['.select2-search__field'], why: "select2's multi-select search box" },
];
const hostOwn = (f: AxeIssue) => HOST_OWN.some((o) => o.id === f.id && o.targets.some((t) => JSON.stringify([t]) === f.where));

async function runAxe(page: Page): Promise<AxeIssue[]> {
  // Evaluated, not an inline <script>: a host with a strict CSP (the demo pages: script-src 'self') refuses those.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown[] }> }> }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.flatMap((v) => v.nodes.map((n) => ({ id: v.id, impact: v.impact, help: v.help, where: JSON.stringify(n.target) })));
  });
  return found.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

/**
 * axe-core over the whole page (it walks into the overlay's open shadow root), serious and
 * critical only: the overlay's own findings, the host's (which the overlay may cause: asserted
 * too) and the host's own named in HOST_OWN.
 */
export async function axe(page: Page): Promise<{ overlay: AxeIssue[]; host: AxeIssue[]; hostOwn: AxeIssue[] }> {
  const bad = await runAxe(page);
  const host = bad.filter((b) => !b.where.includes('#tandem-overlay'));
  return { overlay: bad.filter((b) => b.where.includes('#tandem-overlay')), host: host.filter((b) => !hostOwn(b)), hostOwn: host.filter(hostOwn) };
}

/** The same page's findings with Tandem taken out (the overlay's element removed, its styles with it). */
export async function axeWithoutOverlay(page: Page): Promise<AxeIssue[]> {
  await page.evaluate(() => window.tandem?.ctx.ui.root.host.remove());
  return runAxe(page);
}

/** What axe excused as the host's own (`ids`, as `${id} ${where}`) is there on the same page with Tandem taken out. */
export async function expectHostOwn(page: Page, ids: Set<string>) {
  const without = new Set((await axeWithoutOverlay(page)).map((f) => `${f.id} ${f.where}`));
  expect([...ids].filter((f) => !without.has(f)), 'excused findings that only the overlay brings').toEqual([]);
}

/** Runs axe and asserts 0 serious and 0 critical, overlay and host, but for the host's own (HOST_OWN). */
export async function expectAxeClean(page: Page, state: string) {
  const r = await axe(page);
  const show = (l: AxeIssue[]) => l.map((i) => `${i.impact} ${i.id} at ${i.where}: ${i.help}`);
  expect(show(r.overlay), `axe, overlay, ${state}`).toEqual([]);
  expect(show(r.host), `axe, host page, ${state}`).toEqual([]);
  return r;
}

/** Opens the overlay's menu by its launcher (if it is not open) and uses one of its tools. */
export async function openTool(page: Page, id: string) {
  // A bottom sheet (small screens) covers the launcher: close it as a user would.
  const sheet = overlay(page, '.tdm-panel[data-sheet="true"]:not([hidden]) .tdm-panel-close');
  if (await sheet.isVisible()) await sheet.click();
  const menu = overlay(page, '.tdm-menu');
  if (!(await menu.isVisible())) await overlay(page, '.tdm-launcher').click();
  await overlay(page, `.tdm-tool-${id}`).click();
}

/** Opens the overlay's menu (people, status, tools) if it is closed. */
export async function openMenu(page: Page) {
  if (!(await overlay(page, '.tdm-menu').isVisible())) await overlay(page, '.tdm-launcher').click();
  await overlay(page, '.tdm-menu').waitFor();
}
