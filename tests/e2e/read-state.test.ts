// Chat read state follows a user's tabs: reading in one tab clears the other tab's count.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, startDemo } from './helpers/browser.js';
import { openTool } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const chatCount = (page: Page) => page.evaluate(() => {
  const c = document.getElementById('tandem-overlay')!.shadowRoot!.querySelector<HTMLElement>('.tdm-tool-chat .tdm-count')!;
  return c.hidden ? 0 : Number(c.textContent);
});

describe.skipIf(!hasChromium || !hasPg)('read state across tabs (demo page)', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it("alice reads bob's message in one tab; her other tab's count clears", async () => {
    const tabA = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const tabB = { page: await tabA.context.newPage() };
    await tabB.page.goto(`${demo.url}${DJANGO}?as=alice`);
    await tabB.page.waitForFunction(() => Boolean(window.tandem?.ctx.room));
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
});
