// Shared plumbing for bench scenarios: the server as its own process pinned to core 0 (taskset),
// the generator pinned to core 1, readiness, a bench database, dev tokens, /proc readings and
// percentiles. What each scenario measures and reports stays in the scenario.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';

export const DEV_KEY = 'tdm_dev_local_only_do_not_use_in_production';
export const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins this (generator) process to core 1; false when taskset is missing. */
export function pinGenerator(): boolean {
  if (!hasTaskset) return false;
  execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  return true;
}

export interface BenchServer {
  child: ChildProcess;
  /** The server's pid (taskset execs node: same pid). */
  pid: number;
  port: number;
  url: string;
  /** SIGTERM, resolved on exit. */
  stop: () => Promise<void>;
}

/**
 * `src/server.ts` as its own process on core 0 (when taskset exists), on a free loopback port,
 * dev mode, warn logs; `env` adds to or overrides that. Resolves once /readyz answers 200.
 * `quiet`: the server's stdout is dropped and stderr kept for the error message (else both inherited).
 */
export async function startServer(env: Record<string, string>, opts: { nodeArgs?: string[]; quiet?: boolean } = {}): Promise<BenchServer> {
  const port = await freePort();
  const cmd = [...(hasTaskset ? ['taskset', '-c', '0'] : []), process.execPath, ...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/server.ts'];
  const child = spawn(cmd[0]!, cmd.slice(1), {
    env: { ...process.env, NODE_ENV: 'test', DEV_MODE: 'true', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: opts.quiet ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM')));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (i > 300) {
      await stop();
      throw new Error('server did not start');
    }
    await sleep(100);
  }
  return { child, pid: child.pid!, port, url, stop };
}

/** A fresh database `name` on the loopback PostgreSQL (throws when there is none). */
export async function createBenchDatabase(name: string, opts: { connectTimeoutMs?: number } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: PG_ADMIN, ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A dev-mode user token (`claims`: sub, name, perms, roles, …). */
export async function mintToken(url: string, claims: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  });
  if (!r.ok) throw new Error(`token: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** Resident memory of a process, KB (/proc/<pid>/status VmRSS). */
export const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** CPU time of a process: utime + stime from /proc/<pid>/stat, in clock ticks. */
export const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};

/** The p-th percentile (nearest rank, floor) of xs, which need not be sorted; NaN when empty. */
export const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export const median = (xs: number[]) => pct(xs, 50);

/**
 * Forces a full GC in a server started with `--inspect=127.0.0.1:<port>` (Chrome DevTools
 * protocol over the inspector's WebSocket) and reads its memory right after. Comparing two such
 * readings counts what connections retain, not garbage V8 has not collected yet.
 */
export async function gcAndReadMemory(inspectPort: number, pid: number): Promise<{ rssKb: number; heapUsedKb: number; externalKb: number }> {
  const { default: WebSocket } = await import('ws');
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<{ result?: { result?: { value?: unknown } } }>((resolve) => {
      const my = ++id;
      const onMessage = (raw: Buffer) => {
        const msg = JSON.parse(raw.toString()) as { id?: number };
        if (msg.id === my) (ws.off('message', onMessage), resolve(msg as never));
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  try {
    // Twice: weak references and finalizers freed by the first pass are collected by the second.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const m = JSON.parse(String(r.result?.result?.value)) as { heapUsed: number; external: number };
    return { rssKb: rssKb(pid), heapUsedKb: m.heapUsed / 1024, externalKb: m.external / 1024 };
  } finally {
    ws.close();
  }
}
