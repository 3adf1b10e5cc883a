// The Python integration package (integrations/python) is tested by its own pytest suite against a
// real Tandem it starts itself. This file runs that suite with Debian's interpreter and reports
// every pytest case as a test here, so `npm test`'s last line counts them and a failure fails the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPg, pgAdminUrl } from '../helpers/services.js';

const PYTHON = '/usr/bin/python3';
const CWD = 'integrations/python';
const SUITE = 'tests';
const MODULES = ['pytest', 'jwt', 'django', 'flask', 'flask_sqlalchemy', 'flask_login', 'socketio'];
const missing = MODULES.filter((m) => spawnSync(PYTHON, ['-c', `import ${m}`], { stdio: 'ignore' }).status !== 0);
if (missing.length) console.warn(`\n!!! NOT AVAILABLE: Python modules ${missing.join(', ')} (${PYTHON}; see scripts/test.mjs). The Python integration suite is SKIPPED.\n`);

const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  NODE: process.execPath,
  PYTHONDONTWRITEBYTECODE: '1',
  TANDEM_PG_ADMIN_URL: pgAdminUrl ?? '',
};

/** The cases pytest would run, collected up front so each becomes a test of its own. */
const collected = (): string[] => {
  const r = spawnSync(PYTHON, ['-m', 'pytest', SUITE, '--collect-only', '-q'], { cwd: CWD, env, encoding: 'utf8', timeout: 60_000 });
  const ids = r.stdout.split('\n').filter((l) => l.startsWith(`${SUITE}/`));
  return ids.length ? ids : ['(pytest collection)'];
};

interface Outcome {
  id: string;
  when: string;
  outcome: 'passed' | 'failed' | 'skipped';
  message: string;
}

describe.skipIf(!hasPg || missing.length > 0)('Python integration package (pytest, integrations/python)', () => {
  const cases = !hasPg || missing.length ? [] : collected();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pytest-'));
  const report = join(dir, 'report.jsonl');
  let run: ReturnType<typeof spawnSync>;
  let outcomes: Outcome[] = [];

  beforeAll(() => {
    run = spawnSync(PYTHON, ['-m', 'pytest', SUITE, '-q', '-p', 'no:cacheprovider'], {
      cwd: CWD,
      env: { ...env, TANDEM_PYTEST_REPORT: report, TMPDIR: dir },
      encoding: 'utf8',
      timeout: 170_000,
    });
    try {
      outcomes = readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Outcome);
    } catch {
      outcomes = [];
    }
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const id of cases) {
    it(id.slice(SUITE.length + 1), (ctx) => {
      const mine = outcomes.filter((o) => o.id === id);
      const failed = mine.find((o) => o.outcome === 'failed');
      if (failed) expect.fail(`${failed.when}: ${failed.message}`);
      if (mine.some((o) => o.outcome === 'skipped')) return ctx.skip();
      expect(mine.map((o) => o.outcome), `pytest did not report ${id}:\n${String(run.stdout)}\n${String(run.stderr)}`).toContain('passed');
    });
  }
});
