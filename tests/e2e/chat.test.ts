import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, overlay, screenshot, startDemo } from './helpers/browser.js';
import { openTool } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';
const XSS = '<img src=x onerror="window.__pwned=1"> <b>bold?</b>';

describe.skipIf(!hasChromium || !hasPg)('chat and comments in the browser (demo page, headless Chromium)', () => {
  let demo: Demo;

  beforeAll(async () => {
    demo = await startDemo({ EVENTS_POLL_MS: '200' });
  });
  afterAll(() => demo?.close());

  it('two users chat (mention, reaction, unread badge), script-like text stays text, and comment on a field', async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');

    // Alice opens the chat and writes, mentioning Bob via autocomplete.
    await openTool(alice.page, 'chat');
    const box = overlay(alice.page, '.tdm-panel-chat textarea');
    await box.click();
    await box.pressSequentially('Hello @bo');
    await overlay(alice.page, '.tdmc-suggest li[data-user-id="bob"]').waitFor();
    await box.press('Enter'); // picks the suggestion
    expect(await box.inputValue()).toBe('Hello @bob ');
    await box.pressSequentially('see https://example.com/x');
    await box.press('Enter'); // sends

    // Bob sees the unread badge, then the message; the mention reached his bell.
    await bob.page.waitForFunction(() => {
      const b = document.querySelector('#tandem-overlay')?.shadowRoot?.querySelector('.tdm-tool-chat .tdm-count');
      return b && !(b as HTMLElement).hidden && b.textContent === '1';
    });
    await overlay(bob.page, '.tdm-tool-notifications .tdm-count:not([hidden])').waitFor({ state: 'attached' });
    await openTool(bob.page, 'chat');
    const msg = overlay(bob.page, '.tdm-panel-chat .tdmc-msg').first();
    await msg.waitFor();
    expect(await msg.locator('.tdmc-body').textContent()).toBe('Hello @bob see https://example.com/x');
    expect(await msg.locator('a.tdmc-link').getAttribute('href')).toBe('https://example.com/x');
    expect(await msg.locator('.tdmc-name').textContent()).toBe('Alice Martin');
    // Reading clears the badge.
    await bob.page.waitForFunction(() => (document.querySelector('#tandem-overlay')?.shadowRoot?.querySelector('.tdm-tool-chat .tdm-count') as HTMLElement)?.hidden);

    // Bob reacts; Alice sees it.
    // The picker toggles: pressing again closes it instead of stacking another row.
    const add = msg.locator('button[aria-label="Add reaction"]');
    for (let i = 0; i < 3; i++) await add.click();
    expect(await msg.locator('.tdmc-picker').count()).toBe(1);
    await overlay(bob.page, '.tdm-panel-chat .tdmc-react:text("🎉")').first().click();
    await overlay(alice.page, '.tdm-panel-chat .tdmc-react:text("🎉 1")').waitFor();

    // Script-like text is shown as text on the other side and runs nothing.
    const bobBox = overlay(bob.page, '.tdm-panel-chat textarea');
    await bobBox.fill(XSS);
    await bobBox.press('Enter');
    const last = overlay(alice.page, '.tdm-panel-chat .tdmc-msg').last();
    await last.locator(`.tdmc-body:text("${'bold?'}")`).waitFor();
    expect(await last.locator('.tdmc-body').textContent()).toBe(XSS);
    expect(await last.locator('.tdmc-body img, .tdmc-body b').count()).toBe(0);
    expect(await alice.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // Alice comments on the Notes field; Bob gets a pin on that field and reads the thread.
    await alice.page.click('#id_notes');
    await openTool(alice.page, 'comments');
    expect(await overlay(alice.page, '.tdm-panel-comments select').inputValue()).toBe('notes');
    const cbox = overlay(alice.page, '.tdm-panel-comments textarea');
    await cbox.fill('Is the 📦 emoji fine here? <script>alert(1)</script>');
    await cbox.press('Enter');
    const pin = overlay(bob.page, '.tdm-field-badge-comments[data-field="notes"]');
    await pin.waitFor();
    expect(await pin.textContent()).toBe('1');
    expect(await pin.locator('svg.tdm-icon-comment').count()).toBe(1); // an inline icon, not an emoji
    await pin.click();
    const thread = overlay(bob.page, '.tdm-panel-comments .tdmc-thread');
    await thread.waitFor();
    expect(await thread.locator('.tdmc-body').first().textContent()).toBe('Is the 📦 emoji fine here? <script>alert(1)</script>');
    // Bob replies and resolves; Alice's pin goes away.
    await thread.locator('button:text("Reply")').click();
    await overlay(bob.page, '.tdm-panel-comments textarea').fill('Yes, fine');
    await overlay(bob.page, '.tdm-panel-comments textarea').press('Enter');
    await thread.locator('.tdmc-body:text("Yes, fine")').waitFor();
    await overlay(alice.page, '.tdm-field-badge-comments[data-field="notes"]').waitFor();
    await thread.locator('button:text("Resolve")').click();
    await overlay(alice.page, '.tdm-field-badge-comments[data-field="notes"]').waitFor({ state: 'detached' });

    await screenshot(alice.page, 'chat-alice');
    await screenshot(bob.page, 'chat-bob');
    // The chat panel does not cover the form's own Save button.
    const save = await alice.page.locator('input[type="submit"], button[type="submit"]').first().boundingBox();
    await openTool(alice.page, 'chat');
    const panel = await overlay(alice.page, '.tdm-panel-chat').boundingBox();
    if (save && panel) {
      const overlap = save.x < panel.x + panel.width && panel.x < save.x + save.width && save.y < panel.y + panel.height && panel.y < save.y + save.height;
      expect(overlap).toBe(false);
    }
    expect([...alice.errors, ...bob.errors]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it("other features' events in the room's log (a help request carries a `message` string) are not taken for chat messages", async () => {
    const alice = await openAs(demo.browser, demo.url, DJANGO, 'alice');
    const bob = await openAs(demo.browser, demo.url, DJANGO, 'bob');
    const say = async (text: string) => {
      await openTool(bob.page, 'chat');
      await overlay(bob.page, '.tdm-panel-chat textarea').fill(text);
      await overlay(bob.page, '.tdm-panel-chat textarea').press('Enter');
      await expect.poll(() => overlay(alice.page, '.tdmc-body').allTextContents(), { timeout: 15_000 }).toContain(text);
    };
    await openTool(alice.page, 'chat');
    await say('before the help request');
    await bob.page.keyboard.press('Escape');
    await openTool(bob.page, 'work');
    await overlay(bob.page, '[data-input="help-message"]').fill('Which VAT rate applies?');
    await overlay(bob.page, '[data-action="ask-help"]').click();
    await overlay(bob.page, '[data-section="requests"] .work-card').waitFor();
    // Bob's next message comes after a gap in the room's log (the help request took a seq): Alice's chat catches up.
    await bob.page.keyboard.press('Escape');
    await say('after the help request');
    expect(await overlay(alice.page, '.tdmc-body').allTextContents()).not.toContain('Which VAT rate applies?');
    expect(alice.errors).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  }, 60_000);
});
