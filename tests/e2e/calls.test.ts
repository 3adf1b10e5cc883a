// Calls in the browser: two people on the demo page with Chromium's fake camera, microphone and
// screen. A help request is accepted, the helper calls from it, the requester accepts; both
// receive the other's audio and video (frames decoded, per getStats), screen sharing replaces the
// helper's video track while the requester keeps decoding, hanging up ends both sides; do-not-
// disturb holds the ring of a normal request and lets an urgent one through.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, FAKE_MEDIA, openAs, overlay, screenshot, startDemo } from './helpers/browser.js';
import { expectAxeClean, openTool } from './helpers/fit.js';

const DJANGO = '/demo/admin/shop/order/42/change/';

type Stats = Array<{ connId: string; state: string; sendingVideo: string | null; framesDecoded: number; frameWidth: number; audioPacketsReceived: number }>;
const stats = (page: Page) => page.evaluate(() => window.tandem!.ctx.use<{ stats(): Promise<unknown> }>('call')?.stats() ?? Promise.resolve([])) as Promise<Stats>;
/** Polls getStats until `ok` holds for the call's one peer connection. */
async function statsUntil(page: Page, ok: (s: Stats[number]) => boolean, ms = 20_000): Promise<Stats[number]> {
  const until = Date.now() + ms;
  let last: Stats = [];
  while (Date.now() < until) {
    last = await stats(page);
    if (last.length === 1 && ok(last[0]!)) return last[0]!;
    await page.waitForTimeout(250);
  }
  throw new Error(`call stats never matched: ${JSON.stringify(last)}`);
}
const help = (page: Page, urgency: 'normal' | 'urgent') =>
  page.evaluate(async (u) => {
    const ctx = window.tandem!.ctx;
    const r = await ctx.request<{ request: { id: string } }>('work:help', { roomId: ctx.room!.roomId, message: 'Which VAT rate applies?', topic: 'tax', urgency: u });
    if (!r.ok) throw new Error(r.error.message);
    return r.request.id;
  }, urgency);
const act = (page: Page, id: string, action: string) =>
  page.evaluate(([i, a]) => window.tandem!.ctx.request('work:help:act', { id: i, action: a }), [id, action] as const) as Promise<{ ok: boolean }>;
const workPanel = async (page: Page) => {
  if (!(await overlay(page, '[data-section="help"]').isVisible().catch(() => false))) await openTool(page, 'work');
  await overlay(page, '[data-section="help"]').waitFor();
};

describe.skipIf(!hasChromium || !hasPg)('calls in the browser (demo page, fake media, headless Chromium)', () => {
  let demo: Demo;

  beforeAll(async () => {
    demo = await startDemo({ TIMER_SWEEP_MS: '100' }, { browserArgs: FAKE_MEDIA });
  });
  afterAll(() => demo?.close());

  it('a help request is accepted and called; both receive audio and video; sharing the screen replaces the video; hanging up ends both sides', async () => {
    const carol = await openAs(demo.browser, demo.url, DJANGO, 'carol');
    const dave = await openAs(demo.browser, demo.url, DJANGO, 'dave');
    onTestFinished(() => Promise.all([carol, dave].map((u) => u.context.close())).then(() => undefined));
    // Nothing of the call pack is loaded before a call.
    expect(await carol.page.evaluate(() => 'tandemCallPack' in window)).toBe(false);

    const id = await help(carol.page, 'normal');
    await workPanel(dave.page);
    await overlay(dave.page, `.work-card[data-kind="offer"][data-request-id="${id}"] [data-action="help-accept"]`).click();
    const callButton = overlay(dave.page, `.work-card[data-kind="helping"][data-request-id="${id}"] [data-action="help-call"]`);
    expect(await callButton.textContent()).toBe('Call');
    // Dave's camera is slow to start (a permission prompt, a busy device): Carol's offer arrives before his side is ready, and must wait for it.
    await dave.page.evaluate(() => {
      const md = navigator.mediaDevices;
      const real = md.getUserMedia.bind(md);
      md.getUserMedia = (c) => new Promise((r) => setTimeout(r, 3000)).then(() => real(c));
    });
    await callButton.click();

    // Carol is rung (a prompt with Accept and Decline, a count on the Call tool); the call starts when she accepts.
    const ring = overlay(carol.page, '.tdmcall-ring');
    await ring.waitFor();
    expect(await ring.textContent()).toContain('Dave Nguyen is calling');
    expect(await ring.getAttribute('aria-label')).toBe('Incoming call');
    await expectAxeClean(carol.page, 'ring prompt');
    await overlay(carol.page, '.tdmcall-ring [data-action="call-accept"]').click();
    await ring.waitFor({ state: 'detached' });

    // Both receive the other's audio and video: frames decoded, audio packets received.
    const flowing = (s: Stats[number]) => s.state === 'connected' && s.framesDecoded > 0 && s.audioPacketsReceived > 0;
    await statsUntil(carol.page, flowing);
    const atDave = await statsUntil(dave.page, flowing);
    expect(atDave.sendingVideo).toBe('fake_device_0');
    for (const u of [carol, dave]) {
      await overlay(u.page, '.tdmcall-status:has-text("In a call with")').waitFor();
      expect(await overlay(u.page, '.tdmcall-tile').count()).toBe(2);
      for (const name of ['Mute', 'Turn camera off', 'Share screen', 'Hang up']) expect(await overlay(u.page, `.tdmcall-controls button:has-text("${name}")`).count()).toBe(1);
    }
    expect(await overlay(dave.page, '.tdmcall-status').textContent()).toBe('In a call with Carol Lindqvist');
    // Who is speaking: the fake microphone's tone marks the speaker's tile.
    await overlay(carol.page, '.tdmcall-tile:not([data-self])[data-speaking="true"]').waitFor({ timeout: 15_000 });
    await screenshot(carol.page, 'calls-in-call');
    await expectAxeClean(carol.page, 'call panel, in a call');
    // Keyboard: the controls are buttons in the tab order.
    await overlay(carol.page, '[data-action="call-camera"]').focus();
    await carol.page.keyboard.press('Enter');
    await overlay(carol.page, '[data-action="call-camera"][aria-pressed="true"]:has-text("Turn camera on")').waitFor();
    await carol.page.keyboard.press('Enter');
    await overlay(carol.page, '[data-action="call-camera"][aria-pressed="false"]').waitFor();

    // Dave shares his screen: his sender's track is the screen now; Carol keeps decoding, at the screen's size.
    const before = await statsUntil(carol.page, () => true);
    await overlay(dave.page, '[data-action="call-share"]').click();
    await overlay(dave.page, '[data-action="call-share"][aria-pressed="true"]:has-text("Stop sharing")').waitFor();
    const sharing = await statsUntil(dave.page, (s) => s.sendingVideo !== null && s.sendingVideo.startsWith('screen'));
    expect(sharing.sendingVideo).not.toBe('fake_device_0');
    const after = await statsUntil(carol.page, (s) => s.framesDecoded > before.framesDecoded + 10 && s.frameWidth !== before.frameWidth);
    expect(after.frameWidth).not.toBe(before.frameWidth);

    // Mute is a toggle with a state people and screen readers see.
    await overlay(carol.page, '[data-action="call-mute"]').click();
    await overlay(carol.page, '[data-action="call-mute"][aria-pressed="true"]:has-text("Unmute")').waitFor();

    // Carol hangs up: both sides end, their connections close.
    await overlay(carol.page, '[data-action="call-hangup"]').click();
    for (const u of [carol, dave]) {
      await overlay(u.page, '.tdmcall-status:has-text("The call ended")').waitFor();
      expect(await stats(u.page)).toEqual([]);
      expect(await overlay(u.page, '.tdmcall-tile').count()).toBe(0);
    }
    expect(await act(carol.page, id, 'resolve')).toMatchObject({ ok: true });
    for (const u of [carol, dave]) expect(u.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  }, 120_000);

  it('a user in do-not-disturb is not rung for a normal help request, and is rung for an urgent one', async () => {
    const carol = await openAs(demo.browser, demo.url, DJANGO, 'carol');
    const dave = await openAs(demo.browser, demo.url, DJANGO, 'dave');
    onTestFinished(() => Promise.all([carol, dave].map((u) => u.context.close())).then(() => undefined));
    await carol.page.evaluate(() => window.tandem!.ctx.request('presence:status', { status: 'dnd' }));
    const call = async (id: string) => {
      expect(await act(dave.page, id, 'accept')).toMatchObject({ ok: true });
      await workPanel(dave.page);
      await overlay(dave.page, `.work-card[data-kind="helping"][data-request-id="${id}"] [data-action="help-call"]`).click();
    };

    const normal = await help(carol.page, 'normal');
    await call(normal);
    await overlay(dave.page, '.tdm-toast:has-text("Nobody could be rung: carol is in do-not-disturb")').waitFor();
    await carol.page.waitForTimeout(1000);
    expect(await overlay(carol.page, '.tdmcall-ring').count()).toBe(0);
    await act(carol.page, normal, 'resolve');

    const urgent = await help(carol.page, 'urgent');
    await call(urgent);
    const ring = overlay(carol.page, '.tdmcall-ring');
    await ring.waitFor();
    expect(await ring.textContent()).toContain('Dave Nguyen is calling about an urgent help request');
    await overlay(carol.page, '.tdmcall-ring [data-action="call-decline"]').click();
    await overlay(dave.page, '.tdmcall-status:has-text("The call ended")').waitFor();
  }, 90_000);
});
