// `npm test`: prepares what the suite needs on this machine, then runs all of it.
//  1. PostgreSQL and Redis on loopback (started if installed but stopped),
//  2. Chromium, python3-django (the Django admin host, tests/hosts/django) and the Python packages
//     the integration package's pytest suite needs, from Debian's packages (installed when root
//     and missing; PyPI is never used),
//  3. the overlay bundle, 4. vitest, which also runs the pytest suite (tests/integration/python.test.ts)
//     and counts its cases. Extra arguments go to vitest (e.g. `npm test -- tests/unit`).
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
// Debian's Python packages run under /usr/bin/python3 (a `python3` on PATH may be another
// interpreter): Django for the admin host, the rest for the Python integration package's pytest
// suite (integrations/python), each installed only when its module is missing.
const pyModules = {
  django: 'python3-django',
  pytest: 'python3-pytest',
  jwt: 'python3-jwt',
  requests: 'python3-requests',
  flask: 'python3-flask',
  flask_sqlalchemy: 'python3-flask-sqlalchemy',
  flask_login: 'python3-flask-login',
  flask_wtf: 'python3-flaskext.wtf',
  socketio: 'python3-socketio',
  websocket: 'python3-websocket',
};
const hasModule = (m) => spawnSync('/usr/bin/python3', ['-c', `import ${m}`], { stdio: 'ignore' }).status === 0;
const debs = [!existsSync('/usr/bin/chromium') && 'chromium', ...Object.entries(pyModules).map(([m, deb]) => !hasModule(m) && deb)].filter(Boolean);
if (debs.length && process.getuid?.() === 0 && has('apt-get')) {
  attempt(`install ${debs.join(', ')}`, `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${debs.join(' ')}`);
}
execSync('node scripts/build-overlay.mjs', { stdio: 'inherit' });

const r = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
