// One fixture page per widget library (public/demo/widgets/*, the real libraries from npm): two
// people change every field through the widget's own UI, at the same time where people would,
// and then both pages show and would submit the same values, the room holds them and each Save
// posts exactly what its page showed. A remote change is drawn by the other person's widget, and
// focus inside a widget shows a ring over the element people see.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type Demo, openAs, startDemo, type UserPage } from './helpers/browser.js';
import {
  bootstrapDatepicker,
  type DatePicker,
  expectAgreement,
  expectRingOver,
  flatpickr,
  jqueryUiDatepicker,
  PAGES,
  ready,
  select2,
  settled,
  tomSelect,
} from './helpers/widgets.js';

const TITLE = 'Printer on floor 3';

/** Types at the end of the native text field (co-edited as text, next to the widgets). */
async function typeTitle(p: Page, text: string) {
  // Done with any dropdown first, as a person is: Tom Select takes focus back on a timeout while it is open.
  await p.keyboard.press('Escape');
  await p.locator('.ts-wrapper.focus, .ts-wrapper.dropdown-active').waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  await p.click('#title');
  await p.waitForFunction(() => document.activeElement?.id === 'title');
  await p.keyboard.press('End');
  await p.keyboard.type(text, { delay: 10 });
}

describe.skipIf(!hasChromium || !hasPg)('widget fixtures: two people, real widget libraries, driven through their UI', () => {
  let demo: Demo;
  const people: UserPage[] = [];
  const pair = async (path: string) => {
    const out: UserPage[] = [];
    for (const user of ['alice', 'bob']) {
      const u = await openAs(demo.browser, demo.url, path, user);
      people.push(u);
      u.page.setDefaultTimeout(8_000); // a step that hangs fails with its own message, inside the test's time
      await ready(u.page);
      out.push(u);
    }
    return out as [UserPage, UserPage];
  };

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterEach(async () => {
    const errors = people.flatMap((u) => u.errors);
    for (const u of people.splice(0)) await u.context.close().catch(() => undefined);
    expect(errors).toEqual([]);
  });
  afterAll(() => demo?.close());

  it('select2: single and multi choices made at once by two people agree everywhere, and the other widget draws them', async () => {
    const [alice, bob] = await pair(PAGES.select2);
    // One page does one thing at a time (a click elsewhere closes a dropdown); the two pages act at once.
    await Promise.all([
      select2.pick(alice.page, 'status', 'Appro').then(() => typeTitle(alice.page, ' (A)')),
      select2.add(bob.page, 'labels', 'Export'),
    ]);
    // Drawn by the other person's select2, not only written into the hidden select.
    await expect.poll(() => select2.shown(bob.page, 'status')).toEqual(['Approved']);
    await expect.poll(() => select2.shown(alice.page, 'labels')).toEqual(['Urgent', 'Export']);
    await Promise.all([select2.remove(alice.page, 'labels', 'Urgent'), select2.pick(bob.page, 'status', 'Archi')]);
    await expect.poll(() => select2.shown(bob.page, 'labels')).toEqual(['Export']);
    await expect.poll(() => select2.shown(alice.page, 'status')).toEqual(['Archived']);
    await expectAgreement(demo.db.url, PAGES.select2, [alice.page, bob.page], [
      { name: 'status', want: ['archived'], shown: (p) => select2.shown(p, 'status'), labels: true },
      { name: 'labels', want: ['3'], shown: (p) => select2.shown(p, 'labels'), labels: true },
      { name: 'title', want: [`${TITLE} (A)`] },
    ]);
  });

  it('select2: while bob is in the dropdown, alice sees his ring over the select2 container', async () => {
    const [alice, bob] = await pair(PAGES.select2);
    await bob.page.click(`${select2.container('status')} .select2-selection`);
    await bob.page.locator('.select2-container--open .select2-search__field').waitFor();
    await expectRingOver(alice.page, 'status', select2.container('status'));
    await bob.page.keyboard.press('Escape');
    await bob.page.click(`${select2.container('labels')} .select2-search__field`);
    await expectRingOver(alice.page, 'labels', select2.container('labels'));
  });

  it('Tom Select: picks, an × removal and a Backspace removal by two people agree everywhere', async () => {
    const [alice, bob] = await pair(PAGES.tomSelect);
    await Promise.all([tomSelect.pick(alice.page, 'status', 'Appro'), tomSelect.add(bob.page, 'labels', 'Billing').then(() => typeTitle(bob.page, ' (B)'))]);
    await expect.poll(() => tomSelect.shown(bob.page, 'status')).toEqual(['Approved']);
    await expect.poll(() => tomSelect.shown(alice.page, 'labels')).toEqual(['Urgent', 'Billing']);
    await tomSelect.remove(alice.page, 'labels', 'Urgent');
    await expect.poll(() => tomSelect.shown(bob.page, 'labels')).toEqual(['Billing']);
    await tomSelect.add(bob.page, 'labels', 'Wholesale');
    await expect.poll(() => tomSelect.shown(alice.page, 'labels')).toEqual(['Billing', 'Wholesale']);
    await tomSelect.backspace(alice.page, 'labels'); // removes the last item, Wholesale
    await expect.poll(() => tomSelect.shown(alice.page, 'labels')).toEqual(['Billing']);
    await expect.poll(() => tomSelect.shown(bob.page, 'labels')).toEqual(['Billing']);
    await expectAgreement(demo.db.url, PAGES.tomSelect, [alice.page, bob.page], [
      { name: 'status', want: ['approved'], shown: (p) => tomSelect.shown(p, 'status'), labels: true },
      { name: 'labels', want: ['2'], shown: (p) => tomSelect.shown(p, 'labels'), labels: true },
      { name: 'title', want: [`${TITLE} (B)`] },
    ]);
  });

  it('Tom Select: bob searching in the control shows alice a ring over the wrapper, and his search text stays his', async () => {
    const [alice, bob] = await pair(PAGES.tomSelect);
    await bob.page.click(`${tomSelect.wrapper('status')} .ts-control`);
    await bob.page.keyboard.type('Arch', { delay: 10 });
    await expectRingOver(alice.page, 'status', tomSelect.wrapper('status'));
    // The search input is Tom Select's own, not a field: what bob types to filter never lands in alice's widget.
    await alice.page.waitForTimeout(500);
    expect(await alice.page.locator('#status-ts-control').inputValue()).toBe('');
    await bob.page.keyboard.press('Escape');
  });

  /** The same story for each datepicker: picks through the calendar, drawn by the other picker. */
  const datepickerStory = (name: string, path: string, dp: DatePicker, extra: { id: string; shows: (day: number) => string }[] = []) => {
    it(`${name}: days clicked in the calendar by two people agree everywhere, and the other calendar marks them`, async () => {
      const [alice, bob] = await pair(path);
      await Promise.all([dp.pick(alice.page, 'due_date', 15), typeTitle(bob.page, ' (B)')]);
      await expect.poll(() => bob.page.locator(dp.input('due_date')).inputValue()).toBe('2024-07-15');
      expect(await dp.marked(bob.page, 'due_date')).toBe('15'); // the picker follows, not only the input
      await dp.pick(bob.page, 'due_date', 22);
      await expect.poll(() => alice.page.locator(dp.input('due_date')).inputValue()).toBe('2024-07-22');
      for (const [i, f] of extra.entries()) {
        const [who, other] = i % 2 ? [alice, bob] : [bob, alice];
        await dp.pick(who.page, f.id, 9);
        await expect.poll(() => other.page.locator(dp.input(f.id)).inputValue()).toBe(f.shows(9));
        expect(await dp.marked(other.page, f.id)).toBe('9');
      }
      await expectAgreement(demo.db.url, path, [alice.page, bob.page], [
        { name: 'due_date', want: ['2024-07-22'], shown: async (p) => [await p.locator(dp.input('due_date')).inputValue()] },
        { name: 'title', want: ['Pallets for Lyon (B)'] },
        ...extra.map((f) => ({ name: f.id, want: ['2024-07-09'], shown: async (p: Page) => [await p.locator(dp.input(f.id)).inputValue()], display: [f.shows(9)] })),
      ]);
    });

    it(`${name}: bob in the date input shows alice a ring over the input he sees`, async () => {
      const [alice, bob] = await pair(path);
      for (const f of ['due_date', ...extra.map((e) => e.id)]) {
        await bob.page.click(dp.input(f));
        await expectRingOver(alice.page, f, dp.input(f));
        await bob.page.keyboard.press('Escape');
      }
      await settled(bob.page);
    });
  };

  datepickerStory('bootstrap-datepicker', PAGES.bootstrapDatepicker, bootstrapDatepicker);
  datepickerStory('jQuery UI datepicker', PAGES.jqueryUiDatepicker, jqueryUiDatepicker);
  // ship_date has altInput: people see "July 9, 2024", the form submits 2024-07-09.
  datepickerStory('flatpickr', PAGES.flatpickr, flatpickr, [{ id: 'ship_date', shows: (d) => `July ${d}, 2024` }]);
});
