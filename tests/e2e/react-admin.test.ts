// A real react-admin 5 app (Material UI, MUI X DatePicker, ra-data-simple-rest against its own
// REST backend) with only the script tag in index.html, two people in two Chromium contexts:
// rooms follow the app's routes (hash and history), the form is found when React draws it,
// remote changes reach React's state so react-admin *saves* them, and saves made by fetch are
// told to the other person, whose later save writes nothing stale.
import type { Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { countMounts, mounts, overlay, type UserPage } from './helpers/browser.js';
import { covered, openTool, settle } from './helpers/fit.js';
import { inRoom, openAppAs, type Post, type ReactAdminStack, save, startReactAdminStack } from './helpers/react-admin.js';
import { settled } from './helpers/widgets.js';

const FIELDS = 7; // title, body, status, featured, published_on, review_on, category
const avatar = (p: Page, user: string) => overlay(p, `.tdm-avatar[data-user-id="${user}"]`);
const value = (p: Page, name: string) => p.locator(`form [name="${name}"]`).inputValue();

describe.skipIf(!hasChromium || !hasPg)('react-admin: a single-page admin', () => {
  let stack: ReactAdminStack;
  const people: UserPage[] = [];
  const open = async (user: string, path: string, viewport?: { width: number; height: number }, before?: (p: Page) => Promise<unknown>) => {
    const u = await openAppAs(stack, user, path, viewport, before);
    people.push(u);
    return u;
  };
  /** Clicks through the app (no page load): the sidebar's list, then a record's row. */
  const goToRecord = async (p: Page, title: string) => {
    await p.getByRole('menuitem', { name: 'Posts' }).click();
    await p.getByRole('cell', { name: title, exact: true }).click();
  };
  const noReload = async (p: Page) => p.evaluate(() => ((window as unknown as { marker?: number }).marker = 1));
  const stillSamePage = (p: Page) => p.evaluate(() => (window as unknown as { marker?: number }).marker === 1);

  beforeAll(async () => {
    stack = await startReactAdminStack();
  });
  afterEach(async () => {
    for (const u of people.splice(0)) await u.context.close().catch(() => undefined);
  });
  afterAll(() => stack?.close());

  it('hash routes: one room per record, and navigating inside the app moves presence', async () => {
    const alice = await open('alice', '/#/posts/1');
    const bob = await open('bob', '/#/posts/2');
    await inRoom(alice.page, 'posts:1', FIELDS);
    await inRoom(bob.page, 'posts:2', FIELDS);
    expect(await avatar(alice.page, 'bob').count()).toBe(0);
    await noReload(bob.page);
    await goToRecord(bob.page, 'Hello world');
    await inRoom(bob.page, 'posts:1', FIELDS);
    expect(await stillSamePage(bob.page)).toBe(true);
    await avatar(alice.page, 'bob').waitFor({ state: 'attached', timeout: 10_000 });
    await avatar(bob.page, 'alice').waitFor({ state: 'attached', timeout: 10_000 });
    // Back to the list: bob leaves record 1's room; the list is a room of its own, without a form.
    await bob.page.getByRole('menuitem', { name: 'Posts' }).click();
    await inRoom(bob.page, '/posts');
    await avatar(alice.page, 'bob').waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => overlay(bob.page, '.fields-status').textContent()).toBe('No form to co-edit on this page');
    expect(await stillSamePage(bob.page)).toBe(true);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('hash routes: text, multiline, MUI Select, Switch, date, MUI X DatePicker and Autocomplete reach the other’s saved values; a save is told and the later one writes nothing stale', async () => {
    const alice = await open('alice', '/#/posts/1');
    const bob = await open('bob', '/#/posts/1');
    await Promise.all([inRoom(alice.page, 'posts:1', FIELDS), inRoom(bob.page, 'posts:1', FIELDS)]);
    const title = (await value(alice.page, 'title')) + ' (edited)';
    // Both type at once: alice in the title, bob in the multiline body.
    await alice.page.locator('input[name=title]').click();
    await alice.page.keyboard.press('End');
    await bob.page.locator('textarea[name=body]').click();
    await bob.page.keyboard.press('Control+Home');
    await Promise.all([alice.page.keyboard.type(' (edited)', { delay: 20 }), bob.page.keyboard.type('Intro.\n', { delay: 20 })]);
    // Every widget, each through its own UI.
    await alice.page.getByRole('combobox', { name: 'Status' }).click();
    await alice.page.getByRole('option', { name: 'Published' }).click();
    await bob.page.getByRole('switch', { name: 'Featured' }).or(bob.page.getByRole('checkbox', { name: 'Featured' })).click();
    await alice.page.locator('input[name=published_on]').fill('2024-09-15');
    await bob.page.getByRole('group', { name: 'Review on' }).getByRole('spinbutton', { name: 'Month' }).click();
    await bob.page.keyboard.type('09202024');
    await alice.page.getByRole('combobox', { name: 'Category' }).click();
    await alice.page.keyboard.type('Spo');
    await alice.page.getByRole('option', { name: 'Sport' }).click();
    await alice.page.locator('input[name=title]').click(); // leave the autocomplete, as a person does
    await Promise.all([settled(alice.page), settled(bob.page)]);

    const want = { title, body: 'Intro.\nFirst post.\nSecond line.', status: 'published', featured: true, published_on: '2024-09-15', review_on: '2024-09-20', category: 'sport' };
    for (const u of [alice, bob]) {
      await expect.poll(() => value(u.page, 'title')).toBe(want.title);
      await expect.poll(() => value(u.page, 'body')).toBe(want.body);
      await expect.poll(() => value(u.page, 'category')).toBe('Sport');
      await expect.poll(() => value(u.page, 'review_on')).toBe('09/20/2024');
    }
    const doc = await stack.document('posts:1');
    expect(doc).toMatchObject({ title: want.title, body: want.body, status: 'published', featured: true, published_on: '2024-09-15', review_on: '2024-09-20', category: 'Sport' });

    // Bob saves: what react-admin sends (its own state, not the inputs) holds alice's changes too.
    const byBob = await save(stack, bob.page);
    expect(byBob).toMatchObject(want);
    // Alice is told, by name, though react-admin saved with fetch and no form was submitted.
    await overlay(alice.page, '.tdm-toast').filter({ hasText: 'Bob saved' }).first().waitFor({ state: 'attached', timeout: 10_000 });
    // Her later Save sends the same record: nothing stale written back.
    const byAlice = await save(stack, alice.page);
    expect(byAlice).toEqual(byBob);
    expect(stack.host.posts.get(1)).toEqual(byBob);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  // react-admin's default mutation mode: Save goes back to the list at once and the PUT follows
  // when the Undo notification closes, from the list page. The overlay had left the record's room
  // by then, so nobody was told and the room's saved state stayed the old record.
  it('undoable mode (react-admin’s default): the write that follows Save from the list page is told to the record’s room', async () => {
    const alice = await open('alice', '/?mode=undoable#/posts/4');
    const bob = await open('bob', '/#/posts/4');
    await Promise.all([inRoom(alice.page, 'posts:4', FIELDS), inRoom(bob.page, 'posts:4', FIELDS)]);
    await alice.page.locator('input[name=title]').click();
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.type(' (undoable)', { delay: 20 });
    await settled(alice.page);
    await expect.poll(() => value(bob.page, 'title')).toBe('Fourth post (undoable)');
    const before = stack.host.writes.length;
    await alice.page.getByRole('button', { name: 'Save' }).click();
    await inRoom(alice.page, '/posts'); // back on the list before anything was written
    expect(stack.host.writes.length).toBe(before);
    await expect.poll(() => stack.host.writes.length, { timeout: 20_000 }).toBe(before + 1);
    expect(stack.host.writes[before]!.body).toMatchObject({ id: 4, title: 'Fourth post (undoable)' });
    await overlay(bob.page, '.tdm-toast').filter({ hasText: 'Alice saved' }).first().waitFor({ state: 'attached', timeout: 10_000 });
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  // Data providers the overlay cannot recognise call Tandem.saved() themselves (docs/embedding.md).
  it('Tandem.saved(values) from the app: the colleague is told, the room’s saved state holds those values; false off a record form; bad arguments throw', async () => {
    const alice = await open('alice', '/app/posts/4');
    const bob = await open('bob', '/app/posts/4');
    await Promise.all([inRoom(alice.page, 'posts:4', FIELDS), inRoom(bob.page, 'posts:4', FIELDS)]);
    expect(await alice.page.evaluate(() => window.Tandem!.saved({ title: 'Saved by code' }))).toBe(true);
    await overlay(bob.page, '.tdm-toast').filter({ hasText: 'Alice saved' }).first().waitFor({ state: 'attached', timeout: 10_000 });
    const db = new pg.Client({ connectionString: stack.tandemDb });
    await db.connect();
    try {
      const { rows } = await db.query<{ base: Record<string, unknown>; saved_by: string }>(
        `SELECT d.base, d.saved_by FROM form_documents d JOIN rooms r ON r.id = d.room_id WHERE r.page_key = 'posts:4'`,
      );
      expect(rows[0]).toMatchObject({ saved_by: 'alice', base: { title: 'Saved by code' } });
    } finally {
      await db.end();
    }
    const refused = await alice.page.evaluate(() => Promise.all([[], 'title', null].map((v) => window.Tandem!.saved(v as never).then(() => 'resolved', (e: Error) => e.name))));
    expect(refused).toEqual(['TypeError', 'TypeError', 'TypeError']);
    await alice.page.getByRole('menuitem', { name: 'Posts' }).click();
    await inRoom(alice.page, '/app/posts');
    expect(await alice.page.evaluate(() => window.Tandem!.saved())).toBe(false);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  // The room holds a MUI X date as YYYY-MM-DD, so people whose pickers show another order agree.
  it('MUI X DatePicker across date formats: MM/DD/YYYY and DD.MM.YYYY pages show the same day, the room holds YYYY-MM-DD, react-admin saves it', async () => {
    const alice = await open('alice', '/#/posts/4');
    const bob = await open('bob', '/?dates=de#/posts/4');
    await Promise.all([inRoom(alice.page, 'posts:4', FIELDS), inRoom(bob.page, 'posts:4', FIELDS)]);
    const typeDate = async (p: Page, first: 'Month' | 'Day', digits: string) => {
      await p.getByRole('group', { name: 'Review on' }).getByRole('spinbutton', { name: first }).click();
      await p.keyboard.type(digits);
      await p.locator('input[name=title]').click(); // done with the date
      await settled(p);
    };
    await typeDate(alice.page, 'Month', '09202024');
    await expect.poll(() => stack.document('posts:4').then((d) => d.review_on)).toBe('2024-09-20');
    await expect.poll(() => value(bob.page, 'review_on')).toBe('20.09.2024');
    await typeDate(bob.page, 'Day', '21102024');
    await expect.poll(() => stack.document('posts:4').then((d) => d.review_on)).toBe('2024-10-21');
    await expect.poll(() => value(alice.page, 'review_on')).toBe('10/21/2024');
    expect(await save(stack, alice.page)).toMatchObject({ id: 4, review_on: '2024-10-21' });
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  // A dependent input drawn on the same record (react-admin's FormDataConsumer) used to mount the
  // overlay again: leave and re-join the room, a new socket, every panel closed and rebuilt.
  it('a dependent input drawn on the same record is bound in place: one mount, the open chat keeps its draft, the new field is co-edited and saved', async () => {
    const alice = await open('alice', '/?note=1#/posts/4', undefined, countMounts);
    const bob = await open('bob', '/?note=1#/posts/4', undefined, countMounts);
    await Promise.all([inRoom(alice.page, 'posts:4', FIELDS), inRoom(bob.page, 'posts:4', FIELDS)]);
    await openTool(alice.page, 'chat');
    const composer = overlay(alice.page, '.tdm-panel-chat textarea');
    await composer.fill('half-written message');

    // Alice switches Featured on: both pages draw the note input (bob's through the co-edited switch).
    await alice.page.getByRole('switch', { name: 'Featured' }).or(alice.page.getByRole('checkbox', { name: 'Featured' })).click();
    await Promise.all([inRoom(alice.page, 'posts:4', FIELDS + 1), inRoom(bob.page, 'posts:4', FIELDS + 1)]);
    await alice.page.locator('input[name=feature_note]').click();
    await alice.page.keyboard.type('On the front page', { delay: 20 });
    await expect.poll(() => value(bob.page, 'feature_note')).toBe('On the front page');
    const saved = await save(stack, bob.page);
    expect(saved).toMatchObject({ featured: true, feature_note: 'On the front page' });

    expect(await mounts(alice.page)).toBe(1);
    expect(await mounts(bob.page)).toBe(1);
    expect(await overlay(alice.page, '.tdm-panel-chat').isVisible()).toBe(true);
    expect(await composer.inputValue()).toBe('half-written message');
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('history routes (/app/posts/2): presence per record, navigation without reload, co-editing saved by react-admin', async () => {
    const alice = await open('alice', '/app/posts/2');
    const bob = await open('bob', '/app/posts/3');
    await Promise.all([inRoom(alice.page, 'posts:2', FIELDS), inRoom(bob.page, 'posts:3', FIELDS)]);
    await noReload(bob.page);
    await goToRecord(bob.page, 'Second post');
    await inRoom(bob.page, 'posts:2', FIELDS);
    expect(await stillSamePage(bob.page)).toBe(true);
    await avatar(alice.page, 'bob').waitFor({ state: 'attached', timeout: 10_000 });
    await bob.page.locator('input[name=title]').fill('Second post, by Bob');
    await bob.page.getByRole('combobox', { name: 'Status' }).click();
    await bob.page.getByRole('option', { name: 'Archived' }).click();
    await Promise.all([settled(alice.page), settled(bob.page)]);
    await expect.poll(() => value(alice.page, 'title')).toBe('Second post, by Bob');
    const saved: Post = await save(stack, alice.page);
    expect(saved).toMatchObject({ title: 'Second post, by Bob', status: 'archived' });
    await overlay(bob.page, '.tdm-toast').filter({ hasText: 'Alice saved' }).first().waitFor({ state: 'attached', timeout: 10_000 });
    // The host names the room from code: both follow it.
    await alice.page.evaluate(() => window.Tandem!.setPage({ key: 'campaign:spring', title: 'Spring campaign' }));
    await inRoom(alice.page, 'campaign:spring', FIELDS);
    await avatar(bob.page, 'alice').waitFor({ state: 'detached', timeout: 10_000 });
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('Vue 3 v-model (the same backend’s /vue/ page): remote text, select and checkbox reach Vue’s state, which is what it saves', async () => {
    const alice = await open('alice', '/vue/posts/2');
    const bob = await open('bob', '/vue/posts/2');
    await Promise.all([inRoom(alice.page, 'posts:2', 4), inRoom(bob.page, 'posts:2', 4)]);
    const title = (await value(alice.page, 'title')) + ' in Vue';
    const featured = !(await alice.page.locator('input[name=featured]').isChecked());
    await alice.page.locator('input[name=title]').click();
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.type(' in Vue', { delay: 20 });
    await alice.page.locator('select[name=status]').selectOption('published');
    await alice.page.locator('input[name=featured]').click();
    await Promise.all([settled(alice.page), settled(bob.page)]);
    await expect.poll(() => value(bob.page, 'title')).toBe(title);
    const before = stack.host.writes.length;
    await bob.page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => stack.host.writes.length).toBe(before + 1);
    expect(stack.host.writes[before]!.body).toMatchObject({ title, status: 'published', featured });
    await overlay(alice.page, '.tdm-toast').filter({ hasText: 'Bob saved' }).first().waitFor({ timeout: 10_000 });
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('at phone width the overlay covers none of react-admin’s controls, the pinned Save toolbar included', async () => {
    const alice = await open('alice', '/#/posts/3', { width: 375, height: 740 });
    await inRoom(alice.page, 'posts:3', FIELDS);
    await settle(alice.page);
    await alice.page.getByRole('button', { name: 'Save' }).waitFor();
    await alice.page.getByRole('button', { name: 'Delete' }).waitFor();
    await settle(alice.page);
    // What makes this a test: react-admin pins its toolbar to the bottom at this width, with Save
    // and Delete in the two bottom corners, where an overlay that did not measure would dock.
    const bar = await alice.page.evaluate(() => {
      const tb = document.querySelector<HTMLElement>('.RaToolbar-mobileToolbar')!;
      return { position: getComputedStyle(tb).position, bottom: tb.getBoundingClientRect().bottom, width: innerWidth, height: innerHeight };
    });
    expect(bar).toMatchObject({ position: 'fixed', bottom: bar.height });
    const saveBox = (await alice.page.getByRole('button', { name: 'Save' }).boundingBox())!;
    const deleteBox = (await alice.page.getByRole('button', { name: 'Delete' }).boundingBox())!;
    expect(saveBox.x).toBeLessThan(60);
    expect(bar.width - (deleteBox.x + deleteBox.width)).toBeLessThan(60);
    expect(saveBox.y + saveBox.height).toBeGreaterThan(bar.height - 80);
    expect(deleteBox.y + deleteBox.height).toBeGreaterThan(bar.height - 80);
    expect(await covered(alice.page)).toEqual([]);
  });
});
