// Co-editing across instances (issue 14, "two and three instances"): N = 1, 2, then 3 Tandem
// instances behind one Redis (Socket.IO's adapter) and one PostgreSQL database, with each
// document's editors split round-robin over the instances (editor k of a document connects to
// instance k mod N), so every document is written through several instances at once. The workload
// is 20-coedit's open loop (bench/coedit-load.ts, bench/tandem-editors.ts); what changes with N is
// only where the editors connect.
//
// Reported per N: ack and delivery latency, ops/s acked, lost races per 1,000 ops over all runs (the op log's
// compare-and-set lost to another instance, summed over the instances' /metrics), and CPU per op of
// all instances together and of the database's Postgres backends; then N = 2 and 3 against N = 1.
//
// FIELD_OWNER_ROUTING is passed through from the bench's environment as given (unset: the
// server's default), and the report says which mode ran and whether the build has owner routing
// at all, so a "before" and an "after" can be told apart when read later.
//
// All instances share core 0 (the generator has core 1), so N instances share one core's worth
// of CPU: this shows what splitting rooms over instances costs, never that capacity grows.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { collapseNotes, instanceOfEditor, logTally, parseInstanceCounts, perThousand, routingMode } from '../cluster-plan.js';
import { CoeditLoad, type Load, type LoadRun } from '../coedit-load.js';
import { type BenchServer, createBenchDatabase, median, metric, mintToken, pgBackends, pinGenerator, sleep, startServer, ticksBetween, ticksOf } from '../lib.js';
import type { BenchReport } from '../run.js';
import { tandemEditors } from '../tandem-editors.js';

const env = process.env;
const ROOMS = Number(env.BENCH_CLUSTER_ROOMS ?? 10);
const EDITORS_PER_ROOM = Number(env.BENCH_CLUSTER_EDITORS ?? 6);
/** Keystrokes per second offered over all editors (each types rate / editors). */
const RATE = Number(env.BENCH_CLUSTER_RATE ?? 300);
const RUN_SECONDS = Number(env.BENCH_CLUSTER_SECONDS ?? 5);
const RUNS = Number(env.BENCH_CLUSTER_RUNS ?? 3);
/** Discarded run after connecting: first joins load documents and fill caches on every instance. */
const WARMUP_SECONDS = Number(env.BENCH_CLUSTER_WARMUP_SECONDS ?? 2);
const INSTANCE_COUNTS = parseInstanceCounts(env.BENCH_CLUSTER_INSTANCES ?? '1,2,3');
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUTING = env.FIELD_OWNER_ROUTING;

const LOAD: Load = { name: `${ROOMS}x${EDITORS_PER_ROOM}@${RATE}`, rooms: ROOMS, perRoom: EDITORS_PER_ROOM, rate: RATE / (ROOMS * EDITORS_PER_ROOM) };

type Extra = { lostRaces: number; opsAcked: number; pgMsPerOp: number };
type Run = LoadRun & Extra;
interface Measured {
  n: number;
  runs: Run[];
  m: (k: keyof Run) => number;
  /** Lost races per 1,000 ops over all runs together: races come in bursts (a run with hundreds
   * between runs with none), and a median of the runs would report 0 for 12, 0, 0. */
  racesPer1000: number;
}

/** The sum of an unlabelled counter over instances (NaN when one of them lacks it). */
const sumMetric = async (servers: BenchServer[], name: string) => (await Promise.all(servers.map((s) => metric(s.url, name)))).reduce((a, b) => a + b, 0);

/**
 * Starts `n` instances one after another: the first creates the schema and the dev tenant, and the
 * others then find them (instances starting together would race seeding the demo tenant).
 * `servers` is filled as they come up, so the caller can stop whichever started if one fails.
 */
async function startCluster(n: number, databaseUrl: string, servers: BenchServer[], stdout: (chunk: string) => void): Promise<void> {
  const routing: Record<string, string> = ROUTING === undefined ? {} : { FIELD_OWNER_ROUTING: ROUTING };
  const nodeArgs = (env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  for (let i = 0; i < n; i++) servers.push(await startServer({ DATABASE_URL: databaseUrl, REDIS_URL, ...routing }, { nodeArgs, stdout }));
}

/**
 * With owner routing, waits until every instance sees all `n` (its tandem_cluster_instances
 * gauge), so ownership does not move during the measured runs. Returns whether the build has the
 * gauge at all (false: no owner routing in this build, nothing to wait for).
 */
async function awaitClusterView(servers: BenchServer[], notes: string[]): Promise<boolean> {
  const views = () => Promise.all(servers.map((s) => metric(s.url, 'tandem_cluster_instances')));
  if (Number.isNaN((await views())[0])) return false;
  for (let i = 0; i < 100; i++) {
    if ((await views()).every((v) => v === servers.length)) return true;
    await sleep(100);
  }
  notes.push(`N=${servers.length}: instances still see ${(await views()).join(', ')} members after 10 s; measured anyway`);
  return true;
}

/** One N: a fresh database, N instances, the editors spread over them, a warm-up, then RUNS runs. */
async function measureCluster(n: number, notes: string[], hasRouting: { value: boolean | null }): Promise<Measured> {
  const dbName = `tandem_bench_cluster_${process.pid}_${n}`;
  const db = await createBenchDatabase(dbName);
  const admin = new pg.Client({ connectionString: db.url });
  const servers: BenchServer[] = [];
  let load: CoeditLoad | undefined;
  // The instances' warnings (lost-race recoveries that failed, deadlocks, …) counted, not printed;
  // those logged while they stop are counted apart (a publish cut off by shutdown is no finding).
  const running = logTally();
  const stopping = logTally();
  let log = running;
  try {
    await startCluster(n, db.url, servers, (chunk) => log.push(chunk));
    await admin.connect();
    hasRouting.value = await awaitClusterView(servers, notes);
    // Tokens are signed with the dev tenant's secret, which lives in the shared database: one
    // instance mints them and every instance accepts them.
    const clients = ROOMS * EDITORS_PER_ROOM;
    const tokens = await Promise.all(Array.from({ length: clients }, (_, i) => mintToken(servers[0]!.url, { sub: `u${i}`, name: `User ${i}`, perms: { '*': ['read', 'write'] } })));
    const tag = `cluster${n}-${Date.now()}`;
    const urlOf = (e: number) => servers[instanceOfEditor(e, ROOMS, n)]!.url;
    load = await CoeditLoad.connect(LOAD, servers.map((s) => s.pid), tandemEditors(urlOf, tokens, tag), tag, notes);
    if (WARMUP_SECONDS > 0) await load.run(WARMUP_SECONDS);
    /** Around a run: lost races summed over the instances, and the Postgres backends' CPU. */
    const probe = async () => {
      const races0 = await sumMetric(servers, 'tandem_oplog_lost_races_total');
      const pg0 = ticksOf(await pgBackends(admin, dbName));
      return async (ops: number): Promise<Extra> => {
        const lostRaces = (await sumMetric(servers, 'tandem_oplog_lost_races_total')) - races0;
        const pgTicks = ticksBetween(pg0, ticksOf(await pgBackends(admin, dbName)));
        return { lostRaces, opsAcked: ops, pgMsPerOp: (pgTicks * 10) / Math.max(1, ops) };
      };
    };
    const runs: Run[] = [];
    for (let r = 0; r < RUNS; r++) runs.push(await load.run(RUN_SECONDS, probe));
    const sum = (k: keyof Run) => runs.reduce((a, r) => a + r[k], 0);
    return { n, runs, m: (k) => median(runs.map((r) => r[k])), racesPer1000: perThousand(sum('lostRaces'), sum('opsAcked')) };
  } finally {
    load?.close();
    log = stopping;
    await admin.end().catch(() => undefined);
    // Every instance that started, even when a later one or the load failed.
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
    for (const line of running.lines()) notes.push(`N=${n}, instances logged ${line}`);
    for (const line of stopping.lines()) notes.push(`N=${n}, instances logged while stopping ${line}`);
  }
}

/** The report's rows for one N, and against N = 1 when that ran. */
function reportCluster(x: Measured, one: Measured | undefined, figures: BenchReport['figures'], targets: BenchReport['targets'], notes: string[]): void {
  const { n, m, runs } = x;
  const p = `N=${n} (${ROOMS} docs × ${EDITORS_PER_ROOM} editors over ${n} instance${n > 1 ? 's' : ''})`;
  figures[`${p} keystrokes/s offered / acked, ops/s`] = `${m('keys').toFixed(0)} / ${m('keysAcked').toFixed(0)}, ${m('ops').toFixed(0)} ops/s`;
  figures[`${p} ack p50 / p99 ms`] = `${m('ackP50').toFixed(2)} / ${m('ackP99').toFixed(2)}`;
  figures[`${p} delivery p50 / p99 ms`] = `${m('delP50').toFixed(2)} / ${m('delP99').toFixed(2)}`;
  figures[`${p} lost races per 1,000 ops (all runs)`] = `${x.racesPer1000.toFixed(1)} (${runs.map((r) => `${r.lostRaces} in ${r.opsAcked}`).join(', ')} ops per run)`;
  figures[`${p} CPU per op ms: all instances / Postgres`] = `${m('srvMsPerOp').toFixed(3)} / ${m('pgMsPerOp').toFixed(3)}`;
  figures[`${p} instances / generator CPU`] = `${(m('srvCpu') * 100).toFixed(0)}% / ${(m('genCpu') * 100).toFixed(0)}%`;
  notes.push(`N=${n}: ack p50 / p99 per run ${runs.map((r) => `${r.ackP50.toFixed(1)}/${r.ackP99.toFixed(0)}`).join(', ')} ms`);
  if (m('genCpu') > 0.9) notes.push(`N=${n}: generator above 90% CPU, run invalid`);
  if (n === 1) return;
  if (one) {
    const r50 = m('ackP50') / one.m('ackP50');
    const r99 = m('ackP99') / one.m('ackP99');
    figures[`${p} ack p50 / p99 vs N=1`] = `${r50.toFixed(2)}× / ${r99.toFixed(2)}×`;
    targets.push({ name: `${n} instances: ack p99 vs one instance (${one.m('ackP99').toFixed(2)} ms)`, target: `≤ 1.5× (${(1.5 * one.m('ackP99')).toFixed(2)} ms)`, measured: `${m('ackP99').toFixed(2)} ms (${r99.toFixed(2)}×)`, met: r99 <= 1.5 });
  }
  const races = x.racesPer1000;
  targets.push({ name: `${n} instances: lost races`, target: '≤ 1 per 1,000 ops', measured: `${races.toFixed(1)} per 1,000 ops (${runs.reduce((a, r) => a + r.lostRaces, 0)} over ${RUNS} runs)`, met: races <= 1 });
}

export default async function clusterBench(): Promise<BenchReport> {
  const notes: string[] = [];
  if (!pinGenerator()) notes.push('taskset not found: instances and generator share cores');
  const figures: BenchReport['figures'] = {};
  const targets: BenchReport['targets'] = [];
  const hasRouting = { value: null as boolean | null };
  figures['mode'] = routingMode(ROUTING);
  figures['load'] = `${LOAD.name}: ${ROOMS} docs × ${EDITORS_PER_ROOM} editors, ${RATE} keystrokes/s in all (${LOAD.rate.toFixed(2)}/s each), ${WARMUP_SECONDS} s warm-up, ${RUNS} × ${RUN_SECONDS} s, medians`;
  const measured: Measured[] = [];
  for (const n of INSTANCE_COUNTS) measured.push(await measureCluster(n, notes, hasRouting));
  figures['owner routing in this build'] = hasRouting.value ? 'yes (tandem_cluster_instances on /metrics)' : 'no (no tandem_cluster_instances gauge): every instance writes for itself';
  const one = measured.find((x) => x.n === 1);
  for (const x of measured) reportCluster(x, one, figures, targets, notes);
  figures['machine load average (1 min) at the end'] = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
  notes.push(
    'all instances are pinned to core 0 of this 2-core machine (the generator has core 1): N instances share one core, so this shows the cost of splitting rooms over instances, not that capacity grows with instances (that needs a core per instance)',
  );
  return { scenario: 'cluster', figures, targets, notes: collapseNotes(notes) };
}
