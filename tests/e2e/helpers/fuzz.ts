// Shared by the seeded fidelity property tests (widgets-fuzz, react-admin-fuzz): a seedable
// random source, and the wait until every page has sent everything, conflict choices clicked.
import type { Page } from 'playwright-core';
import { overlay } from './browser.js';
import { settled } from './widgets.js';

/** mulberry32: small, seedable, good enough to pick steps. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: SEED=<n> reproduces one. */
export function seedOf(): number {
  const seed = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log('seed', seed);
  return seed;
}

/** Waits until every page is synced, answering each conflict choice with `choose`; returns who chose what. */
export async function settleAll(pages: Page[], choose: 'mine' | 'theirs', timeoutMs = 20_000) {
  const choices: Array<{ page: Page; field: string; choice: 'mine' | 'theirs' }> = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let busy = false;
    for (const p of pages) {
      const dialog = overlay(p, '.fields-conflict');
      if ((await dialog.count()) > 0) {
        choices.push({ page: p, field: (await dialog.first().getAttribute('data-field'))!, choice: choose });
        await overlay(p, `.fields-conflict button[data-action="${choose}"]`).first().click();
        busy = true;
      } else if (!(await p.evaluate(() => document.getElementById('tandem-overlay')?.dataset.unsaved === 'false'))) busy = true;
    }
    if (!busy) break;
    if (Date.now() > deadline) throw new Error(`pages did not settle in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of pages) await settled(p, 5_000);
  return choices;
}
