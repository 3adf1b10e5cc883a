import type { Reporter, RunnerTestFile, RunnerTask } from 'vitest/node';

/** Ends the run with the plain line CI reads, alone and last: `N passed, N failed` (skips on the line before). */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const walk = (t: RunnerTask) => {
      if (t.type === 'suite') {
        // A suite that failed in a hook leaves its tests without results: count the suite.
        if (t.result?.state === 'fail' && t.tasks.every((c) => !c.result)) failed++;
        t.tasks.forEach(walk);
        return;
      }
      const s = t.result?.state;
      if (s === 'pass') passed++;
      else if (s === 'fail') failed++;
      else skipped++;
    };
    files.forEach((f) => {
      if (f.result?.state === 'fail' && f.tasks.length === 0) failed++;
      f.tasks.forEach(walk);
    });
    failed += errors.length;
    process.stdout.write(`\n${skipped} skipped\n${passed} passed, ${failed} failed\n`);
  }
}
