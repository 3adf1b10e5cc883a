// Presence benchmark: 500 users in 50 rooms, caret updates at 5/s each (open loop).
// Reports delivered updates/s, sender→receiver latency p50/p99/p99.9 (from the intended send
// time, so a lagging generator cannot hide latency) and server memory per idle connection.
// Server on core 0, this generator on core 1 (taskset), loopback only, bounded in time.
// Generator: bench/wire-client.ts (the Socket.IO v4 protocol over `ws`), one connection per user,
// not socket.io-client: ~22,500 caret deliveries/s decoded by socket.io-client took a large share
// of the generator's one core, and its queueing would read as server latency. Receivers take
// userId and head out of the raw frame (no JSON.parse; every 1,000th frame is checked against a
// full parse); sends use the same connections, so the server sees the same 500 sockets.
//
// Every receiver reads at once by default: the generator stays well under one core here (~23 µs
// per delivery), and batched readers (BENCH_PRESENCE_MEASURED=2 keeps 2 of each room's 10 reading
// at once, the other 8 reading every 250 ms via WireSocket.readInBatches) made the measured
// receivers' latency worse (p99 13.6 → 28.7 ms on the same day): each batch is a burst the
// generator's event loop must chew through before the next measured frame. The chat bench needs
// batching (50,000 deliveries/s); this one does not.
// Memory per idle connection is measured on a second server after the latency runs (see
// memoryPerConnection): forcing a GC through the inspector right before them slowed them down.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type BenchServer,
  cpuTicks,
  createBenchDatabase,
  freePort,
  gcAndReadMemory,
  median as medianOf,
  mintToken,
  pct,
  pinGenerator,
  sleep,
  startServer,
  trackTcpBuffers,
} from '../lib.js';
import type { BenchReport } from '../run.js';
import { rawNumber, rawString, WireSocket } from '../wire-client.js';

// The env knobs are for quick correctness checks at small scale; the defaults are the benchmark.
const USERS = Number(process.env.BENCH_PRESENCE_USERS ?? 500);
const ROOMS = Number(process.env.BENCH_PRESENCE_ROOMS ?? 50);
const RATE = 5; // caret updates per user per second
const RUN_SECONDS = Number(process.env.BENCH_PRESENCE_SECONDS ?? 6);
const RUNS = Number(process.env.BENCH_PRESENCE_RUNS ?? 3);
const PER_ROOM = Math.ceil(USERS / ROOMS);
/** Receivers per room that read at once: the latency figures come from them alone. */
const MEASURED_PER_ROOM = Math.min(PER_ROOM, Math.max(1, Number(process.env.BENCH_PRESENCE_MEASURED ?? PER_ROOM)));
/** How often the other receivers read what the kernel holds for them. */
const BATCH_MS = Number(process.env.BENCH_PRESENCE_BATCH_MS ?? 250);
/** Places in a room (user n is place floor(n / ROOMS) of room n % ROOMS) that read at once: spread evenly, the last included. */
const MEASURED = new Set(Array.from({ length: MEASURED_PER_ROOM }, (_, k) => Math.round(((k + 1) * PER_ROOM) / MEASURED_PER_ROOM) - 1));
const isMeasured = (n: number) => MEASURED.has(Math.floor(n / ROOMS));

export default async function presenceBench(): Promise<BenchReport> {
  const notes: string[] = [];
  if (!pinGenerator()) notes.push('taskset not found: server and generator share cores');
  // A real Postgres when there is one: PGlite's WASM heap moves RSS by tens of MB and hides the per-connection cost.
  let db: Awaited<ReturnType<typeof createBenchDatabase>> | undefined;
  try {
    db = await createBenchDatabase(`tandem_bench_${process.pid}`);
  } catch {
    notes.push('no PostgreSQL on loopback: PGlite, memory per connection is noisy');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  let server: BenchServer | undefined;
  const sockets: WireSocket[] = [];
  try {
    server = await startServer({
      DATA_DIR: dataDir,
      RATE_LIMIT_PER_MINUTE: '1000000',
      PRESENCE_IDLE_MS: '3600000',
      REDIS_URL: '',
      DATABASE_URL: db?.url ?? '',
    });
    const base = server.url;
    const pid = server.pid;

    const tokens = await Promise.all(
      Array.from({ length: USERS }, (_, i) => mintToken(base, { sub: `u${i}`, name: `User ${i}`, perms: { '*': ['read', 'write'] } })),
    );
    const roomIds: string[] = new Array(USERS);
    for (let i = 0; i < USERS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, USERS - i) }, async (_, j) => {
          const n = i + j;
          const s = await joinAs(base, tokens[n]!, n);
          roomIds[n] = s.roomId;
          sockets[n] = s.socket;
        }),
      );
    }
    await sleep(2000);

    // Batches spread evenly over the interval, so the generator reads a few connections at a time.
    const batched = sockets.filter((_, n) => !isMeasured(n));
    batched.forEach((s, i) => s.readInBatches(BATCH_MS, (i / batched.length) * BATCH_MS));
    const readEvents = () => batched.reduce((sum, s) => sum + s.readEvents, 0);
    const buffers = trackTcpBuffers(server.port);

    // Intended send times, by user and sequence number (the caret `head` carries the sequence).
    const sentAt = new Map<string, Float64Array>();
    const latencies: number[] = [];
    let delivered = 0;
    let deliveredBatched = 0;
    let checked = 0;
    let disconnects = 0;
    sockets.forEach((s, n) => {
      const measured = isMeasured(n);
      s.onClose(() => void disconnects++);
      s.onRaw('presence:caret', (frame) => {
        const now = performance.now();
        // `{"roomId":…,"userId":"u7","sid":…,"field":"notes","anchor":12,"head":12,…}`: each key once.
        const userId = rawString(frame, 'userId');
        const head = rawNumber(frame, 'head');
        if (++checked % 1000 === 0) {
          const e = (JSON.parse(frame.slice(2)) as [string, { userId: string; head: number }])[1];
          if (e.userId !== userId || e.head !== head) throw new Error(`presence bench: raw read ${userId}/${head} ≠ parsed ${e.userId}/${e.head}`);
        }
        const at = sentAt.get(userId)?.[head];
        if (at === undefined || at === 0) return;
        delivered++;
        if (measured) latencies.push(now - at);
        else deliveredBatched++;
      });
    });

    const runs: Array<{ rate: number; p50: number; p99: number; p999: number; ratio: number; cpu: number; genUs: number; readsPerBatched: number; serverUs: number }> = [];
    const perRun = RUN_SECONDS * RATE;
    for (let run = 0; run < RUNS; run++) {
      latencies.length = 0;
      delivered = 0;
      deliveredBatched = 0;
      const reads0 = readEvents();
      buffers.start();
      for (let n = 0; n < USERS; n++) sentAt.set(`u${n}`, new Float64Array(perRun * RUNS + 1));
      const t0 = performance.now() + 200;
      const ticks0 = cpuTicks(pid);
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      // Open loop: one ticker walks a schedule of intended send times.
      const schedule: Array<[number, number, number]> = []; // [time, user, seq]
      for (let n = 0; n < USERS; n++) {
        const offset = (n / USERS) * (1000 / RATE);
        for (let k = 0; k < perRun; k++) schedule.push([t0 + offset + (k * 1000) / RATE, n, run * perRun + k + 1]);
      }
      schedule.sort((a, b) => a[0] - b[0]);
      let next = 0;
      await new Promise<void>((resolve) => {
        const tick = () => {
          const now = performance.now();
          while (next < schedule.length && schedule[next]![0] <= now) {
            const [at, n, seq] = schedule[next++]!;
            sentAt.get(`u${n}`)![seq] = at;
            sockets[n]!.emit('presence:caret', { roomId: roomIds[n], field: 'notes', anchor: seq, head: seq });
          }
          if (next >= schedule.length) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
      await sleep(1000); // drain (batched receivers read within BATCH_MS)
      buffers.stop();
      const wall = (performance.now() - wall0) / 1000;
      const serverCpuS = (cpuTicks(pid) - ticks0) / 100;
      const cpu = process.cpuUsage(cpu0);
      const expected = schedule.length * (USERS / ROOMS - 1);
      latencies.sort((a, b) => a - b);
      runs.push({
        rate: delivered / RUN_SECONDS,
        p50: pct(latencies, 50),
        p99: pct(latencies, 99),
        p999: pct(latencies, 99.9),
        ratio: delivered / expected,
        cpu: (cpu.user + cpu.system) / 1e6 / wall,
        genUs: (cpu.user + cpu.system) / Math.max(1, delivered),
        readsPerBatched: (readEvents() - reads0) / Math.max(1, deliveredBatched),
        serverUs: (serverCpuS * 1e6) / Math.max(1, delivered),
      });
    }
    // Memory on a fresh server of its own: reading it needs the inspector (to force a full GC),
    // and a GC forced through it right before the latency runs made them slower.
    for (const s of sockets.splice(0)) s?.close();
    const { before, after, WARM, perConnKb, heapPerConnKb } = await memoryPerConnection(tandemPeer({ DATA_DIR: mkdtempSync(join(tmpdir(), 'tandem-bench-mem-')), DATABASE_URL: db?.url ?? '' }));
    // The same reading of bare Socket.IO, right after: the ratio the issue sets a target on.
    const bare = await memoryPerConnection(socketIoPeer);
    const median = (f: (r: (typeof runs)[number]) => number) => medianOf(runs.map(f));
    const p99 = median((r) => r.p99);
    const genCpu = Math.max(...runs.map((r) => r.cpu));
    if (genCpu > 0.9) notes.push(`generator CPU ${(genCpu * 100).toFixed(0)}% > 90%: run INVALID`);
    if (disconnects) notes.push(`${disconnects} connections lost during the runs`);
    notes.push(`${RUNS} runs of ${RUN_SECONDS} s; medians shown; p99 per run: ${runs.map((r) => r.p99.toFixed(1)).join(', ')} ms`);
    notes.push(
      MEASURED_PER_ROOM < PER_ROOM
        ? `latencies come from the ${MEASURED_PER_ROOM} measured receivers per room, which read at once; the other ${PER_ROOM - MEASURED_PER_ROOM} read every ${BATCH_MS} ms to spare the generator a TCP read per delivery, and count toward the delivered ratio only`
        : 'every receiver reads at once and is measured',
    );
    return {
      scenario: '10-presence',
      figures: {
        'users / rooms': `${USERS} / ${ROOMS}`,
        'caret updates sent /s': USERS * RATE,
        'delivered updates /s': Math.round(median((r) => r.rate)),
        'delivered ratio': median((r) => r.ratio).toFixed(4),
        'latency p50 ms': median((r) => r.p50).toFixed(2),
        'latency p99 ms': p99.toFixed(2),
        'latency p99.9 ms': median((r) => r.p999).toFixed(2),
        [`server RSS at ${WARM} / ${USERS} idle conns, after GC (MB)`]: `${(before.rssKb / 1024).toFixed(1)} / ${(after.rssKb / 1024).toFixed(1)}`,
        'memory per idle connection KB (RSS)': perConnKb.toFixed(1),
        'of which JS heap + external KB': heapPerConnKb.toFixed(1),
        'bare Socket.IO: memory per idle connection KB (RSS), of which JS heap + external': `${bare.perConnKb.toFixed(1)}, ${bare.heapPerConnKb.toFixed(1)}`,
        'generator CPU %': (genCpu * 100).toFixed(0),
        'generator CPU µs per delivery': median((r) => r.genUs).toFixed(1),
        'receivers per room: measured / batched': `${MEASURED_PER_ROOM} / ${PER_ROOM - MEASURED_PER_ROOM}`,
        'batched: read interval ms / TCP reads per delivery': MEASURED_PER_ROOM < PER_ROOM ? `${BATCH_MS} / ${median((r) => r.readsPerBatched).toFixed(3)}` : '—',
        ...buffers.report().figures,
        'server CPU µs per delivered update': median((r) => r.serverUs).toFixed(1),
        'machine load average (1 min)': readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!,
      },
      targets: [
        { name: 'caret delivery p99', target: '< 50 ms', measured: `${p99.toFixed(1)} ms`, met: p99 < 50 },
        { name: 'memory per idle connection', target: '< 50 KB', measured: `${perConnKb.toFixed(1)} KB`, met: perConnKb > 0 && perConnKb < 50 },
        {
          name: "memory per idle connection vs bare Socket.IO's, same run",
          target: '≤ 1.3×',
          measured: `${perConnKb.toFixed(1)} / ${bare.perConnKb.toFixed(1)} KB (${(perConnKb / bare.perConnKb).toFixed(2)}×)`,
          met: bare.perConnKb > 0 && perConnKb <= 1.3 * bare.perConnKb,
        },
        { name: 'delivered ratio', target: '≥ 0.999', measured: median((r) => r.ratio).toFixed(4), met: median((r) => r.ratio) >= 0.999 },
        buffers.report().target,
      ],
      notes,
    };
  } finally {
    for (const s of sockets) s?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  }
}

/** Connects user `n` and joins its room (room n % ROOMS). */
async function joinAs(base: string, token: string, n: number): Promise<{ socket: WireSocket; roomId: string }> {
  const socket = await WireSocket.connect(base, { auth: { token, protocol: 1 } });
  const r = await socket.emitWithAck<{ ok: boolean; roomId: string }>(
    'room:join',
    { context: { url: `/admin/shop/order/${n % ROOMS}/change/`, title: `Order ${n % ROOMS}`, fields: [{ name: 'notes', kind: 'textarea' }] } },
    10_000,
  );
  if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r)}`);
  return { socket, roomId: r.roomId };
}

/** How a memory reading starts its server and joins user `n` to its room there. */
interface MemoryPeer {
  start: (nodeArgs: string[]) => Promise<BenchServer>;
  join: (server: BenchServer, n: number) => Promise<WireSocket>;
}

const tandemPeer = (env: Record<string, string>): MemoryPeer => {
  const tokens: string[] = [];
  return {
    start: async (nodeArgs) => {
      const server = await startServer({ ...env, RATE_LIMIT_PER_MINUTE: '1000000', PRESENCE_IDLE_MS: '3600000', REDIS_URL: '' }, { nodeArgs, quiet: true });
      tokens.push(...(await Promise.all(Array.from({ length: USERS }, (_, i) => mintToken(server.url, { sub: `m${i}`, name: `Member ${i}`, perms: { '*': ['read', 'write'] } })))));
      return server;
    },
    join: async (server, n) => (await joinAs(server.url, tokens[n]!, n)).socket,
  };
};

/** Bare Socket.IO with Tandem's engine options (bench/peers/socketio-server.mjs): a connection joins its room, nothing else. */
const socketIoPeer: MemoryPeer = {
  start: (nodeArgs) => startServer({}, { nodeArgs, quiet: true, script: 'bench/peers/socketio-server.mjs' }),
  join: (server, n) => WireSocket.connect(server.url, { auth: { room: `room-${n % ROOMS}` } }),
};

/**
 * Memory per idle connection, each in a room: a server started with the inspector on loopback,
 * read right after a forced full GC once WARM users are in (startup and JIT settled) and again
 * once all USERS are.
 */
async function memoryPerConnection(peer: MemoryPeer) {
  const inspectPort = await freePort();
  const server = await peer.start([`--inspect=127.0.0.1:${inspectPort}`]);
  const sockets: WireSocket[] = [];
  const WARM = USERS >= 200 ? 100 : 50;
  try {
    let before = { rssKb: 0, heapUsedKb: 0, externalKb: 0 };
    for (let i = 0; i < USERS; i += 50) {
      if (i === WARM) {
        await sleep(2000);
        before = await gcAndReadMemory(inspectPort, server.pid);
      }
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, USERS - i) }, (_, j) => peer.join(server, i + j)))));
    }
    await sleep(2000);
    const after = await gcAndReadMemory(inspectPort, server.pid);
    const perConnKb = (after.rssKb - before.rssKb) / (USERS - WARM);
    const heapPerConnKb = (after.heapUsedKb + after.externalKb - before.heapUsedKb - before.externalKb) / (USERS - WARM);
    return { before, after, WARM, perConnKb, heapPerConnKb };
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
  }
}
