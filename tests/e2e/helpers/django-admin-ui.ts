// Driving the Django admin's own widgets the way a person does (clicks and keys), and reading what
// the change form of tests/hosts/django shows and would submit.
import type { Page } from 'playwright-core';

export type OrderValues = {
  reference: string;
  notes: string;
  contact_email: string;
  status: string;
  urgent: boolean;
  due: string;
  customer: string;
  warehouse: string;
  tags: string[];
  channels: string[];
};

/** What the form would submit now, in order_json's shapes (the chosen box is what SelectFilter2 submits). */
export const shown = (p: Page): Promise<OrderValues> =>
  p.evaluate(() => {
    const $ = <T extends Element>(s: string) => document.querySelector<T>(s)!;
    const v = (s: string) => $<HTMLInputElement>(s).value;
    const tagsBox = document.querySelector<HTMLSelectElement>('#id_tags_to') ?? $<HTMLSelectElement>('#id_tags');
    const tags = tagsBox.id.endsWith('_to') ? [...tagsBox.options] : [...tagsBox.selectedOptions];
    return {
      reference: v('#id_reference'),
      notes: v('#id_notes'),
      contact_email: v('#id_contact_email'),
      status: v('#id_status'),
      urgent: $<HTMLInputElement>('#id_urgent').checked,
      due: v('#id_due'),
      customer: v('#id_customer'),
      warehouse: v('#id_warehouse'),
      tags: tags.map((o) => o.value).sort(),
      channels: [...document.querySelectorAll<HTMLInputElement>('input[name=channels]:checked')].map((c) => c.value).sort(),
    };
  });

/** What select2 displays for the customer (its own rendering, not the hidden select). */
export const customerShown = (p: Page) => p.locator('#select2-id_customer-container').getAttribute('title');

/** The room document in the same shapes (arrays sorted; a value no one sent yet is undefined). */
export function asOrder(doc: Record<string, unknown>): Partial<OrderValues> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) out[k] = Array.isArray(v) ? [...v].map(String).sort() : v;
  return out as Partial<OrderValues>;
}

/** The overlay has joined and applied the room's document, and Django's load-time widgets ran. */
export async function ready(p: Page): Promise<void> {
  await p.waitForLoadState('load');
  await p.waitForFunction(() => Boolean(document.getElementById('tandem-overlay')?.dataset.fieldsReady), undefined, { timeout: 15_000 });
  await p.locator('#id_tags_to').waitFor({ state: 'attached' });
}

/** Every text edit of this page is acknowledged. */
export const synced = (p: Page) =>
  p.waitForFunction(() => document.getElementById('tandem-overlay')?.dataset.unsaved === 'false', undefined, { timeout: 15_000, polling: 50 });

/** autocomplete_fields: open select2, type into its search box, click the result. */
export async function pickCustomer(p: Page, search: string, name: string): Promise<void> {
  await p.click('.field-customer .select2-selection');
  const box = p.locator('.select2-container--open .select2-search__field');
  await box.pressSequentially(search, { delay: 20 });
  await p.locator('.select2-results__option:not(.loading-results)', { hasText: name }).click();
}

/** The calendar shortcut "Today". */
export const clickToday = (p: Page) => p.locator('.field-due .datetimeshortcuts a', { hasText: 'Today' }).click();

/** Opens the calendar popup and clicks a day of the month it shows. */
export async function pickDay(p: Page, day: number): Promise<void> {
  await p.click('.field-due .datetimeshortcuts a[id^=calendarlink]');
  await p.locator('.calendarbox:visible td a', { hasText: new RegExp(`^${day}$`) }).click();
}

/** filter_horizontal: select names in one box and press the arrow that moves them to the other. */
export async function moveTags(p: Page, names: string[], to: 'chosen' | 'available'): Promise<void> {
  const box = to === 'chosen' ? '#id_tags_from' : '#id_tags_to';
  const labels = await p.locator(`${box} option`).allTextContents();
  await p.locator(box).selectOption(names.map((n) => ({ index: labels.indexOf(n) })));
  await p.click(to === 'chosen' ? '#id_tags_add_link' : '#id_tags_remove_link');
}

/** raw_id_fields: the lookup popup (a real window), then the object's link in its change list. */
export async function lookupWarehouse(p: Page, name: string): Promise<void> {
  const [popup] = await Promise.all([p.waitForEvent('popup'), p.click('#lookup_id_warehouse')]);
  await popup.waitForLoadState('load');
  // The click makes the popup call its opener and close itself: wait for the close, not the click.
  const closed = popup.waitForEvent('close');
  await popup.locator('#result_list a', { hasText: name }).click({ noWaitAfter: true }).catch(() => undefined);
  await closed;
}

/** Replaces a text input's content by typing (select all, then keys). */
export async function retype(p: Page, selector: string, text: string): Promise<void> {
  await p.click(selector);
  await p.keyboard.press('Control+a');
  await p.keyboard.type(text, { delay: 15 });
}

/** Appends by typing at the end. */
export async function typeAtEnd(p: Page, selector: string, text: string): Promise<void> {
  await p.click(selector);
  await p.keyboard.press('Control+End');
  await p.keyboard.type(text, { delay: 15 });
}

/** Presses Save and waits for Django's answer: the change list with a success message. */
export async function save(p: Page): Promise<void> {
  await p.click('input[name=_save]');
  // Either the change list with a success message, or the form again with Django's errors.
  const done = p.locator('.messagelist .success, .errornote, .errorlist');
  await done.first().waitFor({ timeout: 15_000 });
  if (!/\/admin\/shop\/order\/$/.test(p.url())) throw new Error(`Django refused the save: ${await done.allInnerTexts()}`);
}

/** Today as DateTimeShortcuts computes it for this server (TIME_ZONE = UTC). */
export const todayUtc = () => new Date().toISOString().slice(0, 10);
