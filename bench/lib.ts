// Shared plumbing for bench scenarios: the server as its own process pinned to core 0 (taskset),
// the generator pinned to core 1, readiness, a bench database, dev tokens, /proc readings and
// percentiles. What each scenario measures and reports stays in the scenario.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
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
 * `script`: another server to run the same way (the peers in bench/peers, which answer /readyz too).
 * `stdout`: gets the server's stdout (its JSON log lines) instead of this process's stdout.
 */
export async function startServer(env: Record<string, string>, opts: { nodeArgs?: string[]; quiet?: boolean; script?: string; stdout?: (chunk: string) => void } = {}): Promise<BenchServer> {
  const port = await freePort();
  const cmd = [...(hasTaskset ? ['taskset', '-c', '0'] : []), process.execPath, ...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script ?? 'src/server.ts'];
  const child = spawn(cmd[0]!, cmd.slice(1), {
    // The load generator is one address opening thousands of connections: address limits off.
    env: { ...process.env, NODE_ENV: 'test', DEV_MODE: 'true', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', HANDSHAKES_PER_MINUTE: '10000000', AUTH_FAILURES_PER_MINUTE: '10000000', RATE_LIMIT_PER_MINUTE: '10000000', ...env },
    stdio: opts.quiet ? ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'] : ['ignore', opts.stdout ? 'pipe' : 'inherit', 'inherit'],
  });
  if (opts.stdout) child.stdout?.setEncoding('utf8').on('data', opts.stdout);
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  // Resolves at once for a child that already exited (its 'exit' would never come again), and
  // kills one that has not shut down gracefully after 15 s, so a bench's teardown cannot hang.
  const stop = () =>
    new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => (clearTimeout(hard), r()));
      child.kill('SIGTERM');
    });
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

/** The value of an unlabelled sample `name` in a Prometheus text exposition; NaN when absent. */
export function readMetric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** `readMetric` on a server's /metrics. */
export async function metric(base: string, name: string): Promise<number> {
  return readMetric(await (await fetch(`${base}/metrics`)).text(), name);
}

/** Pids of the Postgres backends serving database `name` (the servers' pools), read through `admin`. */
export async function pgBackends(admin: pg.Client, name: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  return rows.map((r) => r.pid);
}

/** CPU ticks by backend pid; a backend that ended is missing. */
export const ticksOf = (pids: number[]) => {
  const out = new Map<number, number>();
  for (const p of pids) {
    try {
      out.set(p, cpuTicks(p));
    } catch {
      /* ended */
    }
  }
  return out;
};

/** Ticks the backends spent between two readings: new backends from 0, ended ones lose only their last stretch. */
export const ticksBetween = (a: Map<number, number>, b: Map<number, number>) => {
  let sum = 0;
  for (const [p, t] of b) sum += t - (a.get(p) ?? 0);
  return sum;
};

/** Kernel buffer readings over loopback TCP connections to a server (see tcpBuffers). */
export interface TcpBuffers {
  connections: number;
  /** Largest Send-Q on the server's side: bytes written and not yet acked by the peer. */
  serverSendQ: number;
  /** Smallest send buffer on the server's side (a write waits only once its queue fills this). */
  serverSendBuf: number;
  /** Largest Recv-Q on the generator's side: bytes arrived and not read yet. */
  clientRecvQ: number;
  /** Largest share of a generator socket's receive buffer in use (skb overhead included): the
   * window it offers the server shrinks as this grows and closes at 1. */
  clientRecvFill: number;
}

/**
 * Kernel buffers of the established loopback TCP connections to `port`, from `ss -tnm`: whether a
 * reader that leaves data in its receive buffer could be holding up the server's writes. Null when
 * `ss` is missing or fails.
 */
export function tcpBuffers(port: number): Promise<TcpBuffers | null> {
  return new Promise((resolve) => {
    execFile('ss', ['-Htnm', 'state', 'established', `( sport = :${port} or dport = :${port} )`], { maxBuffer: 64 << 20 }, (err, out) => {
      if (err) return resolve(null);
      const b: TcpBuffers = { connections: 0, serverSendQ: 0, serverSendBuf: Infinity, clientRecvQ: 0, clientRecvFill: 0 };
      // Each socket is two lines: `Recv-Q Send-Q local:port peer:port`, then `skmem:(r…,rb…,t…,tb…,…)`.
      let side: 'server' | 'client' | null = null;
      let recvQ = 0;
      let sendQ = 0;
      for (const line of out.split('\n')) {
        const mem = /skmem:\(r(\d+),rb(\d+),t(\d+),tb(\d+)/.exec(line);
        if (mem && side) {
          if (side === 'server') {
            b.connections++;
            b.serverSendQ = Math.max(b.serverSendQ, sendQ);
            b.serverSendBuf = Math.min(b.serverSendBuf, Number(mem[4]));
          } else {
            b.clientRecvQ = Math.max(b.clientRecvQ, recvQ);
            b.clientRecvFill = Math.max(b.clientRecvFill, Number(mem[1]) / Number(mem[2]));
          }
          side = null;
          continue;
        }
        const [r, s, local] = line.trim().split(/\s+/);
        if (!local || mem) continue;
        side = local.endsWith(`:${port}`) ? 'server' : 'client';
        recvQ = Number(r);
        sendQ = Number(s);
      }
      resolve(b);
    });
  });
}

/**
 * Samples `tcpBuffers(port)` every `everyMs` between `start()` and `stop()` (calls may repeat,
 * e.g. once per run) and keeps the worst readings in `worst`; `report()` gives the figures and the
 * target row that show batched readers never held up the server's writes.
 */
export function trackTcpBuffers(port: number, everyMs = 1000) {
  const worst: TcpBuffers & { samples: number } = { samples: 0, connections: 0, serverSendQ: 0, serverSendBuf: Infinity, clientRecvQ: 0, clientRecvFill: 0 };
  let timer: NodeJS.Timeout | null = null;
  const sample = async () => {
    const b = await tcpBuffers(port);
    if (!b || timer === null) return;
    worst.samples++;
    worst.connections = Math.max(worst.connections, b.connections);
    worst.serverSendQ = Math.max(worst.serverSendQ, b.serverSendQ);
    worst.serverSendBuf = Math.min(worst.serverSendBuf, b.serverSendBuf);
    worst.clientRecvQ = Math.max(worst.clientRecvQ, b.clientRecvQ);
    worst.clientRecvFill = Math.max(worst.clientRecvFill, b.clientRecvFill);
  };
  return {
    worst,
    start() {
      timer ??= setInterval(() => void sample(), everyMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    report(): { figures: Record<string, string>; target: { name: string; target: string; measured: string; met: boolean } } {
      const none = 'not sampled (no ss)';
      return {
        figures: {
          'generator receive buffer max use': worst.samples ? `${(worst.clientRecvQ / 1024).toFixed(1)} KB queued, ${Math.round(worst.clientRecvFill * 100)} % of the buffer` : none,
          'server send queue max': worst.samples ? `${(worst.serverSendQ / 1024).toFixed(1)} KB (send buffers ≥ ${(worst.serverSendBuf / 1024).toFixed(0)} KB)` : none,
        },
        // A server write can only wait on a reader whose receive window closes; under half of the
        // buffer in use (skb overhead included) still offers at least a quarter of it as window.
        target: {
          name: "batched readers never close the server's TCP window",
          target: 'receive buffer use < 50 %',
          measured: worst.samples ? `max ${Math.round(worst.clientRecvFill * 100)} % (${worst.samples} samples)` : none,
          met: worst.samples > 0 && worst.clientRecvFill < 0.5,
        },
      };
    },
  };
}

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
