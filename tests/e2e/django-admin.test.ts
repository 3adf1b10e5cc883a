// Issue 9 on a real Django 3.2 admin: two staff users edit one order at the same time through the
// admin's own widgets, both save, and Django's row holds what both pages showed last.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { countMounts, mounts, screenshot } from './helpers/browser.js';
import { type DjangoStack, hasDjango, openAdminAs, startDjangoStack } from './helpers/django.js';
import { bundle, install } from './helpers/django-adapters-page.js';
import {
  asOrder,
  clickToday,
  customerShown,
  lookupWarehouse,
  moveTags,
  pickCustomer,
  pickDay,
  ready,
  retype,
  save,
  shown,
  synced,
  todayUtc,
  typeAtEnd,
} from './helpers/django-admin-ui.js';

describe.skipIf(!hasChromium || !hasPg || !hasDjango)('a real Django admin (python3-django) with Tandem', () => {
  let stack: DjangoStack;
  beforeAll(async () => {
    stack = await startDjangoStack();
  });
  afterAll(() => stack?.close());

  // The package's view (tandem_integration.django, /tandem/token) and the hand-written recipe of
  // docs/embedding.md (/tandem-token) answer the same.
  it.each(['/tandem/token', '/tandem-token'])('the token view %s answers 401 JSON to anonymous and non-staff users, a token with model perms to staff', async (path) => {
    const token = async (user?: string) =>
      fetch(`${stack.django.url}${path}`, user ? { headers: { cookie: `sessionid=${await stack.django.login(user)}` } } : {});
    const anon = await token();
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: 'not logged in as staff' });
    expect((await token('carol')).status).toBe(401); // logged in, not staff
    const alice = await token('alice');
    expect(alice.status).toBe(200);
    const { token: jwt } = (await alice.json()) as { token: string };
    const me = await fetch(`${stack.tandem.url}/api/v1/me`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(await me.json()).toMatchObject({ kind: 'user', tenantId: 'shop', name: 'Alice Martin' });
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { perms: Record<string, string[]> };
    expect(claims.perms['shop.order:*']).toEqual(['read', 'write', 'comment']);
    expect(claims.perms['shop.customer:*']).toEqual(['read']);
    const erin = (await (await token('erin')).json()) as { token: string };
    expect(JSON.parse(Buffer.from(erin.token.split('.')[1]!, 'base64url').toString()).perms).toEqual({ 'shop.order:*': ['read'] });
  });

  it('a user with only the view permission joins the change form read-only (claims mapped by the package)', async () => {
    const erin = await openAdminAs(stack, 'erin', '/admin/shop/order/5/change/');
    const room = await erin.page.evaluate(() => window.tandem!.ctx.room!);
    expect(room.pageKey).toBe('shop.order:5');
    expect(room.permissions).toEqual(['read']);
    const tags = await erin.page.evaluate(() => [...document.querySelectorAll('script[src$="/tandem.js"]')].map((s) => (s as HTMLScriptElement).dataset.tokenUrl));
    expect(tags).toEqual(['/tandem/token']);
    expect(erin.errors).toEqual([]);
    await erin.context.close();
  });

  it('the change form, served from another origin, joins its room and seeds it with the saved record', async () => {
    const alice = await openAdminAs(stack, 'alice', '/admin/shop/order/1/change/');
    await ready(alice.page);
    const room = await alice.page.evaluate(() => window.tandem!.ctx.room!);
    expect(room.pageKey).toBe('shop.order:1');
    expect(room.permissions).toEqual(expect.arrayContaining(['read', 'write', 'comment']));
    // Django's widgets are bound by their adapters (SelectFilter2 renames its select on `load`).
    const bindings = await alice.page.evaluate(() =>
      Object.fromEntries(['id_tags_from', 'id_tags_to', 'id_tags', 'id_due', 'id_warehouse', 'id_customer'].map((id) => [id, document.getElementById(id)?.dataset.tandemBinding ?? null])),
    );
    expect(bindings.id_due).toBe('django-calendar');
    expect(bindings.id_warehouse).toBe('django-raw-id');
    expect([bindings.id_tags_from, bindings.id_tags_to]).toContain('django-select-filter');
    expect(bindings.id_customer).toMatch(/select2/);
    // The room holds what Django saved (not SelectFilter2's rebuilt, unselected options).
    expect(asOrder(await stack.document('shop.order:1'))).toEqual(stack.django.order(1));
    expect(alice.errors).toEqual([]);
    await alice.context.close();
  });

  // Regression (CI, session 4): the overlay mounted at DOMContentLoaded, SelectFilter2 and the
  // calendars started on `load`, and the follower mounted it again a moment later: it left and
  // re-joined the room, so a room state just read (or an edit, or a conflict dialog) belonged to
  // a mount that was gone. A slow image holds `load` back 11 s: longer than the overlay waits for
  // `load` on other pages (10 s), which Django admin pages must not cut short.
  it('the change form mounts once, with Django’s load-time widgets bound, even when a slow image holds load back 11 s', { timeout: 90_000 }, async () => {
    const { page, context } = await openAdminAs(stack, 'alice', '/admin/shop/order/4/change/', async (page) => {
      await page.route('**/slow-photo.png', async (route) => {
        await new Promise((r) => setTimeout(r, 11_000));
        await route.fulfill({ status: 200, contentType: 'image/png', body: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64') });
      });
      await page.addInitScript(() => {
        document.addEventListener('DOMContentLoaded', () => {
          const img = document.createElement('img');
          img.src = '/static/slow-photo.png';
          img.alt = '';
          document.body.append(img);
        });
      });
      await countMounts(page);
    });
    await ready(page);
    await page.waitForFunction(() => window.tandem?.ctx.room?.pageKey === 'shop.order:4', undefined, { timeout: 15_000 });
    await page.waitForTimeout(1500); // longer than the follower's settle scans
    expect(await mounts(page)).toBe(1);
    const bindings = await page.evaluate(() => Object.fromEntries(['id_tags_from', 'id_tags_to', 'id_due'].map((id) => [id, document.getElementById(id)?.dataset.tandemBinding ?? null])));
    expect(bindings.id_due).toBe('django-calendar');
    expect([bindings.id_tags_from, bindings.id_tags_to]).toContain('django-select-filter');
    await context.close();
  });

  // Without the pack, the calendar, raw-id and SelectFilter2 fields were bound as plain controls
  // (a date co-edited as text, merged character by character) and only the console said so.
  it('when its widget pack cannot be loaded, Django’s calendar, raw-id and filter_horizontal fields are left alone and the bar says so', async () => {
    const { page, context } = await openAdminAs(stack, 'alice', '/admin/shop/order/4/change/', async (page) => void (await page.route('**/tandem-adapters/django.js', (route) => route.abort())));
    await ready(page);
    await page.waitForFunction(() => window.tandem?.ctx.room?.pageKey === 'shop.order:4', undefined, { timeout: 15_000 });
    const names = await page.evaluate(() => window.tandem!.ctx.fields.all().map((f) => f.name));
    expect(names).toEqual(expect.arrayContaining(['reference', 'notes', 'status', 'urgent', 'customer']));
    expect(names.filter((n) => ['due', 'warehouse', 'tags', 'tags_old'].includes(n))).toEqual([]);
    await expect.poll(() => page.locator('#tandem-overlay .fields-status').textContent()).toBe('Synced, except widgets that could not be loaded');
    await context.close();
  });

  // The room carries only the id; the writer's page sends its label with the write, so an
  // ajax-backed select2 that lacks the option draws the name, not "3".
  it('a customer chosen in the autocomplete by one user is drawn by name on the other’s page', async () => {
    const path = '/admin/shop/order/8/change/';
    const [alice, bob] = await Promise.all([openAdminAs(stack, 'alice', path), openAdminAs(stack, 'bob', path)]);
    await Promise.all([ready(alice.page), ready(bob.page)]);
    await pickCustomer(alice.page, 'ini', 'Initech');
    await expect.poll(() => shown(bob.page).then((v) => v.customer), { timeout: 10_000 }).toBe('3');
    expect(await customerShown(bob.page)).toBe('Initech');
    await alice.context.close();
    await bob.context.close();
  });

  it('two users change every widget at once; both pages, the room and the saved row agree', { timeout: 90_000 }, async () => {
    const path = '/admin/shop/order/2/change/';
    const [alice, bob] = await Promise.all([openAdminAs(stack, 'alice', path), openAdminAs(stack, 'bob', path)]);
    await Promise.all([ready(alice.page), ready(bob.page)]);
    const a = alice.page;
    const b = bob.page;
    // Concurrently, each on other fields: alice drives select2, "Today", SelectFilter2, the checkbox
    // and a text input; bob the lookup popup, the checkbox group, the select, email and textarea.
    await Promise.all([
      (async () => {
        await pickCustomer(a, 'glob', 'Globex');
        await clickToday(a);
        await moveTags(a, ['gift', 'bulk'], 'chosen');
        await a.click('#id_urgent');
        await typeAtEnd(a, '#id_reference', '-A');
      })(),
      (async () => {
        await lookupWarehouse(b, 'Gdansk');
        await b.click('#id_channels_1'); // phone on
        await b.click('#id_channels_0'); // web off
        await b.selectOption('#id_status', 'paid');
        await retype(b, '#id_contact_email', 'bob@example.org');
        await typeAtEnd(b, '#id_notes', ' Bob called.');
      })(),
    ]);
    // Then the same fields again, by the other person: the popup calendar, the remove arrow, select2.
    await expect.poll(() => shown(b).then((v) => v.due), { timeout: 10_000 }).toBe(todayUtc());
    await pickDay(b, 20);
    await expect.poll(() => shown(b).then((v) => v.tags), { timeout: 10_000 }).toEqual(['1', '2', '3']);
    await moveTags(b, ['fragile'], 'available');
    await pickCustomer(b, 'ini', 'Initech');
    await Promise.all([synced(a), synced(b)]);

    const expected = {
      reference: 'ORD-0002-A',
      notes: 'Leave at the door. Bob called.',
      contact_email: 'bob@example.org',
      status: 'paid',
      urgent: true,
      due: `${todayUtc().slice(0, 8)}20`,
      customer: '3',
      warehouse: '3',
      tags: ['2', '3'],
      channels: ['2'],
    };
    await expect.poll(() => shown(a), { timeout: 10_000 }).toEqual(expected);
    await expect.poll(() => shown(b), { timeout: 10_000 }).toEqual(expected);
    expect(await a.locator('#id_tags_to option').allTextContents()).toEqual(await b.locator('#id_tags_to option').allTextContents());
    await expect.poll(async () => asOrder(await stack.document('shop.order:2')), { timeout: 10_000 }).toEqual(expected);
    await screenshot(a, 'django-admin-two-users');

    await save(a);
    await save(b);
    expect(stack.django.order(2)).toEqual(expected);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  // The adapters' contract on the real widgets, each method asked directly (order 7, alice alone).
  describe('Django admin widget adapters', () => {
    let p: Page;
    beforeAll(async () => {
      p = (await openAdminAs(stack, 'alice', '/admin/shop/order/7/change/')).page;
      await ready(p);
      await install(p, await bundle());
    });

    it('detects only the widgets it knows', async () => {
      const names = await p.evaluate(() => {
        const bind = (window as unknown as { bind: (id: string, n: string, k: string) => { adapter: string } | null }).bind;
        return [
          ['id_tags_from', 'tags', 'select'],
          ['id_tags_to', 'tags', 'select'],
          ['id_due', 'due', 'text'],
          ['id_warehouse', 'warehouse', 'text'],
          ['id_reference', 'reference', 'text'],
          ['id_status', 'status', 'select'],
          ['id_channels_0', 'channels', 'checkbox'],
        ].map(([id, n, k]) => bind(id!, n!, k!)?.adapter ?? 'native');
      });
      expect(names).toEqual(['django-select-filter', 'django-select-filter', 'django-calendar', 'django-raw-id', 'native', 'native', 'native']);
    });

    it('filter_horizontal: reads the chosen box, writes through SelectBox so the page shows it, and the arrows keep working', async () => {
      const r = await p.evaluate(() => {
        type B = { read(): string[]; readSaved(): string[]; write(v: string[]): void; describe(v: string[]): string; visible(): Element; owns(e: Element): boolean; setLocked(l: boolean): void };
        const w = window as unknown as { bind: (id: string, n: string, k: string) => B; ignored: (e: Element) => boolean };
        const early = w.bind('id_tags_from', 'tags', 'select'); // registered before SelectFilter2 renamed it
        const late = w.bind('id_tags_to', 'tags', 'select'); // registered after
        const texts = (id: string) => [...document.querySelectorAll<HTMLOptionElement>(`#${id} option`)].map((o) => o.text);
        const before = [early.read(), late.read(), early.readSaved()];
        early.write(['2', '4']);
        const after = { read: late.read(), to: texts('id_tags_to'), from: texts('id_tags_from'), describe: early.describe(['2', '4']) };
        const $ = (s: string) => document.querySelector(s)!;
        const owns = [early.visible() === $('.field-tags .selector'), early.owns($('#id_tags_add_link')), early.owns($('#id_tags_input')), early.owns($('#id_reference'))];
        const ignored = [w.ignored($('#id_tags_from')), w.ignored($('#id_tags_input')), w.ignored($('#id_tags_to'))];
        early.setLocked(true);
        const locked = ($('.field-tags .selector') as HTMLElement).inert;
        early.setLocked(false);
        return { before, after, owns, ignored, locked, unlocked: ($('.field-tags .selector') as HTMLElement).inert };
      });
      expect(r.before).toEqual([['1'], ['1'], ['1']]);
      expect(r.after).toEqual({ read: ['2', '4'], to: ['gift', 'express'], from: ['bulk', 'return', 'fragile'], describe: 'gift, express' });
      expect(r.owns).toEqual([true, true, true, false]);
      expect(r.ignored).toEqual([true, true, false]);
      expect([r.locked, r.unlocked]).toEqual([true, false]);
      // Django's own arrows, after our write: SelectBox's cache and the boxes still agree.
      await moveTags(p, ['fragile'], 'chosen');
      await moveTags(p, ['gift'], 'available');
      expect(await p.evaluate(() => (window as unknown as { bind: (i: string, n: string, k: string) => { read(): string[] } }).bind('id_tags_to', 'tags', 'select').read())).toEqual(['4', '1']);
    });

    it('filter_horizontal: a write keeps the user’s filter on the available box; a field bound before SelectFilter2 ran follows it', async () => {
      await p.fill('#id_tags_input', 'b'); // typing filters the available box (keyup)
      await p.press('#id_tags_input', 'u');
      const r = await p.evaluate(() => {
        type B = { read(): string[]; readSaved(): string[]; write(v: string[]): void };
        const w = window as unknown as { bind: (id: string, n: string, k: string) => B; SelectFilter: { init(id: string, n: string, s: number): void } };
        const texts = (id: string) => [...document.querySelectorAll<HTMLOptionElement>(`#${id} option`)].map((o) => o.text);
        w.bind('id_tags_to', 'tags', 'select').write([]);
        const filtered = texts('id_tags_from');
        // A second filter_horizontal select, bound while still plain, then enhanced by Django's own init.
        const holder = document.createElement('div');
        holder.innerHTML = '<select multiple class="selectfilter" id="id_extra" name="extra" data-field-name="extra" data-is-stacked="0"><option value="a" selected>A</option><option value="b">B</option></select>';
        document.querySelector('#order_form fieldset')!.append(holder);
        const b = w.bind('id_extra', 'extra', 'select');
        const plain = b.read();
        w.SelectFilter.init('id_extra', 'extra', 0);
        const enhanced = [b.read(), b.readSaved()];
        b.write(['b']);
        return { filtered, plain, enhanced, written: texts('id_extra_to'), submitted: document.querySelector<HTMLSelectElement>('#id_extra_to')!.name };
      });
      expect(r.filtered).toEqual(['bulk']); // only what matches "bu", though four tags are available
      expect(r).toMatchObject({ plain: ['a'], enhanced: [['a'], ['a']], written: ['B'], submitted: 'extra' });
    });

    it('calendar shortcuts and raw-id lookups belong to their field; the raw-id field names the object it was served with', async () => {
      await p.click('.field-due .datetimeshortcuts a[id^=calendarlink]');
      await p.locator('.calendarbox:visible').waitFor();
      const r = await p.evaluate(() => {
        type B = { owns(e: Element): boolean; setLocked(l: boolean): void; describe(v: string): string };
        const w = window as unknown as { bind: (id: string, n: string, k: string) => B };
        const $ = (s: string) => document.querySelector(s)!;
        const due = w.bind('id_due', 'due', 'text');
        const wh = w.bind('id_warehouse', 'warehouse', 'text');
        const out = {
          due: [due.owns($('#id_due')), due.owns($('.field-due .datetimeshortcuts a')), due.owns($('.calendarbox td a')), due.owns($('#id_reference'))],
          warehouse: [wh.owns($('#id_warehouse')), wh.owns($('#lookup_id_warehouse')), wh.owns($('.field-warehouse strong a')), wh.owns($('#id_due'))],
          describe: [wh.describe('1'), wh.describe('3')],
          locked: [] as boolean[],
        };
        due.setLocked(true);
        wh.setLocked(true);
        out.locked = [($('.field-due .datetimeshortcuts') as HTMLElement).inert, ($('#lookup_id_warehouse') as HTMLElement).inert, ($('#id_due') as HTMLInputElement).readOnly];
        due.setLocked(false);
        wh.setLocked(false);
        out.locked.push(($('.field-due .datetimeshortcuts') as HTMLElement).inert, ($('#lookup_id_warehouse') as HTMLElement).inert);
        return out;
      });
      expect(r.due).toEqual([true, true, true, false]);
      expect(r.warehouse).toEqual([true, true, true, false]);
      expect(r.describe).toEqual(['Lyon (1)', '3']);
      expect(r.locked).toEqual([true, true, true, false, false]);
    });
  });
});
