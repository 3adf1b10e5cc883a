/**
 * The embedded database is single-writer: PGlite under DATA_DIR belongs to one process. A second
 * process (a server, or the CLI next to a running server) would write to its own copy and lose
 * it silently, so whoever opens DATA_DIR first holds DATA_DIR/tandem.lock and the others refuse.
 * A lock left by a process that died (SIGKILL, a crash) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

interface Holder {
  pid: number;
  host: string;
  since: string;
  by: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: Holder,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by ${holder.by === 'cli' ? 'a tandem CLI command' : 'a running Tandem server'} (pid ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
        `The embedded database takes one process at a time: stop it and run this again, ` +
        `or use PostgreSQL (DATABASE_URL) to run the CLI next to a server. ` +
        `If no such process exists, delete ${join(dataDir, 'tandem.lock')}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes DATA_DIR's lock for this process (`by`: who, for the message others get); returns its release. */
export function lockDataDir(dataDir: string, by: 'server' | 'cli'): () => void {
  const path = join(dataDir, 'tandem.lock');
  const mine: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), by };
  const text = JSON.stringify(mine);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, text, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    } catch {
      /* unreadable or half written: treated as stale */
    }
    // Our own pid from an earlier life (a container restarted as pid 1) or a dead process: stale.
    const stale = !holder || (holder.host === mine.host && (holder.pid === process.pid || !alive(holder.pid)));
    if (!stale) throw new DataDirLockedError(dataDir, holder!);
    unlinkSync(path);
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
}
