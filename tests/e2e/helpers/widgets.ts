// Drivers for the widget fixture pages (public/demo/widgets/*): every change goes through the
// widget's own UI (clicks and keys), and every read is what a person sees, what the form would
// submit, or what the room document holds.
import pg from 'pg';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { apply as applyText, type TextOp } from '../../../src/ot/text.js';
import { type Box, overlay } from './browser.js';

export const PAGES = {
  select2: '/demo/widgets/select2/',
  tomSelect: '/demo/widgets/tom-select/',
  flatpickr: '/demo/widgets/flatpickr/',
  bootstrapDatepicker: '/demo/widgets/bootstrap-datepicker/',
  jqueryUiDatepicker: '/demo/widgets/jquery-ui-datepicker/',
} as const;

/** The room a fixture page joins: no host key, so the server's normalised path. */
export const roomOf = (path: string) => path.replace(/\/+$/, '');

export const ready = (p: Page) =>
  p.waitForFunction(() => Boolean(document.getElementById('tandem-overlay')?.dataset.fieldsReady), undefined, { timeout: 15_000 });

/** Nothing of this page's is unsent and no conflict choice is open. */
export const settled = (p: Page, timeout = 15_000) =>
  p.waitForFunction(
    () => {
      const host = document.getElementById('tandem-overlay');
      return host?.dataset.unsaved === 'false' && !host.shadowRoot?.querySelector('.fields-conflict');
    },
    undefined,
    { timeout, polling: 50 },
  );

/** What the form would submit for `name` now (the hidden control, not the widget's display). */
export const formValue = (p: Page, name: string) =>
  p.evaluate((n) => new FormData(document.getElementById('model_form') as HTMLFormElement).getAll(n).map(String), name);

/** The labels of a select's options, by value (to compare a widget's display with its control). */
export const labelsOf = (p: Page, id: string, values: string[]) =>
  p.evaluate(
    ([sel, vs]) => vs.map((v) => [...(document.getElementById(sel) as HTMLSelectElement).options].find((o) => o.value === v)?.text ?? `?${v}`),
    [id, values] as const,
  );

/**
 * The room document's value of one field, from Postgres: a value field's head, or a text field's
 * snapshot with the ops committed after it applied (the snapshot is refreshed every N ops only).
 */
export async function stored(dbUrl: string, path: string, field: string): Promise<unknown> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT f.room_id, f.value, f.value_version FROM form_fields f JOIN rooms r ON r.id = f.room_id WHERE r.page_key = $1 AND f.field = $2`,
      [roomOf(path), field],
    );
    const head = rows[0] as { room_id: string; value: unknown; value_version: number } | undefined;
    if (!head) return undefined;
    const ops = await c.query(`SELECT op FROM field_ops WHERE room_id = $1 AND field = $2 AND kind = 'text' AND version > $3 ORDER BY version`, [
      head.room_id,
      field,
      head.value_version,
    ]);
    return ops.rows.reduce((doc: string, r: { op: TextOp }) => applyText(doc, r.op), head.value as string) as unknown;
  } finally {
    await c.end();
  }
}

/** Presses the form's Save button and returns the form data the host received. */
export async function submitted(p: Page): Promise<URLSearchParams> {
  let resolve!: (v: URLSearchParams) => void;
  const posted = new Promise<URLSearchParams>((r) => (resolve = r));
  await p.route('**/demo/widgets/submitted', async (route) => {
    resolve(new URLSearchParams(route.request().postData() ?? ''));
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><link rel=icon href="data:,"><title>saved</title>' });
  });
  await p.click('#model_form button[type=submit]');
  const form = await posted;
  await p.unroute('**/demo/widgets/submitted');
  return form;
}

/** `viewer` shows a focus ring for `field` lying over `widget` (the element people see). */
export async function expectRingOver(viewer: Page, field: string, widget: string): Promise<void> {
  const ring = overlay(viewer, `.tdm-ring[data-field="${field}"]`);
  await ring.waitFor({ timeout: 10_000 });
  const close = (r: Box, w: Box) => Math.abs(r.x - w.x) < 8 && Math.abs(r.y - w.y) < 8 && Math.abs(r.width - w.width) < 16 && Math.abs(r.height - w.height) < 16;
  // The ring follows layout changes (a dropdown opening) on the next frame: poll.
  await expect
    .poll(async () => {
      const [r, w] = [await ring.boundingBox(), await viewer.locator(widget).boundingBox()];
      return r && w ? close(r, w) || { ring: r, widget: w } : 'missing';
    })
    .toBe(true);
}

/** Clicks an empty spot of the page (a widget closed with Escape keeps focus and opens again only on the next focus). */
const leave = (p: Page) => p.mouse.click(3, 3);

/** Clicks `sel` as a person does, away first if focus is still inside `within` (the widget). */
async function clickInto(p: Page, sel: string, within = sel) {
  if (await p.locator(within).evaluate((el) => el.contains(document.activeElement))) await leave(p);
  await p.click(sel);
}

// ── select2 ──────────────────────────────────────────────────────────────────────────────
const s2 = (id: string) => `#${id} + .select2`;

export const select2 = {
  container: s2,
  /** Single select: open it, type into its search, pick the highlighted result with Enter. */
  async pick(p: Page, id: string, search: string) {
    await p.click(`${s2(id)} .select2-selection`);
    // As a person waits for the caret: select2 moves focus to the dropdown's search (again after a timeout).
    await p.waitForFunction(() => document.activeElement?.matches('.select2-dropdown .select2-search__field') ?? false, undefined, { polling: 20 });
    await p.keyboard.type(search, { delay: 10 });
    await p.locator('.select2-results__option--highlighted', { hasText: search }).waitFor();
    await p.keyboard.press('Enter');
  },
  /** Multi select: type into the inline search and click the result. */
  async add(p: Page, id: string, label: string) {
    await p.click(`${s2(id)} .select2-search__field`);
    await p.keyboard.type(label.slice(0, 4), { delay: 10 });
    await p.locator('.select2-container--open .select2-results__option', { hasText: label }).click();
    await p.keyboard.press('Escape');
  },
  /** Multi select: the × of the chosen item. */
  async remove(p: Page, id: string, label: string) {
    await p.locator(`${s2(id)} .select2-selection__choice`, { hasText: label }).locator('.select2-selection__choice__remove').click();
    await p.keyboard.press('Escape'); // the click also toggles the dropdown open
  },
  /** What select2 draws: the single label, or the chosen items' labels. */
  shown: (p: Page, id: string) =>
    p.locator(`${s2(id)} .select2-selection__rendered`).evaluate((el) =>
      el.tagName === 'UL'
        ? [...el.querySelectorAll('.select2-selection__choice')].map((c) => (c.textContent ?? '').replace(/^×/, '').trim())
        : [(el.textContent ?? '').trim()],
    ),
};

// ── Tom Select ───────────────────────────────────────────────────────────────────────────
const ts = (id: string) => `.ts-wrapper:has(#${id}-ts-control)`;

async function choose(p: Page, id: string, search: string, target: string) {
  await clickInto(p, target, ts(id));
  // As a person waits for the list: Tom Select takes focus and opens its dropdown on a timeout.
  await p.locator(`${ts(id)}.focus.dropdown-active`).waitFor();
  await p.keyboard.type(search, { delay: 10 });
  await p.locator(`${ts(id)} .ts-dropdown .option.active`, { hasText: search }).waitFor();
  await p.keyboard.press('Enter');
  await p.keyboard.press('Escape');
}

export const tomSelect = {
  wrapper: ts,
  /** Single: click the control, type, Enter (the dropdown closes itself). */
  pick: (p: Page, id: string, search: string) => choose(p, id, search, `${ts(id)} .ts-control`),
  /** Multi: click into its input (a click on the control may land on an item), type, Enter. */
  add: (p: Page, id: string, label: string) => choose(p, id, label, `#${id}-ts-control`),
  /** The item's × (remove_button plugin). */
  remove: (p: Page, id: string, label: string) => p.locator(`${ts(id)} .ts-control .item`, { hasText: label }).locator('.remove').click(),
  /** Backspace in the empty control input removes the item before the caret (the last one). */
  async backspace(p: Page, id: string) {
    await clickInto(p, `#${id}-ts-control`, ts(id)); // the input itself: a click on the control may land on an item
    await p.locator(`${ts(id)}.focus`).waitFor(); // Tom Select handles keys once it has taken focus (on a timeout)
    await p.keyboard.press('Backspace');
    await p.keyboard.press('Escape');
  },
  shown: (p: Page, id: string) =>
    p.locator(`${ts(id)} .ts-control .item`).evaluateAll((items) =>
      items.map((i) => [...i.childNodes].filter((n) => !(n instanceof Element && n.classList.contains('remove'))).map((n) => n.textContent).join('').trim()),
    ),
};

// ── datepickers: open the picker on the input, click a day of the month it shows ─────────
export interface DatePicker {
  /** The input people click and read (flatpickr's altInput when it has one). */
  input(id: string): string;
  pick(p: Page, id: string, day: number): Promise<void>;
  /** The day the opened picker marks as chosen (opens and closes it). */
  marked(p: Page, id: string): Promise<string | null>;
}


/** A datepicker by its selectors: the day cells of the month shown, and the cell marked as chosen. */
const picker = (input: (id: string) => string, days: string, chosen: string): DatePicker => ({
  input,
  async pick(p, id, day) {
    await clickInto(p, input(id));
    await p.locator(days, { hasText: new RegExp(`^${day}$`) }).click();
  },
  async marked(p, id) {
    await clickInto(p, input(id));
    const t = await p.locator(chosen).textContent();
    await p.keyboard.press('Escape');
    return t;
  },
});

const byId = (id: string) => `#${id}`;
export const bootstrapDatepicker = picker(byId, '.datepicker-dropdown .datepicker-days td.day:not(.old):not(.new)', '.datepicker-dropdown .datepicker-days td.day.active');
export const jqueryUiDatepicker = picker(byId, '#ui-datepicker-div td[data-handler=selectDay] a', '#ui-datepicker-div a.ui-state-active');
/** flatpickr with altInput hides the original input (type=hidden) and shows a new one right after it. */
export const flatpickr = picker(
  (id) => `#${id}:not([type=hidden]), #${id}[type=hidden] + input`,
  '.flatpickr-calendar.open .flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)',
  '.flatpickr-calendar.open .flatpickr-day.selected',
);

// ── the agreement a user relies on ───────────────────────────────────────────────────────
export interface FieldCheck {
  name: string;
  /** The values the form must submit (one for a single control). */
  want: string[];
  /** What the widget draws on each page; compared with the options' labels for `want` when `labels`, else with `want`. */
  shown?: (p: Page) => Promise<string[]>;
  labels?: boolean;
  /** What the widget draws for `want`, when it is neither (flatpickr's altInput shows "July 15, 2024"). */
  display?: string[];
}

const sorted = (v: unknown) => (Array.isArray(v) ? v : v === null || v === undefined || v === '' ? [] : [v]).map(String).sort();

/**
 * Each page shows `want` in its widget and would submit it, the room document holds it, and
 * pressing Save in each page posts exactly it. Afterwards the pages have navigated away.
 */
export async function expectAgreement(dbUrl: string, path: string, pages: Page[], fields: FieldCheck[]): Promise<void> {
  for (const p of pages) await settled(p);
  for (const f of fields) {
    for (const p of pages) {
      await expect.poll(async () => sorted(await formValue(p, f.name)), { timeout: 10_000 }).toEqual(sorted(f.want));
      if (!f.shown) continue;
      const drawn = f.display ?? (f.labels ? await labelsOf(p, f.name, f.want) : f.want);
      await expect.poll(async () => [...(await f.shown!(p))].sort(), { timeout: 5_000 }).toEqual([...drawn].sort());
    }
    expect(sorted(await stored(dbUrl, path, f.name))).toEqual(sorted(f.want));
  }
  for (const p of pages) {
    const form = await submitted(p);
    for (const f of fields) expect(sorted(form.getAll(f.name))).toEqual(sorted(f.want));
  }
}
