// `npm test`: prepares what the suite needs on this machine, then runs all of it.
//  1. PostgreSQL and Redis on loopback (started if installed but stopped),
//  2. Chromium and python3-django (the Django admin host, tests/hosts/django) from Debian's
//     packages for the browser tests (installed when root and missing; PyPI is never used),
//  3. the overlay bundle, 4. vitest. Extra arguments go to vitest (e.g. `npm test -- tests/unit`).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const attempt = (what, cmd) => {
  console.log(`[test] ${what}: ${cmd}`);
  try {
    execSync(cmd, { stdio: 'inherit' });
  } catch {
    console.warn(`[test] could not ${what}; suites that need it will be skipped`);
  }
};
const open = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });

if (!(await open(5432)) && has('pg_ctlcluster') && existsSync('/etc/postgresql')) {
  const version = readdirSync('/etc/postgresql')[0];
  attempt('start PostgreSQL', `pg_ctlcluster --skip-systemctl-redirect ${version} main start`);
}
if (!(await open(6379)) && has('redis-server')) {
  attempt('start Redis', `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`);
}
// Debian's Django runs under /usr/bin/python3 (a `python3` on PATH may be another interpreter).
const hasDjango = () => spawnSync('/usr/bin/python3', ['-c', 'import django'], { stdio: 'ignore' }).status === 0;
const debs = [!existsSync('/usr/bin/chromium') && 'chromium', !hasDjango() && 'python3-django'].filter(Boolean);
if (debs.length && process.getuid?.() === 0 && has('apt-get')) {
  attempt(`install ${debs.join(' and ')}`, `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${debs.join(' ')}`);
}
execSync('node scripts/build-overlay.mjs', { stdio: 'inherit' });

const r = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
