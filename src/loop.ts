import type { Logger } from './ports/log.js';

/**
 * Runs `work` when woken, one run at a time; wakes during a run cause exactly one more run.
 * `work` returns true when it may have left work behind (a full batch), to run again at once.
 */
export function createLoop(work: () => Promise<boolean>, log: Logger, name: string) {
  let running = false;
  let again = false;
  let stopped = false;
  let idle: Promise<void> = Promise.resolve();
  const run = async () => {
    running = true;
    try {
      do {
        again = false;
        try {
          if (await work()) again = true;
        } catch (err) {
          if (!stopped) log.error({ err, loop: name }, 'dispatcher run failed');
        }
      } while (again && !stopped);
    } finally {
      running = false;
    }
  };
  return {
    wake() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      idle = run();
    },
    async stop() {
      stopped = true;
      await idle;
    },
  };
}
