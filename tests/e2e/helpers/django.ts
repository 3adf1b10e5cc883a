// A real Django 3.2 admin (Debian's python3-django, tests/hosts/django) next to a real Tandem, on
// two loopback ports (two origins, as in production): Tandem without dev mode, a tenant and an API
// key made with the `tandem` CLI, Django asking Tandem for user tokens with that key.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../../helpers/process.js';
import { type UserPage, waitForConnection } from './browser.js';
import { type HostStack, startHostStack } from './host-stack.js';

/** Debian's interpreter: the `python3` on PATH may be another one without Django. */
export const PYTHON = '/usr/bin/python3';
export const HOST_DIR = resolve('tests/hosts/django');
export const PASSWORD = 'tandem-test';

export const hasDjango = spawnSync(PYTHON, ['-c', 'import django; assert django.VERSION >= (3, 2)'], { stdio: 'ignore' }).status === 0;
if (!hasDjango) console.warn(`\n!!! NOT AVAILABLE: Django (${PYTHON} -c "import django"; apt-get install python3-django). Django admin suites are SKIPPED.\n`);

const pyEnv = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in the source tree
  PYTHONUNBUFFERED: '1',
  ...extra,
});

export interface DjangoHost {
  url: string;
  /** The SQLite file of this run (in a temp dir, removed by stop()). */
  dbFile: string;
  output: () => string;
  /** Logs `user` in through Django's login form; returns the session cookie's value. */
  login(user: string): Promise<string>;
  /** The order's row as Django's database holds it (see shop/management/commands/order_json.py). */
  order(pk: number): Record<string, unknown>;
  stop(): Promise<void>;
}

/** A fresh database (migrate + seed), then `runserver` on a free port; resolves once it answers. */
export async function startDjango(env: { TANDEM_URL: string; TANDEM_API_KEY: string }): Promise<DjangoHost> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-django-'));
  const dbFile = join(dir, 'db.sqlite3');
  const e = pyEnv({ ...env, DJANGO_DB: dbFile });
  const manage = (...args: string[]) => execFileSync(PYTHON, ['manage.py', ...args], { cwd: HOST_DIR, env: e, encoding: 'utf8' });
  manage('migrate', '-v0');
  manage('seed');
  const port = await freePort();
  const child: ChildProcess = spawn(PYTHON, ['manage.py', 'runserver', `127.0.0.1:${port}`, '--noreload'], { cwd: HOST_DIR, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`django exited early (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${url}/admin/login/`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`django did not answer:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dbFile,
    output: () => out,
    async login(user) {
      const page = await fetch(`${url}/accounts/login/`);
      const csrf = /csrftoken=([^;]+)/.exec(page.headers.getSetCookie().join('; '))?.[1];
      const field = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await page.text())?.[1];
      if (!csrf || !field) throw new Error('no CSRF token on the login page');
      const r = await fetch(`${url}/accounts/login/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `csrftoken=${csrf}` },
        body: new URLSearchParams({ username: user, password: PASSWORD, csrfmiddlewaretoken: field, next: '/admin/' }),
      });
      const session = /sessionid=([^;]+)/.exec(r.headers.getSetCookie().join('; '))?.[1];
      if (r.status !== 302 || !session) throw new Error(`login as ${user} failed (${r.status})`);
      return session;
    },
    order: (pk) => JSON.parse(manage('order_json', String(pk))) as Record<string, unknown>,
    stop,
  };
}

export interface DjangoStack extends HostStack<DjangoHost> {
  django: DjangoHost;
}

/** Tandem (own Postgres database, tenant `shop` and a `django` API key from the CLI), Django, Chromium. */
export async function startDjangoStack(): Promise<DjangoStack> {
  const s = await startHostStack({ id: 'shop', name: 'Shop (Django)', keyName: 'django' }, (tandemUrl, key) =>
    startDjango({ TANDEM_URL: tandemUrl, TANDEM_API_KEY: key }),
  );
  return { ...s, django: s.host };
}

/**
 * A browser context (a separate person) logged in to Django as `user`, on `path`, joined to the
 * room. `before` runs on the page before it loads (routes, init scripts).
 */
export async function openAdminAs(stack: DjangoStack, user: string, path: string, before?: (page: Page) => Promise<void>): Promise<UserPage> {
  const session = await stack.django.login(user);
  const context = await stack.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.addCookies([{ name: 'sessionid', value: session, url: stack.django.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await before?.(page);
  await page.goto(new URL(path, stack.django.url).toString());
  await waitForConnection(page, 'connected');
  await page.waitForFunction(() => Boolean(window.tandem?.ctx.room), undefined, { timeout: 10_000 });
  return { context, page, errors };
}
