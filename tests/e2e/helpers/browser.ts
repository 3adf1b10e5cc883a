// Browser helpers for e2e suites: Debian's Chromium driven by playwright-core (never downloaded).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { freePort, spawnTandem, type TandemProcess } from '../../helpers/process.js';
import { chromiumPath, createTestDatabase } from '../../helpers/services.js';

export const ARTIFACTS = 'test-artifacts';

/** Bundles src/overlay into public/tandem.js (what `npm start` does), so suites test the current code. */
export function buildOverlay(): void {
  execFileSync(process.execPath, ['scripts/build-overlay.mjs'], { stdio: 'ignore' });
}

/** `extraArgs`: e.g. FAKE_MEDIA for suites that use the camera, microphone or screen. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium is not available');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

/** Chromium's fake camera, microphone and screen, granted without a prompt. */
export const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] as const;

export interface Demo {
  browser: Browser;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  /** The running dev-mode Tandem (replaced by `restart()`). */
  server: TandemProcess;
  port: number;
  /** Base URL; stays the same across restarts (same port). */
  url: string;
  /** SIGKILLs the server and waits for it to exit. */
  crash(): Promise<void>;
  /** Starts a new server on the same port with the same environment. */
  restart(): Promise<TandemProcess>;
  /** Closes the browser, stops the server (SIGTERM) and drops the database. */
  close(): Promise<void>;
}

/**
 * What every e2e suite starts with: the overlay bundle built, its own database, a dev-mode Tandem
 * child process on a free port (`env` added to DEV_MODE and DATABASE_URL) and headless Chromium.
 */
export async function startDemo(env: Record<string, string> = {}, opts: { browserArgs?: readonly string[] } = {}): Promise<Demo> {
  buildOverlay();
  const db = await createTestDatabase();
  let browser: Browser | undefined;
  let server: TandemProcess | undefined;
  const stop = async () => {
    await browser?.close();
    if (server?.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await db.drop();
  };
  try {
    const port = await freePort();
    const spawn = () => spawnTandem({ DEV_MODE: 'true', DATABASE_URL: db.url, ...env }, port);
    server = await spawn();
    browser = await launchBrowser(opts.browserArgs);
    const demo: Demo = {
      browser,
      db,
      server,
      port,
      url: server.url,
      crash: async () => {
        demo.server.child.kill('SIGKILL');
        await demo.server.exited;
      },
      restart: async () => {
        server = demo.server = await spawn();
        return server;
      },
      close: stop,
    };
    return demo;
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface UserPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
}

/**
 * A new browser context (its own storage: a separate "person") with a demo page opened as `user`
 * (demo pages read `?as=`). Waits until the overlay is connected and joined.
 */
export async function openAs(
  browser: Browser,
  baseUrl: string,
  path: string,
  user: string,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<UserPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const url = new URL(path, baseUrl);
  url.searchParams.set('as', user);
  await page.goto(url.toString());
  await waitForConnection(page, 'connected');
  await page.waitForFunction(() => Boolean(window.tandem?.ctx.room), undefined, { timeout: 10_000 });
  return { context, page, errors };
}

/** The overlay's connection indicator state: connecting, connected, reconnecting or offline. */
export const connectionState = (page: Page) => page.locator('#tandem-overlay').getAttribute('data-connection');

export async function waitForConnection(page: Page, ...states: string[]): Promise<void> {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.getElementById('tandem-overlay')?.dataset.connection ?? ''),
    states,
    { timeout: 20_000, polling: 50 },
  );
}

/** Elements inside the overlay's shadow root (playwright's CSS locators pierce open shadow roots). */
export const overlay = (page: Page, selector: string) => page.locator(`#tandem-overlay ${selector}`);

/** Before the page loads: counts the overlay's mounts (each one sets window.tandem with a new context); read with `mounts`. */
export const countMounts = (page: Page) =>
  page.addInitScript(() => {
    const seen: unknown[] = [];
    let value: unknown;
    Object.defineProperty(window, 'tandem', {
      configurable: true,
      get: () => value,
      set: (v: { ctx: unknown } | undefined) => {
        value = v;
        if (v && !seen.includes(v.ctx)) seen.push(v.ctx);
      },
    });
    Object.defineProperty(window, 'tandemMounts', { get: () => seen.length });
  });
export const mounts = (page: Page) => page.evaluate(() => (window as unknown as { tandemMounts: number }).tandemMounts);

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = `${ARTIFACTS}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface Box { x: number; y: number; width: number; height: number }
export const intersects = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
