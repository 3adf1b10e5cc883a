// Co-editing benchmark: editors across documents type into one 2 KB textarea per document at a
// steady rate (open loop, intended keystroke times stamped), inserting at random positions,
// through real Socket.IO into real Postgres. Reports keystrokes acked durably per second, ack
// latency (keystroke → ack), delivery latency (keystroke → seen by another editor of the
// document), ops per database transaction, and CPU per acked op of the server and of the bench
// database's Postgres backends. Server on core 0, this generator on core 1 (taskset); 3 runs per
// load, medians reported.
//
// Loads (issue 14): 50 documents × 20 editors at 500 and 1,000 keystrokes/s, the same workload the
// issue measured ShareDB on; one hot document with 50 editors at 1,500/s; and 100 × 4 at 5,000/s.
// An editor has one op in flight; keystrokes typed meanwhile ride its next op (as any OT client
// merges them), so targets count keystrokes acked.
//
// The generator must not be the bottleneck (a 1 × 50 document at 1,500/s delivers ~75,000 ops/s
// to its editors; an OT client per editor applying each to a growing text would saturate this
// core). Texts only grow, so an insert anywhere inside the first 2 KB is valid at every version:
// editors pick a random position there, send it with the latest version they have seen and leave
// the transform to the server, which does the work it does for real clients. Editors read only the
// versions out of the raw frames (no JSON.parse); two per document (five in the hot one) parse
// deliveries in full and give the delivery latencies.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type BenchServer, cpuTicks, createBenchDatabase, median, mintToken, pct, pinGenerator, rssKb, sleep, startServer } from '../lib.js';
import type { BenchReport } from '../run.js';
import { WireSocket } from '../wire-client.js';

const RUN_SECONDS = Number(process.env.BENCH_COEDIT_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_COEDIT_RUNS ?? 3);
/** Scales every load's documents (same editors per document); for quick checks, targets then do not apply. */
const SCALE = Number(process.env.BENCH_COEDIT_SCALE ?? 1);
/** Comma-separated load names to run (default all). */
const ONLY = process.env.BENCH_COEDIT_LOADS?.split(',');
const INITIAL_LEN = 2048;
/** `pglite`: the embedded default (no DATABASE_URL) instead of the loopback PostgreSQL; its CPU is the server's. */
const EMBEDDED = process.env.BENCH_COEDIT_DB === 'pglite';
const LOADS = [
  { name: '50x20@500', rooms: 50, perRoom: 20, rate: 0.5 },
  { name: '50x20@1000', rooms: 50, perRoom: 20, rate: 1 },
  { name: '1x50@1500', rooms: 1, perRoom: 50, rate: 30 },
  { name: '100x4@5000', rooms: 100, perRoom: 4, rate: 12.5 },
]
  .filter((l) => !ONLY || ONLY.includes(l.name))
  .map((l) => ({ ...l, rooms: Math.max(1, Math.round(l.rooms * SCALE)) }));
/** ShareDB 7 in memory on this harness, server CPU per op (issue 14): the CPU target is 0.8 × this. */
const SHAREDB_CPU_MS: Record<string, number> = { '50x20@500': 0.52, '50x20@1000': 0.44 };

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

interface Editor {
  socket: WireSocket;
  roomId: string;
  clientId: string;
  seq: number;
  /** Latest version seen (acks and deliveries). */
  version: number;
  keys: number[];
  sending: boolean;
}

/** CPU ticks of the Postgres backends serving database `name` (the server's pool). */
async function pgBackends(admin: pg.Client, name: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  return rows.map((r) => r.pid);
}
/** Committed transactions of database `name` so far (every statement outside a transaction is one). */
async function xacts(admin: pg.Client, name: string): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(`SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1`, [name]);
  return Number(rows[0]?.n ?? NaN);
}

/** CPU ticks by backend pid; a backend that ended is missing. */
const ticksOf = (pids: number[]) => {
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
const ticksBetween = (a: Map<number, number>, b: Map<number, number>) => {
  let sum = 0;
  for (const [p, t] of b) sum += t - (a.get(p) ?? 0);
  return sum;
};

export default async function coeditBench(): Promise<BenchReport> {
  const notes: string[] = [];
  if (!pinGenerator()) notes.push('taskset not found: server and generator share cores');
  if (SCALE !== 1) notes.push(`BENCH_COEDIT_SCALE=${SCALE}: loads scaled down, targets do not apply`);
  const dbName = `tandem_bench_coedit_${process.pid}`;
  const db = await createBenchDatabase(dbName);
  const admin = new pg.Client({ connectionString: db.url });
  let server: BenchServer | undefined;
  const figures: BenchReport['figures'] = {};
  const targets: BenchReport['targets'] = [];
  const editors: Editor[] = [];
  const initial = 'lorem ipsum '.repeat(Math.ceil(INITIAL_LEN / 12)).slice(0, INITIAL_LEN);
  try {
    const dbEnv: Record<string, string> = EMBEDDED ? { DATABASE_URL: '', DATA_DIR: `/tmp/tandem-bench-pglite-${process.pid}` } : { DATABASE_URL: db.url };
    if (EMBEDDED) notes.push('embedded PGlite (BENCH_COEDIT_DB=pglite): the database runs inside the server process, its CPU is in the server figure');
    server = await startServer({ RATE_LIMIT_PER_MINUTE: '1000000', REDIS_URL: '', ...dbEnv }, { nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean) });
    await admin.connect();
    const base = server.url;
    const pid = server.pid;
    const maxClients = Math.max(...LOADS.map((l) => l.rooms * l.perRoom));
    const tokens: string[] = [];
    for (let i = 0; i < maxClients; i += 100) {
      tokens.push(...(await Promise.all(Array.from({ length: Math.min(100, maxClients - i) }, (_, j) => mintToken(base, { sub: `u${i + j}`, name: `User ${i + j}`, perms: { '*': ['read', 'write'] } })))));
    }

    for (const load of LOADS) {
      for (const e of editors.splice(0)) e.socket.close();
      const clients = load.rooms * load.perRoom;
      const measuredPerRoom = load.perRoom >= 50 ? 5 : 2;
      const ackLat: number[] = [];
      const delLat: number[] = [];
      let keysAcked = 0;
      const tag = `${load.name.replace(/\W/g, '')}-${Date.now()}`;
      const firstKeyOf = new Map<string, number>();
      let frames = 0;
      for (let i = 0; i < clients; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, clients - i) }, async (_, j) => {
            const n = i + j;
            const s = await WireSocket.connect(base, { auth: { token: tokens[n], protocol: 1 } });
            const r = await s.emitWithAck<{ ok: boolean; roomId: string; document: { fields: { notes: { value: string; version: number } } } }>(
              'room:join',
              { context: { url: `/admin/bench/doc/${tag}-${n % load.rooms}/change/`, title: 'Bench', fields: [{ name: 'notes', kind: 'textarea', value: initial }] } },
              30_000,
            );
            if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r)}`);
            const e: Editor = { socket: s, roomId: r.roomId, clientId: `b${n}x${tag}`.slice(0, 60), seq: 0, version: r.document.fields.notes.version, keys: [], sending: false };
            editors[n] = e;
            s.onRaw('field:ops', (frame) => {
              frames++;
              // Ops are in version order: the last version in the frame is the newest.
              const at = frame.lastIndexOf('"version":');
              const v = Number(/^\d+/.exec(frame.slice(at + 10, at + 24))?.[0]);
              if (v > e.version) e.version = v;
            });
            if (Math.floor(n / load.rooms) < measuredPerRoom) {
              s.on('field:ops', (m: { ops: Array<{ clientId: string; seq: number }> }) => {
                const now = performance.now();
                for (const o of m.ops) {
                  if (o.clientId === e.clientId) continue;
                  const first = firstKeyOf.get(`${o.clientId}:${o.seq}`);
                  if (first !== undefined) delLat.push(now - first);
                }
              });
            }
          }),
        );
      }
      let lost = 0;
      const send = (e: Editor) => {
        if (e.sending || e.keys.length === 0) return;
        // A connection the server dropped (e.g. pings missed while its event loop was blocked): counted, not fatal.
        if (!e.socket.isConnected) return void (lost++ === 0 && notes.push(`${load.name}: a connection was lost (${e.socket.closeReason})`));
        const keys = e.keys;
        e.keys = [];
        const pos = Math.floor(Math.random() * INITIAL_LEN);
        const text = 'k'.repeat(keys.length);
        const seq = ++e.seq;
        firstKeyOf.set(`${e.clientId}:${seq}`, keys[0]!);
        e.sending = true;
        e.socket.emit('field:op', { roomId: e.roomId, field: 'notes', baseVersion: e.version, op: pos > 0 ? [pos, text] : [text], clientId: e.clientId, seq }, (err, r: { ok: boolean; version: number; error?: unknown }) => {
          e.sending = false;
          if (err) return void notes.push(`op not acked: ${err.message}`);
          if (!r.ok) return void notes.push(`op refused: ${JSON.stringify(r.error)}`);
          ackLat.push(performance.now() - keys[0]!);
          keysAcked += keys.length;
          if (r.version > e.version) e.version = r.version;
          send(e);
        });
      };
      type Run = { keys: number; keysAcked: number; ops: number; ackP50: number; ackP99: number; delP50: number; delP99: number; perTx: number; txMs: number; framesPerOp: number; xactPerOp: number; srvMsPerOp: number; pgMsPerOp: number; srvCpu: number; genCpu: number };
      const runs: Run[] = [];
      for (let run = 0; run < RUNS; run++) {
        ackLat.length = 0;
        delLat.length = 0;
        keysAcked = 0;
        firstKeyOf.clear();
        const ops0 = await metric(base, 'tandem_oplog_ops_total');
        const tx0 = await metric(base, 'tandem_oplog_transactions_total');
        const cs0 = await metric(base, 'tandem_oplog_commit_seconds_total');
        const pg0 = ticksOf(await pgBackends(admin, dbName));
        const xact0 = await xacts(admin, dbName);
        frames = 0;
        const srv0 = cpuTicks(pid);
        const keysEach = Math.max(1, Math.round(RUN_SECONDS * load.rate));
        const spanS = keysEach / load.rate;
        const t0 = performance.now() + 100;
        const schedule: Array<[number, number]> = [];
        for (let n = 0; n < clients; n++) {
          const offset = (n / clients) * (1000 / load.rate);
          for (let k = 0; k < keysEach; k++) schedule.push([t0 + offset + (k * 1000) / load.rate, n]);
        }
        schedule.sort((a, b) => a[0] - b[0]);
        const cpu0 = process.cpuUsage();
        const wall0 = performance.now();
        let next = 0;
        await new Promise<void>((resolve) => {
          const tick = () => {
            const now = performance.now();
            while (next < schedule.length && schedule[next]![0] <= now) {
              const [at, n] = schedule[next++]!;
              const e = editors[n]!;
              e.keys.push(at);
              send(e);
            }
            if (next >= schedule.length) resolve();
            else setTimeout(tick, 1);
          };
          tick();
        });
        const wall = (performance.now() - wall0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        await sleep(1000); // drain
        const ops = (await metric(base, 'tandem_oplog_ops_total')) - ops0;
        const txs = (await metric(base, 'tandem_oplog_transactions_total')) - tx0;
        const commitS = (await metric(base, 'tandem_oplog_commit_seconds_total')) - cs0;
        const srvTicks = cpuTicks(pid) - srv0;
        const pgTicks = ticksBetween(pg0, ticksOf(await pgBackends(admin, dbName)));
        const xactN = (await xacts(admin, dbName)) - xact0;
        runs.push({
          keys: schedule.length / spanS,
          keysAcked: keysAcked / spanS,
          ops: ops / spanS,
          ackP50: pct(ackLat, 50),
          ackP99: pct(ackLat, 99),
          delP50: pct(delLat, 50),
          delP99: pct(delLat, 99),
          perTx: ops / Math.max(1, txs),
          txMs: (commitS * 1000) / Math.max(1, txs),
          // field:ops messages the editors received per op committed (each op reaches perRoom - 1 others and its sender).
          framesPerOp: frames / Math.max(1, ops),
          xactPerOp: xactN / Math.max(1, ops),
          // Ticks are 10 ms: per op in ms is ticks × 10 / ops.
          srvMsPerOp: (srvTicks * 10) / Math.max(1, ops),
          pgMsPerOp: (pgTicks * 10) / Math.max(1, ops),
          srvCpu: srvTicks / 100 / (wall + 1),
          genCpu: (cpu.user + cpu.system) / 1e6 / wall,
        });
      }
      const m = (k: keyof Run) => median(runs.map((r) => r[k]));
      const p = `${load.name} (${load.rooms} docs × ${load.perRoom} editors, ${load.rate}/s each)`;
      figures[`${p} keystrokes/s offered / acked`] = `${m('keys').toFixed(0)} / ${m('keysAcked').toFixed(0)} in ${m('ops').toFixed(0)} ops/s`;
      figures[`${p} ack p50 / p99 ms`] = `${m('ackP50').toFixed(2)} / ${m('ackP99').toFixed(2)}`;
      figures[`${p} delivery p50 / p99 ms`] = `${m('delP50').toFixed(2)} / ${m('delP99').toFixed(2)}`;
      figures[`${p} ops per transaction, ms per transaction`] = `${m('perTx').toFixed(1)}, ${m('txMs').toFixed(2)}`;
      figures[`${p} field:ops messages received per op`] = `${m('framesPerOp').toFixed(2)} (${load.perRoom} editors per document)`;
      if (!EMBEDDED) figures[`${p} Postgres transactions per op (pg_stat_database, all statements)`] = m('xactPerOp').toFixed(3);
      figures[`${p} CPU per op ms: server / Postgres`] = `${m('srvMsPerOp').toFixed(3)} / ${m('pgMsPerOp').toFixed(3)}`;
      figures[`${p} server / generator CPU`] = `${(m('srvCpu') * 100).toFixed(0)}% / ${(m('genCpu') * 100).toFixed(0)}%`;
      figures[`${p} server RSS MB`] = (rssKb(pid) / 1024).toFixed(0);
      notes.push(`${load.name}: ack p99 per run ${runs.map((r) => r.ackP99.toFixed(0)).join(', ')} ms; CPU/op server+pg per run ${runs.map((r) => (r.srvMsPerOp + r.pgMsPerOp).toFixed(2)).join(', ')} ms`);
      if (m('genCpu') > 0.9) notes.push(`${load.name}: generator above 90% CPU, run invalid`);
      const full = SCALE === 1;
      const ackP99 = m('ackP99');
      const sharedb = SHAREDB_CPU_MS[load.name];
      if (sharedb && full) {
        const both = m('srvMsPerOp') + m('pgMsPerOp');
        targets.push({ name: `${load.name}: server + Postgres CPU per op vs ShareDB in memory (${sharedb} ms, issue 14)`, target: `≤ 0.8× (${(0.8 * sharedb).toFixed(3)} ms)`, measured: `${both.toFixed(3)} ms (${(both / sharedb).toFixed(2)}×)`, met: both <= 0.8 * sharedb });
      }
      if (load.name === '50x20@1000' && full) targets.push({ name: 'ack p99, 50 × 20 at 1,000/s', target: '≤ 25 ms', measured: `${ackP99.toFixed(2)} ms`, met: ackP99 <= 25 });
      if (load.name === '1x50@1500' && full) {
        targets.push({ name: 'hot document 1 × 50: keystrokes acked durably', target: '≥ 1,500/s', measured: `${m('keysAcked').toFixed(0)}/s`, met: m('keysAcked') >= 1500 - 1e-6 });
        targets.push({ name: 'hot document 1 × 50: ack p99', target: '≤ 25 ms', measured: `${ackP99.toFixed(2)} ms`, met: ackP99 <= 25 });
      }
      if (load.name === '100x4@5000' && full) {
        targets.push({ name: 'keystrokes acked durably at 5,000/s offered', target: '≥ 5,000/s', measured: `${m('keysAcked').toFixed(0)}/s`, met: m('keysAcked') >= 5000 - 1e-6 });
        targets.push({ name: 'ack p99 at 5,000 keystrokes/s', target: '< 50 ms', measured: `${ackP99.toFixed(2)} ms`, met: ackP99 < 50 });
      }
    }
    return { scenario: 'coedit', figures, targets, notes };
  } finally {
    for (const e of editors) e?.socket.close();
    await admin.end().catch(() => undefined);
    await server?.stop();
    await db.drop();
    if (EMBEDDED) rmSync(`/tmp/tandem-bench-pglite-${process.pid}`, { recursive: true, force: true });
  }
}
