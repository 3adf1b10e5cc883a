// The fidelity property test (DESIGN.md, invariant 5) of widgets-fuzz.test.ts, on a React form:
// two people on one react-admin record (history routes, the form stays open after a save) make
// random changes through Material UI's widgets, at the same time, offline and around reloads,
// type into the same text field at once, and save. After every step every page shows what the
// room holds, which is what the model of the people's choices says; every save sends exactly
// that (react-admin's own state, not the inputs). Reproduce a run with SEED=<printed seed>.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { screenshot, type UserPage, waitForConnection } from './helpers/browser.js';
import { rng, seedOf, settleAll } from './helpers/fuzz.js';
import { inRoom, openAppAs, type Post, type ReactAdminStack, save, startReactAdminStack } from './helpers/react-admin.js';
import { settled } from './helpers/widgets.js';

const STEPS = 16;
const BUDGET_MS = 60_000; // stop early rather than run past the suite's time budget on a loaded machine
const PATH = '/app/posts/3';
const KEY = 'posts:3';
const FIELDS = 7;

type Field = 'status' | 'featured' | 'category' | 'review_on';
type Val = string | boolean;
const VALUE_FIELDS: Field[] = ['status', 'featured', 'category', 'review_on'];
const SINGLE: Field[] = ['status', 'category', 'review_on']; // two people can pick different values at once
const STATUS: Record<string, string> = { draft: 'Draft', review: 'In review', published: 'Published', archived: 'Archived' };
const CATEGORY: Record<string, string> = { tech: 'Technology', life: 'Lifestyle', news: 'News', sport: 'Sport' };
/** What each field's control holds on the page (MUI X shows dates as MM/DD/YYYY). */
const shown = (f: Field, v: Val) => (f === 'status' ? v : f === 'category' ? CATEGORY[v as string] : f === 'review_on' ? `${(v as string).slice(5, 7)}/${(v as string).slice(8, 10)}/${(v as string).slice(0, 4)}` : v);
/** What the room holds: the control's value, but a date as YYYY-MM-DD. */
const held = (f: Field, v: Val) => (f === 'review_on' ? v : shown(f, v));

interface Person {
  name: string;
  u: UserPage;
}

describe.skipIf(!hasChromium || !hasPg)('fidelity property test on a React form (react-admin, seeded)', () => {
  let stack: ReactAdminStack;
  beforeAll(async () => {
    stack = await startReactAdminStack();
  });
  afterAll(() => stack?.close());

  it('random MUI widget changes, concurrent typing, conflicts, offline, reloads and saves: every page shows and react-admin saves the room’s value', async () => {
    const seed = seedOf();
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const people: Person[] = [];
    for (const name of ['alice', 'bob']) {
      const u = await openAppAs(stack, name, PATH);
      u.page.on('dialog', (d) => void d.accept()); // "leave with unsaved edits?" on a reload mid-edit
      people.push({ name, u });
    }
    const pages = () => people.map((x) => x.u.page);
    for (const p of pages()) await inRoom(p, KEY, FIELDS);

    // The model: what the room must hold, from the choices people made (the seed record, posts 3).
    const model: Record<Field, Val> = { status: 'draft', featured: false, category: 'news', review_on: '2024-10-01' };
    let title = 'Third post';

    const another = (f: Field, from: Val, ...avoid: Val[]): Val => {
      for (;;) {
        const v: Val =
          f === 'status' ? pick(Object.keys(STATUS)) : f === 'category' ? pick(Object.keys(CATEGORY)) : f === 'featured' ? !from : `2024-10-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
        if (v !== from && !avoid.includes(v)) return v;
      }
    };
    /** Makes `p` show `v` for `f`, through the widget's own UI. */
    const change = async (p: Page, f: Field, v: Val) => {
      if (f === 'status') {
        await p.getByRole('combobox', { name: 'Status' }).click();
        await p.getByRole('option', { name: STATUS[v as string], exact: true }).click();
      } else if (f === 'category') {
        await p.getByRole('combobox', { name: 'Category' }).click();
        await p.getByRole('option', { name: CATEGORY[v as string], exact: true }).click();
      } else if (f === 'featured') {
        await p.locator('input[name=featured]').click();
      } else {
        // A day picked from the calendar (one click, so a conflict dialog cannot open halfway, as it can while typing).
        await p.getByRole('button', { name: /^Choose date/ }).click();
        await p.getByRole('gridcell', { name: String(Number((v as string).slice(8, 10))), exact: true }).click();
        await p.locator('input[name=title]').focus(); // and on, as a person does (a conflict dialog may cover the page)
      }
    };
    const control = (p: Page, f: Field) =>
      p.evaluate((name) => {
        const el = document.querySelector<HTMLInputElement>(`form [name="${name}"]`)!;
        return el.type === 'checkbox' ? el.checked : el.value;
      }, f);

    /** The invariant: room == model, every page's controls == model, and both pages' text the same. */
    const check = async (step: string) => {
      const doc = await stack.document(KEY);
      for (const f of VALUE_FIELDS) {
        expect(doc[f], `${step}: room ${f}`).toEqual(held(f, model[f]));
        for (const x of people) await expect.poll(() => control(x.u.page, f), { message: `${step}: ${x.name}'s ${f}`, timeout: 10_000 }).toEqual(shown(f, model[f]));
      }
      title = String(doc.title);
      for (const x of people) await expect.poll(() => x.u.page.locator('input[name=title]').inputValue(), { message: `${step}: ${x.name}'s title`, timeout: 10_000 }).toBe(title);
    };
    /** What react-admin saves is what the page shows: its own state got every remote change. */
    const checkSave = async (x: Person, step: string) => {
      // react-admin disables Save on a form equal to the record it loaded or last saved: then the record must already be the room's.
      const pristine = await x.u.page.getByRole('button', { name: 'Save' }).isDisabled();
      const body: Post = pristine ? stack.host.posts.get(3)! : await save(stack, x.u.page);
      expect(body, `${step}: what ${x.name}'s Save sent${pristine ? ' (Save disabled: the record)' : ''}`).toMatchObject({ ...model, title });
      await Promise.all(pages().map((p) => settled(p)));
    };

    const runStep = async (i: number) => {
      const r = rand();
      const choice = rand() < 0.5 ? 'mine' : 'theirs';
      const [x, y] = rand() < 0.5 ? [people[0]!, people[1]!] : [people[1]!, people[0]!];
      let step: string;
      if (r < 0.3) {
        const f = pick(VALUE_FIELDS);
        const v = another(f, model[f]);
        step = `${i} ${x.name} sets ${f}=${String(v)}`;
        await change(x.u.page, f, v);
        model[f] = v;
        await settleAll(pages(), choice);
      } else if (r < 0.45) {
        const f = pick(SINGLE);
        const vx = another(f, model[f]);
        const vy = another(f, model[f], vx);
        step = `${i} ${x.name} and ${y.name} set ${f}=${String(vx)} / ${String(vy)} at once`;
        await Promise.all([change(x.u.page, f, vx), change(y.u.page, f, vy)]);
        const [c] = await settleAll(pages(), choice);
        if (c) model[f] = (c.page === x.u.page) === (c.choice === 'mine') ? vx : vy;
        else {
          const room = (await stack.document(KEY))[f];
          expect([held(f, vx), held(f, vy)], `${step}: the room holds one of the two`).toContain(room);
          model[f] = room === held(f, vx) ? vx : vy;
        }
      } else if (r < 0.6) {
        // Both type into the title at once, at the end and at the start: OT makes them converge.
        step = `${i} both type into the title`;
        await x.u.page.locator('input[name=title]').click();
        await x.u.page.keyboard.press('End');
        await y.u.page.locator('input[name=title]').click();
        await y.u.page.keyboard.press('Home');
        await Promise.all([x.u.page.keyboard.type(` ${x.name}${i}`, { delay: 15 }), y.u.page.keyboard.type(`${y.name}${i} `, { delay: 15 })]);
        await settleAll(pages(), choice);
      } else if (r < 0.72) {
        // x goes offline and changes a field y changes meanwhile: on reconnect x must be asked, never overwritten silently.
        const f = pick(SINGLE);
        const vy = another(f, model[f]);
        const vx = another(f, model[f], vy);
        step = `${i} ${x.name} offline sets ${f}=${String(vx)} while ${y.name} sets ${String(vy)}`;
        await x.u.context.setOffline(true);
        await waitForConnection(x.u.page, 'reconnecting', 'offline');
        await change(y.u.page, f, vy);
        await settled(y.u.page);
        await change(x.u.page, f, vx);
        await x.u.context.setOffline(false);
        await waitForConnection(x.u.page, 'connected');
        const choices = await settleAll(pages(), choice);
        expect(choices.map((c) => c.field), `${step}: the choice is offered`).toEqual([f]);
        model[f] = choices[0]!.choice === 'mine' ? vx : vy;
      } else if (r < 0.85) {
        step = `${i} ${x.name} saves`;
        await check(step);
        await checkSave(x, step);
      } else {
        step = `${i} ${x.name} reloads`;
        await x.u.page.reload();
        await inRoom(x.u.page, KEY, FIELDS);
        await settleAll(pages(), choice);
      }
      console.log('step', step);
      await check(step);
    };

    const t0 = Date.now();
    for (let i = 0; i < STEPS && Date.now() - t0 < BUDGET_MS; i++) {
      try {
        await runStep(i);
      } catch (err) {
        for (const x of people) await screenshot(x.u.page, `react-admin-fuzz-${seed}-${i}-${x.name}`).catch(() => undefined);
        throw err;
      }
    }
    // Both save at the end: the same record, the model's.
    for (const x of people) await checkSave(x, 'final');
    // Offline, Chromium logs the failed socket connects as console errors: that is the network, not the page.
    const errors = people.flatMap((x) => x.u.errors).filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket connection/.test(e));
    expect(errors, errors.join('\n')).toEqual([]);
    for (const x of people) await x.u.context.close();
  }, 150_000);
});
