// A real react-admin 5 app (tests/hosts/react-admin: react-admin, Material UI, MUI X pickers and
// ra-data-simple-rest from npm, bundled by esbuild and cached) served by its own small REST
// backend, next to a real Tandem (host-stack.ts).
import type { Page } from 'playwright-core';
// @ts-expect-error a plain ES module (the host's own server), typed here by what the tests use
import { startHost } from '../../hosts/react-admin/server.mjs';
import type { UserPage } from './browser.js';
import { type HostStack, startHostStack } from './host-stack.js';

export interface Post {
  id: number;
  title: string;
  body: string;
  status: string;
  featured: boolean;
  published_on: string | null;
  review_on: string | null;
  category: string | null;
  /** Drawn only with `?note=1` while featured is on. */
  feature_note?: string;
}
interface Host {
  url: string;
  posts: Map<number, Post>;
  /** Every PUT react-admin sent, in order: what it saved. */
  writes: Array<{ id: number; body: Post; user: string }>;
  stop(): Promise<void>;
}
export type ReactAdminStack = HostStack<Host>;

export const startReactAdminStack = () =>
  startHostStack({ id: 'blog', name: 'Blog (react-admin)', keyName: 'react-admin' }, (tandemUrl, apiKey) => startHost({ tandemUrl, apiKey }) as Promise<Host>);

/** A person (own browser context, `user` cookie) on `path` of the app, once the overlay co-edits its form. */
export async function openAppAs(stack: ReactAdminStack, user: string, path: string, viewport = { width: 1280, height: 1000 }, before?: (page: Page) => Promise<unknown>): Promise<UserPage> {
  const context = await stack.browser.newContext({ viewport });
  await context.addCookies([{ name: 'user', value: user, url: stack.host.url }]);
  const page = await context.newPage();
  await before?.(page);
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL(path, stack.host.url).toString());
  return { context, page, errors };
}

/** The overlay is joined to `pageKey` with `fields` fields bound (the form found, the document loaded). */
export const inRoom = (p: Page, pageKey: string, fields?: number) =>
  p.waitForFunction(
    ([key, n]) => {
      const t = window.tandem;
      const host = document.getElementById('tandem-overlay');
      return t?.ctx.room?.pageKey === key && (n === null || (t.ctx.fields.all().length === n && Boolean(host?.dataset.fieldsReady)));
    },
    [pageKey, fields ?? null] as const,
    { timeout: 20_000, polling: 50 },
  );

/** The user ids the overlay shows as present with us. */
export const others = (p: Page) =>
  p.evaluate(() => (window.tandem?.ctx.use<{ participants(): Array<{ userId: string }> }>('presence')?.participants() ?? []).map((x) => x.userId).sort());

/** Clicks react-admin's Save and returns the body of the PUT it sent. */
export async function save(stack: ReactAdminStack, p: Page): Promise<Post> {
  const before = stack.host.writes.length;
  await p.getByRole('button', { name: 'Save' }).click();
  const deadline = Date.now() + 20_000;
  while (stack.host.writes.length === before) {
    if (Date.now() > deadline) throw new Error('react-admin sent no PUT after Save');
    await new Promise((r) => setTimeout(r, 50));
  }
  return stack.host.writes[before]!.body;
}
