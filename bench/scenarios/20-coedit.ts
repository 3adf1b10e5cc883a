// Co-editing benchmark: editors across documents type into one 2 KB textarea per document at a
// steady rate (open loop, intended keystroke times stamped), inserting at random positions,
// through real Socket.IO into real Postgres. Reports keystrokes acked durably per second, ack
// latency (keystroke → ack), delivery latency (keystroke → seen by another editor of the
// document), ops per database transaction, and CPU per acked op of the server and of the bench
// database's Postgres backends. Server on core 0, this generator on core 1 (taskset); 3 runs per
// load, medians reported.
//
// ShareDB 7 on its in-memory database runs as the peer in the same run (bench/peers): same
// workload (bench/coedit-load.ts), same pinning, each Tandem run followed by ShareDB's, so the CPU
// and memory ratios in the report come from one sitting. BENCH_COEDIT_SHAREDB=0 leaves it out.
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
import { readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { CoeditLoad, type LoadRun } from '../coedit-load.js';
import { type BenchServer, createBenchDatabase, median, metric, mintToken, pgBackends, pinGenerator, rssKb, startServer, ticksBetween, ticksOf } from '../lib.js';
import { sharedbEditors } from '../peers/sharedb-client.js';
import type { BenchReport } from '../run.js';
import { tandemEditors } from '../tandem-editors.js';

const RUN_SECONDS = Number(process.env.BENCH_COEDIT_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_COEDIT_RUNS ?? 3);
/** Scales every load's documents (same editors per document); for quick checks, targets then do not apply. */
const SCALE = Number(process.env.BENCH_COEDIT_SCALE ?? 1);
/** Comma-separated load names to run (default all). */
const ONLY = process.env.BENCH_COEDIT_LOADS?.split(',');
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
/** `BENCH_COEDIT_SHAREDB=0` leaves out the ShareDB peer (and the targets measured against it). */
const WITH_SHAREDB = process.env.BENCH_COEDIT_SHAREDB !== '0';

/** Committed transactions of database `name` so far (every statement outside a transaction is one). */
async function xacts(admin: pg.Client, name: string): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(`SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1`, [name]);
  return Number(rows[0]?.n ?? NaN);
}

type Extra = { perTx: number; txMs: number; xactPerOp: number; pgMsPerOp: number };
type Run = LoadRun & Partial<Extra>;

export default async function coeditBench(): Promise<BenchReport> {
  const notes: string[] = [];
  if (!pinGenerator()) notes.push('taskset not found: server and generator share cores');
  if (SCALE !== 1) notes.push(`BENCH_COEDIT_SCALE=${SCALE}: loads scaled down, targets do not apply`);
  const dbName = `tandem_bench_coedit_${process.pid}`;
  const db = await createBenchDatabase(dbName);
  const admin = new pg.Client({ connectionString: db.url });
  let server: BenchServer | undefined;
  let sharedb: BenchServer | undefined;
  const figures: BenchReport['figures'] = {};
  const targets: BenchReport['targets'] = [];
  const open: CoeditLoad[] = [];
  try {
    const dbEnv: Record<string, string> = EMBEDDED ? { DATABASE_URL: '', DATA_DIR: `/tmp/tandem-bench-pglite-${process.pid}` } : { DATABASE_URL: db.url };
    if (EMBEDDED) notes.push('embedded PGlite (BENCH_COEDIT_DB=pglite): the database runs inside the server process, its CPU is in the server figure');
    server = await startServer({ RATE_LIMIT_PER_MINUTE: '1000000', REDIS_URL: '', ...dbEnv }, { nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean) });
    if (WITH_SHAREDB) sharedb = await startServer({}, { script: 'bench/peers/sharedb-server.mjs' });
    await admin.connect();
    const base = server.url;
    const pid = server.pid;
    const maxClients = Math.max(...LOADS.map((l) => l.rooms * l.perRoom));
    const tokens: string[] = [];
    for (let i = 0; i < maxClients; i += 100) {
      tokens.push(...(await Promise.all(Array.from({ length: Math.min(100, maxClients - i) }, (_, j) => mintToken(base, { sub: `u${i + j}`, name: `User ${i + j}`, perms: { '*': ['read', 'write'] } })))));
    }
    /** Tandem's own counters around a run: group commits, commit time, Postgres transactions and backend CPU. */
    const tandemProbe = async () => {
      const tx0 = await metric(base, 'tandem_oplog_transactions_total');
      const cs0 = await metric(base, 'tandem_oplog_commit_seconds_total');
      const pg0 = ticksOf(await pgBackends(admin, dbName));
      const xact0 = await xacts(admin, dbName);
      return async (ops: number): Promise<Extra> => {
        const txs = (await metric(base, 'tandem_oplog_transactions_total')) - tx0;
        const commitS = (await metric(base, 'tandem_oplog_commit_seconds_total')) - cs0;
        const pgTicks = ticksBetween(pg0, ticksOf(await pgBackends(admin, dbName)));
        return {
          perTx: ops / Math.max(1, txs),
          txMs: (commitS * 1000) / Math.max(1, txs),
          xactPerOp: ((await xacts(admin, dbName)) - xact0) / Math.max(1, ops),
          pgMsPerOp: (pgTicks * 10) / Math.max(1, ops),
        };
      };
    };

    for (const load of LOADS) {
      for (const l of open.splice(0)) l.close();
      const tag = `${load.name.replace(/\W/g, '')}-${Date.now()}`;
      const tandem = await CoeditLoad.connect(load, pid, tandemEditors(base, tokens, tag), tag, notes);
      open.push(tandem);
      const peer = sharedb ? await CoeditLoad.connect(load, sharedb.pid, sharedbEditors(sharedb.url, tag), tag, notes) : null;
      if (peer) open.push(peer);
      const runs: Run[] = [];
      const peerRuns: LoadRun[] = [];
      // A/B back to back: each Tandem run is followed by ShareDB's on the same machine minute.
      for (let run = 0; run < RUNS; run++) {
        runs.push(await tandem.run(RUN_SECONDS, tandemProbe));
        if (peer) peerRuns.push(await peer.run(RUN_SECONDS));
      }
      const m = (k: keyof Extra | keyof LoadRun) => median(runs.map((r) => r[k] ?? NaN));
      const pm = (k: keyof LoadRun) => median(peerRuns.map((r) => r[k]));
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
      notes.push(`${load.name}: ack p99 per run ${runs.map((r) => r.ackP99.toFixed(0)).join(', ')} ms; CPU/op server+pg per run ${runs.map((r) => (r.srvMsPerOp + (r.pgMsPerOp ?? 0)).toFixed(2)).join(', ')} ms`);
      if (m('genCpu') > 0.9) notes.push(`${load.name}: generator above 90% CPU, run invalid`);
      if (peer) {
        figures[`${p} ShareDB in memory: keystrokes/s acked in ops/s, ack p50 / p99 ms`] = `${pm('keysAcked').toFixed(0)} in ${pm('ops').toFixed(0)}, ${pm('ackP50').toFixed(2)} / ${pm('ackP99').toFixed(2)}`;
        figures[`${p} ShareDB in memory: CPU per op ms, messages per op, RSS MB`] = `${pm('srvMsPerOp').toFixed(3)}, ${pm('framesPerOp').toFixed(2)}, ${(rssKb(sharedb!.pid) / 1024).toFixed(0)}`;
        notes.push(`${load.name} ShareDB: ack p99 per run ${peerRuns.map((r) => r.ackP99.toFixed(0)).join(', ')} ms; CPU/op per run ${peerRuns.map((r) => r.srvMsPerOp.toFixed(2)).join(', ')} ms`);
        if (pm('genCpu') > 0.9) notes.push(`${load.name} ShareDB: generator above 90% CPU, run invalid`);
      }
      const full = SCALE === 1;
      const ackP99 = m('ackP99');
      if (peer && full && load.name.startsWith('50x20')) {
        const both = m('srvMsPerOp') + m('pgMsPerOp');
        const theirs = pm('srvMsPerOp');
        targets.push({ name: `${load.name}: server + Postgres CPU per op vs ShareDB in memory, same run (${theirs.toFixed(3)} ms)`, target: `≤ 0.8× (${(0.8 * theirs).toFixed(3)} ms)`, measured: `${both.toFixed(3)} ms (${(both / theirs).toFixed(2)}×)`, met: both <= 0.8 * theirs });
        const rss = rssKb(pid) / rssKb(sharedb!.pid);
        targets.push({ name: `${load.name}: server RSS vs ShareDB's, same run`, target: '≤ 1.3×', measured: `${(rssKb(pid) / 1024).toFixed(0)} / ${(rssKb(sharedb!.pid) / 1024).toFixed(0)} MB (${rss.toFixed(2)}×)`, met: rss <= 1.3 });
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
    figures['machine load average (1 min) at the end'] = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
    return { scenario: 'coedit', figures, targets, notes };
  } finally {
    for (const l of open) l.close();
    await admin.end().catch(() => undefined);
    await server?.stop();
    await sharedb?.stop();
    await db.drop();
    if (EMBEDDED) rmSync(`/tmp/tandem-bench-pglite-${process.pid}`, { recursive: true, force: true });
  }
}
