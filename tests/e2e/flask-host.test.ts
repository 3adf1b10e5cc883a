// The Python package's Flask extension in a real browser: Flask 2.2 + Flask-SQLAlchemy (Debian's
// python3-flask*) serving a Flask-AppBuilder-shaped admin (tests/hosts/flask; FAB itself is not
// installable here) next to a real Tandem on another origin. The tag the mixin puts into FAB's
// tail_js block joins the room with the rights mapped from FAB permissions, and a commit made by
// someone else's Save reaches the open form.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantWithKey } from '../helpers/cli.js';
import { freePort, spawnTandem, type TandemProcess } from '../helpers/process.js';
import { createTestDatabase, hasChromium, hasPg } from '../helpers/services.js';
import { buildOverlay, launchBrowser, waitForConnection } from './helpers/browser.js';

const PYTHON = '/usr/bin/python3';
const HOST_DIR = resolve('tests/hosts/flask');
const hasFlask = spawnSync(PYTHON, ['-c', 'import flask, flask_sqlalchemy, flask_login, blinker'], { stdio: 'ignore' }).status === 0;
if (!hasFlask) console.warn(`\n!!! NOT AVAILABLE: Flask (${PYTHON}; python3-flask, python3-flask-sqlalchemy, python3-flask-login). The Flask host suite is SKIPPED.\n`);

describe.skipIf(!hasChromium || !hasPg || !hasFlask)('a Flask-AppBuilder-shaped Flask app with the tandem_integration.flask extension', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  let browser: Browser;
  let tandem: TandemProcess;
  let flaskUrl = '';

  beforeAll(async () => {
    buildOverlay();
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const key = await tenantWithKey(db.url, 'shop', 'Shop (Flask)', 'flask');
    const [tandemPort, flaskPort] = [await freePort(), await freePort()];
    flaskUrl = `http://127.0.0.1:${flaskPort}`;
    const dir = mkdtempSync(join(tmpdir(), 'tandem-flask-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const flask: ChildProcess = spawn(PYTHON, ['serve.py'], {
      cwd: HOST_DIR,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PYTHONDONTWRITEBYTECODE: '1', FLASK_DB: `sqlite:///${join(dir, 'db.sqlite3')}`, PORT: String(flaskPort), TANDEM_URL: `http://127.0.0.1:${tandemPort}`, TANDEM_API_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    flask.stdout!.on('data', (d) => (out += d));
    flask.stderr!.on('data', (d) => (out += d));
    cleanup.push(() => flask.kill('SIGTERM'));
    tandem = await spawnTandem({ DATABASE_URL: db.url, ALLOWED_ORIGINS: flaskUrl }, tandemPort);
    cleanup.push(() => (tandem.child.kill('SIGTERM'), tandem.exited));
    for (const deadline = Date.now() + 30_000; ; ) {
      if (flask.exitCode !== null) throw new Error(`flask exited early:\n${out}`);
      if (await fetch(`${flaskUrl}/favicon.ico`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`flask did not answer:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchBrowser();
    cleanup.push(() => browser.close());
  }, 90_000);
  afterAll(async () => {
    for (const c of cleanup.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  });

  /** A person logged in to the Flask app as `user`, on `path`, joined to the room. */
  async function openAs(user: string, path: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${flaskUrl}/test-login/${user}`);
    await page.goto(`${flaskUrl}${path}`);
    await waitForConnection(page, 'connected');
    await page.waitForFunction(() => Boolean(window.tandem?.ctx.room), undefined, { timeout: 20_000 });
    return { context, page, errors, room: await page.evaluate(() => window.tandem!.ctx.room!) };
  }

  it('an editor joins the edit page with write, a reader the show page read-only', async () => {
    const alice = await openAs('alice', '/ordermodelview/edit/1');
    expect(alice.room.pageKey).toBe('ordermodelview:1');
    expect(alice.room.permissions).toEqual(['read', 'write', 'comment']);
    const erin = await openAs('erin', '/ordermodelview/show/1');
    expect(erin.room.pageKey).toBe('ordermodelview:1');
    expect(erin.room.permissions).toEqual(['read']);
    expect([...alice.errors, ...erin.errors]).toEqual([]);
    await Promise.all([alice.context.close(), erin.context.close()]);
  });

  it("another user's Save reaches the open form through the SQLAlchemy commit", async () => {
    const alice = await openAs('alice', '/ordermodelview/edit/2');
    const login = await fetch(`${flaskUrl}/test-login/ada`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const saved = await fetch(`${flaskUrl}/ordermodelview/edit/2`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ reference: 'ORD-SAVED-BY-ADA', notes: 'checked', status: 'paid' }),
    });
    expect(saved.status).toBe(302);
    await alice.page.waitForFunction(() => (document.getElementById('reference') as HTMLInputElement).value === 'ORD-SAVED-BY-ADA', undefined, { timeout: 30_000 });
    expect(await alice.page.inputValue('#status')).toBe('paid');
    expect(alice.errors).toEqual([]);
    await alice.context.close();
  });
});
