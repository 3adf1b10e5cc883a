// Helpers for the "overlay fits the host" suites: host control boxes vs the overlay's UI boxes,
// axe-core inside the page (its real source, injected), the four sizes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
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

/** axe-core over the whole page (it walks into the overlay's open shadow root); serious and critical only. */
export async function axe(page: Page): Promise<{ overlay: AxeIssue[]; host: AxeIssue[] }> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    // A host with a strict CSP (the demo pages: script-src 'self') refuses an inline tag; evaluate the same source then.
    await page.addScriptTag({ content: AXE }).catch(() => page.evaluate(AXE));
  }
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown[] }> }> }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.flatMap((v) => v.nodes.map((n) => ({ id: v.id, impact: v.impact, help: v.help, where: JSON.stringify(n.target) })));
  });
  const bad = found.filter((f) => f.impact === 'serious' || f.impact === 'critical');
  return { overlay: bad.filter((b) => b.where.includes('#tandem-overlay')), host: bad.filter((b) => !b.where.includes('#tandem-overlay')) };
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
