// Read state follows a user's tabs: reading chat in one tab clears the other tab's count; an
// inbox item held by do-not-disturb still raises every tab's inbox count at once.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, startDemo } from './helpers/browser.js';
import { openMenu, openTool } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const countOf = (page: Page, tool: string) => page.evaluate((id) => {
  const c = document.getElementById('tandem-overlay')!.shadowRoot!.querySelector<HTMLElement>(`.tdm-tool-${id} .tdm-count`)!;
  return c.hidden ? 0 : Number(c.textContent);
}, tool);
const chatCount = (page: Page) => countOf(page, 'chat');
async function twoTabs(demo: Demo, user: string) {
  const tabA = await openAs(demo.browser, demo.url, DJANGO, user);
  const tabB = { page: await tabA.context.newPage() };
  await tabB.page.goto(`${demo.url}${DJANGO}?as=${user}`);
  await tabB.page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
  return { tabA, tabB };
}

describe.skipIf(!hasChromium || !hasPg)('read state across tabs (demo page)', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it("alice reads bob's message in one tab; her other tab's count clears", async () => {
    const { tabA, tabB } = await twoTabs(demo, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    await openTool(bob.page, 'chat');
    await overlay(bob.page, '.tdm-panel-chat textarea').fill('Hello Alice');
    await overlay(bob.page, '.tdm-panel-chat textarea').press('Enter');

    for (const t of [tabA, tabB]) await t.page.waitForFunction(() => document.getElementById('tandem-overlay')!.shadowRoot!.querySelector('.tdm-tool-chat .tdm-count')!.textContent === '1');
    await openTool(tabA.page, 'chat');
    await overlay(tabA.page, '.tdm-panel-chat .tdmc-msg').first().waitFor();
    await tabB.page.waitForFunction(() => (document.getElementById('tandem-overlay')!.shadowRoot!.querySelector('.tdm-tool-chat .tdm-count') as HTMLElement).hidden, undefined, { timeout: 10_000 });
    expect(await chatCount(tabB.page)).toBe(0);
    expect(await overlay(tabB.page, '.tdm-launcher-count').isHidden()).toBe(true);
    await tabA.context.close();
    await bob.context.close();
  });

  it('a mention held by do-not-disturb raises the inbox count in both of her tabs, with no toast', async () => {
    const { tabA, tabB } = await twoTabs(demo, 'carol');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    await openMenu(tabA.page);
    await overlay(tabA.page, '.tdm-status-select').selectOption('dnd');
    // The other tab hears the status back from the server: dnd is in force.
    await tabB.page.waitForFunction(() => document.getElementById('tandem-overlay')!.shadowRoot!.querySelector<HTMLSelectElement>('.tdm-status-select')!.value === 'dnd');
    await openTool(bob.page, 'chat');
    await overlay(bob.page, '.tdm-panel-chat textarea').fill('@carol can you check the total?');
    await overlay(bob.page, '.tdm-panel-chat textarea').press('Enter');

    for (const t of [tabA, tabB]) {
      await t.page.waitForFunction(() => document.getElementById('tandem-overlay')!.shadowRoot!.querySelector('.tdm-tool-notifications .tdm-count')!.textContent === '1', undefined, { timeout: 15_000 });
      expect(await overlay(t.page, '.tdm-toast').count(), 'held: nothing surfaces').toBe(0);
    }
    // The inbox agrees with the badge: one unread item, marked held.
    await openTool(tabB.page, 'notifications');
    await overlay(tabB.page, '.tdmc-notif[data-read="false"]').waitFor();
    expect(await overlay(tabB.page, '.tdmc-notif[data-read="false"]').count()).toBe(1);
    expect(await overlay(tabB.page, '.tdmc-notif .tdmc-meta').textContent()).toBeTruthy();
    expect(await countOf(tabA.page, 'notifications')).toBe(1);
    await tabA.context.close();
    await bob.context.close();
  }, 60_000);
});
