// The Python integration package (integrations/python) is tested by its own pytest suite against a
// real Tandem it starts itself. This file runs that suite with Debian's interpreter and reports
// every pytest case as a test here, so `npm test`'s last line counts them and a failure fails the run.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPg, pgAdminUrl } from '../helpers/services.js';

const PYTHON = '/usr/bin/python3';
const CWD = 'integrations/python';
const SUITE = 'tests';
const MODULES = ['pytest', 'jwt', 'django', 'flask', 'flask_sqlalchemy', 'flask_login', 'flask_wtf', 'socketio'];
const missing = MODULES.filter((m) => spawnSync(PYTHON, ['-c', `import ${m}`], { stdio: 'ignore' }).status !== 0);
if (missing.length) console.warn(`\n!!! NOT AVAILABLE: Python modules ${missing.join(', ')} (${PYTHON}; see scripts/test.mjs). The Python integration suite is SKIPPED.\n`);

const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  NODE: process.execPath,
  PYTHONDONTWRITEBYTECODE: '1',
  TANDEM_PG_ADMIN_URL: pgAdminUrl ?? '',
};

/** pytest as a child process; asynchronous, so this worker keeps answering vitest meanwhile. */
const pytest = (args: string[], extraEnv: Record<string, string> = {}, timeout = 60_000) =>
  new Promise<{ stdout: string; stderr: string }>((resolve) => {
    execFile(PYTHON, ['-m', 'pytest', SUITE, ...args], { cwd: CWD, env: { ...env, ...extraEnv }, timeout, maxBuffer: 16 << 20 }, (_err, stdout, stderr) =>
      resolve({ stdout: String(stdout), stderr: String(stderr) }),
    );
  });

/** The cases pytest would run, collected up front so each becomes a test of its own. */
const collected = async (): Promise<string[]> => {
  const ids = (await pytest(['--collect-only', '-q'])).stdout.split('\n').filter((l) => l.startsWith(`${SUITE}/`));
  return ids.length ? ids : ['(pytest collection)'];
};

interface Outcome {
  id: string;
  when: string;
  outcome: 'passed' | 'failed' | 'skipped';
  message: string;
}

const runnable = hasPg && missing.length === 0;
const cases = runnable ? await collected() : [];

describe.skipIf(!runnable)('Python integration package (pytest, integrations/python)', () => {
  let dir = '';
  let run: { stdout: string; stderr: string };
  let outcomes: Outcome[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-pytest-'));
    const report = join(dir, 'report.jsonl');
    run = await pytest(['-q', '-p', 'no:cacheprovider'], { TANDEM_PYTEST_REPORT: report, TMPDIR: dir }, 170_000);
    try {
      outcomes = readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Outcome);
    } catch {
      outcomes = [];
    }
  }, 180_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  for (const id of cases) {
    it(id.slice(SUITE.length + 1), (ctx) => {
      const mine = outcomes.filter((o) => o.id === id);
      const failed = mine.find((o) => o.outcome === 'failed');
      if (failed) expect.fail(`${failed.when}: ${failed.message}`);
      if (mine.some((o) => o.outcome === 'skipped')) return ctx.skip();
      expect(mine.map((o) => o.outcome), `pytest did not report ${id}:\n${run.stdout}\n${run.stderr}`).toContain('passed');
    });
  }
});
