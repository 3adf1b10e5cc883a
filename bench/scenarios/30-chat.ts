// Chat fan-out: rooms of 50 users, messages sent at a steady rate (open loop, intended send times
// stamped in the message). Reports delivery and ack latency (p50/p99/p99.9), messages/s
// committed and the delivered ratio. Target: p99 delivery < 50 ms at 1,000 messages/s.
// The server runs as its own process on core 0 (real Postgres), the load generator on core 1.
// Generator: bench/wire-client.ts (the Socket.IO v4 protocol over `ws`), one connection per user,
// not socket.io-client. 50,000 deliveries/s through socket.io-client saturated the generator's one
// core and its queueing was reported as delivery latency; receivers here read the intended send
// time out of the raw frame (indexOf/slice, no JSON.parse; every 1,000th frame is checked against
// a full parse). That took the generator from ~29 to ~20 µs of CPU per delivery, most of what was
// left being one TCP read event per delivery per connection (each small frame arrives alone).
//
// Measured and batched receivers: in each room 5 of the 50 members (spread over the join order,
// the last one included, so they sit all along the server's fan-out loop) read at once and are
// the only source of the latency figures (delivery from the intended send time, as before; ack
// from their own sends). The other 45 read in batches every 250 ms (WireSocket.readInBatches):
// one read event then carries ~12 frames, which halves the generator's cost of receiving one
// (~13 → ~6 µs in ws and Node). They still count toward the delivered ratio (every committed
// message must reach all 50), and senders stay spread over all 50 members, so the server does
// exactly the same work: its writes go into kernel buffers that hold a few KB per interval, far
// from full. The report checks that from `ss` once a second: a server write could only wait on a
// reader whose TCP receive window closes, so the generator's receive buffers must stay under half
// full (they hold a few KB of 128 KB); the server's send queues are shown too (a few KB of
// unacked data, delayed ACKs, with or without batching). At 4 rooms and 200 msg/s, 8 s runs, the
// generator's CPU per delivery (sends and pacing included) went from ~20 to ~15 µs; the fixed
// part of that weighs 5× less at full scale.
// BENCH_CHAT_MEASURED=50 makes every receiver read at once (the generator as before this change).
//
// 'messages/s committed' counts the messages acked within 500 ms + one batch interval of the end
// of the send window, over the send window (it was over the wall time including the drain, which
// read ~6 % low by construction and could never meet the 98 % bar).
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { cpuTicks, createBenchDatabase, median, mintToken, pct, pinGenerator, sleep, startServer, trackTcpBuffers } from '../lib.js';
import type { BenchReport } from '../run.js';
import { WireSocket } from '../wire-client.js';

const ROOMS = Number(process.env.BENCH_CHAT_ROOMS ?? 20);
const USERS_PER_ROOM = 50;
const SENDERS_PER_ROOM = 50; // every member talks (~1 message/s each at 1,000 msg/s over 20 rooms)
const RATE = Number(process.env.BENCH_CHAT_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 8);
const RUNS = Number(process.env.BENCH_CHAT_RUNS ?? 3);
/** Receivers per room that read at once: the latency figures come from them alone. */
const MEASURED_PER_ROOM = Math.min(USERS_PER_ROOM, Math.max(1, Number(process.env.BENCH_CHAT_MEASURED ?? 5)));
/** How often the other receivers read what the kernel holds for them. */
const BATCH_MS = Number(process.env.BENCH_CHAT_BATCH_MS ?? 250);
/** After the last intended send: acks and deliveries still due (batched ones up to BATCH_MS late). */
const DRAIN_MS = 500 + BATCH_MS;
/** Member indices that read at once: spread evenly, the last member included. */
const MEASURED = new Set(Array.from({ length: MEASURED_PER_ROOM }, (_, k) => Math.round(((k + 1) * USERS_PER_ROOM) / MEASURED_PER_ROOM) - 1));
/** The load the target is stated for; the knobs above are for quick checks at small scale. */
const FULL_SCALE = ROOMS >= 20 && RATE >= 1000;
const r2 = (x: number) => Math.round(x * 100) / 100;

// BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server child.
const startChatServer = (databaseUrl: string) =>
  startServer(
    {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '20',
      RATE_LIMIT_PER_MINUTE: '1000000',
      CHAT_SEND_BURST: '100000',
      CHAT_SEND_PER_SECOND: '100000',
      ROOMS_PER_CONNECTION: '10',
    },
    { nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), quiet: true },
  );

const token = (url: string, sub: string) => mintToken(url, { sub, name: sub, perms: { '*': ['read', 'write', 'comment'] } });

/** Resolves once the server's `session` greeting arrived. */
const connect = (url: string, tok: string) => WireSocket.connect(url, { auth: { token: tok, protocol: 1 } });

const SEND_TIME = '"body":"t='; // the body is `t=<intended send time> message <id>`

/** The intended send times stamped in a raw `room:event` or `room:events` frame (none when it carries no bench message). */
function sendTimesOf(frame: string): number[] {
  const out: number[] = [];
  for (let i = frame.indexOf(SEND_TIME); i >= 0; i = frame.indexOf(SEND_TIME, i + 1)) {
    const t = Number(frame.slice(i + SEND_TIME.length, frame.indexOf(' ', i)));
    if (!Number.isFinite(t)) throw new Error(`chat bench: unreadable send time in ${frame.slice(0, 200)}`);
    out.push(t);
  }
  return out;
}

/** The same, the slow exact way (to check the cheap read). */
function parsedSendTimes(frame: string): number[] {
  const [name, p] = JSON.parse(frame.slice(2)) as [string, { data?: { message?: { body?: string } }; events?: Array<{ data: { message?: { body?: string } } }> }];
  const events = name === 'room:events' ? p.events! : [p as { data: { message?: { body?: string } } }];
  return events.map((e) => e.data.message?.body ?? '').filter((b) => b.startsWith('t=')).map((b) => Number(b.slice(2, b.indexOf(' '))));
}

/** Clock ticks per second; read once, as each exec costs the generator ~15 ms of CPU. */
let clkTck: number | undefined;

/** Server CPU seconds (user+sys) from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const ticks = (clkTck ??= Number(execSync('getconf CLK_TCK').toString().trim()));
    // The server is a child of taskset-exec'd node: the pid is node itself (taskset execs).
    return cpuTicks(pid) / ticks;
  } catch {
    return NaN;
  }
}

export default async function chatBench(): Promise<BenchReport> {
  try {
    pinGenerator();
  } catch {
    /* not pinned */
  }
  // Other work on this machine skews latency: the 1-minute load average goes in the report.
  const load0 = loadavg()[0]!;
  const dbName = `tandem_bench_${randomBytes(4).toString('hex')}`;
  const db = await createBenchDatabase(dbName);
  const server = await startChatServer(db.url);
  const sockets: WireSocket[] = [];
  const notes: string[] = [];
  try {
    // 50 users per room, each its own connection, joined one at a time (the join order is the
    // server's fan-out order, which the measured receivers are spread over).
    const rooms: Array<{ roomId: string; senders: WireSocket[] }> = [];
    const measured = new Set<WireSocket>();
    const batched: WireSocket[] = [];
    for (let r = 0; r < ROOMS; r++) {
      const members = await Promise.all(
        Array.from({ length: USERS_PER_ROOM }, async (_, u) => connect(server.url, await token(server.url, `r${r}u${u}`))),
      );
      sockets.push(...members);
      let roomId = '';
      for (const s of members) roomId = (await s.emitWithAck('room:join', { context: { url: `/bench/${r}`, pageKey: `bench:${r}`, fields: [] } }, 10_000)).roomId as string;
      members.forEach((s, u) => (MEASURED.has(u) ? measured.add(s) : batched.push(s)));
      rooms.push({ roomId, senders: members.slice(0, SENDERS_PER_ROOM) });
    }
    // Batches spread evenly over the interval, so the generator reads a few connections at a time.
    batched.forEach((s, i) => s.readInBatches(BATCH_MS, (i / batched.length) * BATCH_MS));
    const readEvents = () => batched.reduce((n, s) => n + s.readEvents, 0);

    let deliveries: number[] = [];
    let acks: number[] = [];
    let delivered = 0;
    let deliveredBatched = 0;
    /** Frames that carried bench messages (one per message per receiver without coalescing). */
    let frames = 0;
    let measuring = false;
    let checked = 0;
    let disconnects = 0;
    for (const s of sockets) {
      s.onClose(() => void disconnects++);
      const isMeasured = measured.has(s);
      const onFrame = (frame: string) => {
        const now = performance.now();
        if (!measuring) return;
        const times = sendTimesOf(frame);
        if (times.length === 0) return;
        frames++;
        for (const t of times) {
          if (isMeasured) deliveries.push(now - t);
          else deliveredBatched++;
          delivered++;
        }
        // The cheap read must agree with the real one.
        if (++checked % 1000 === 0 && parsedSendTimes(frame).join() !== times.join()) throw new Error(`chat bench: raw send times ${times.join()} ≠ parsed, in ${frame.slice(0, 200)}`);
      };
      // A busy room's messages arrive several to a frame (room:events), as the overlay reads them.
      s.onRaw('room:event', onFrame);
      s.onRaw('room:events', onFrame);
    }

    const results: Array<{
      p50: number;
      p99: number;
      p999: number;
      ackP50: number;
      ackP99: number;
      committed: number;
      ratio: number;
      genCpu: number;
      genUsPerDelivery: number;
      readsPerBatchedDelivery: number;
      framesPerDelivery: number;
      srvCpu: number;
    }> = [];
    // Kernel buffers, sampled once a second while the load runs.
    const buffers = trackTcpBuffers(server.port);
    let seq = 0;
    for (let run = 0; run < RUNS + 1; run++) {
      const warmup = run === 0;
      const secs = warmup ? 2 : SECONDS;
      deliveries = [];
      acks = [];
      delivered = 0;
      deliveredBatched = 0;
      frames = 0;
      let acked = 0;
      let ackedInTime = 0;
      let failed = 0;
      measuring = true;
      const start = performance.now();
      const cutoff = start + secs * 1000 + DRAIN_MS;
      const srv0 = cpuSeconds(server.pid);
      const cpu0 = process.cpuUsage();
      const reads0 = readEvents();
      let sent = 0;
      const total = Math.round(RATE * secs);
      const pending: Promise<void>[] = [];
      buffers.start();
      await new Promise<void>((done) => {
        const tick = () => {
          const now = performance.now();
          // Open loop: send everything whose intended time has come, stamped with that time.
          while (sent < total && start + (sent * 1000) / RATE <= now) {
            const intended = start + (sent * 1000) / RATE;
            const room = rooms[sent % ROOMS]!;
            const sender = room.senders[Math.floor(sent / ROOMS) % SENDERS_PER_ROOM]!;
            const timed = measured.has(sender); // a batched sender reads its ack late
            const id = `b${seq++}`;
            pending.push(
              sender
                .emitWithAck('chat:send', { roomId: room.roomId, body: `t=${intended} message ${id}`, clientMsgId: id }, 30_000)
                .then(
                  (a: { ok: boolean }) => {
                    if (a.ok) {
                      const now = performance.now();
                      acked++;
                      if (now <= cutoff) ackedInTime++;
                      if (timed) acks.push(now - intended);
                    } else failed++;
                  },
                  () => void failed++,
                ),
            );
            sent++;
          }
          if (sent >= total) return done();
          setTimeout(tick, 1);
        };
        tick();
      });
      await Promise.all(pending);
      // Let the last deliveries land: every committed message at all 50, or the drain is over.
      while (delivered < acked * USERS_PER_ROOM && performance.now() < cutoff) await sleep(20);
      measuring = false;
      buffers.stop();
      const wall = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const genCpu = (cpu.user + cpu.system) / 1e6 / wall;
      const srvCpu = (cpuSeconds(server.pid) - srv0) / wall;
      if (failed) notes.push(`run ${run}: ${failed} sends failed`);
      if (disconnects) notes.push(`run ${run}: ${disconnects} connections lost so far`);
      if (!warmup) {
        results.push({
          p50: pct(deliveries, 50),
          p99: pct(deliveries, 99),
          p999: pct(deliveries, 99.9),
          ackP50: pct(acks, 50),
          ackP99: pct(acks, 99),
          committed: ackedInTime / secs,
          ratio: delivered / (acked * USERS_PER_ROOM),
          genCpu,
          genUsPerDelivery: (cpu.user + cpu.system) / Math.max(1, delivered),
          readsPerBatchedDelivery: (readEvents() - reads0) / Math.max(1, deliveredBatched),
          framesPerDelivery: frames / Math.max(1, delivered),
          srvCpu,
        });
        if (genCpu > 0.9) notes.push(`run ${run}: load generator at ${Math.round(genCpu * 100)}% CPU — run invalid`);
      }
    }
    const m = (k: keyof (typeof results)[number]) => median(results.map((r) => r[k]));
    const p99 = m('p99');
    return {
      scenario: 'chat fan-out',
      figures: {
        rooms: ROOMS,
        'users per room': USERS_PER_ROOM,
        'offered messages/s': RATE,
        runs: `${RUNS} × ${SECONDS} s (median)`,
        'messages/s committed': r2(m('committed')),
        'deliveries/s': r2(m('committed') * USERS_PER_ROOM * m('ratio')),
        'delivery p50 ms': r2(m('p50')),
        'delivery p99 ms': r2(p99),
        'delivery p99.9 ms': r2(m('p999')),
        'ack p50 ms': r2(m('ackP50')),
        'ack p99 ms': r2(m('ackP99')),
        'delivered ratio': r2(m('ratio')),
        'server CPU (cores)': r2(m('srvCpu')),
        'server CPU ms per message committed': r2((m('srvCpu') * 1000) / Math.max(1, m('committed'))),
        'WebSocket frames per delivery (room:event / room:events)': r2(m('framesPerDelivery')),
        'generator CPU (cores)': r2(m('genCpu')),
        'generator CPU µs per delivery': r2(m('genUsPerDelivery')),
        'receivers per room: measured / batched': `${MEASURED_PER_ROOM} / ${USERS_PER_ROOM - MEASURED_PER_ROOM}`,
        'batched: read interval ms': BATCH_MS,
        'batched: TCP reads per delivery': MEASURED_PER_ROOM < USERS_PER_ROOM ? Math.round(m('readsPerBatchedDelivery') * 1000) / 1000 : '—',
        ...buffers.report().figures,
        'load average (1 min, start → end)': `${r2(load0)} → ${r2(loadavg()[0]!)}`,
      },
      targets: [
        {
          name: 'delivery p99 at 1,000 msg/s',
          target: '< 50 ms',
          measured: `${r2(p99)} ms at ${r2(m('committed'))} msg/s`,
          met: FULL_SCALE && p99 < 50 && m('committed') >= RATE * 0.98,
        },
        { name: 'every committed message delivered to all 50', target: 'ratio 1.00', measured: r2(m('ratio')).toFixed(2), met: m('ratio') >= 0.999 },
        buffers.report().target,
      ],
      notes: [
        ...(FULL_SCALE ? [] : [`scaled down (${ROOMS} rooms, ${RATE} msg/s): the 1,000 msg/s target does not apply`]),
        MEASURED_PER_ROOM < USERS_PER_ROOM
          ? `latencies (delivery and ack) come from the ${MEASURED_PER_ROOM} measured receivers per room, which read at once; the other ${USERS_PER_ROOM - MEASURED_PER_ROOM} read every ${BATCH_MS} ms to spare the generator a TCP read per delivery, and count toward the delivered ratio only`
          : 'every receiver reads at once and is measured',
        ...notes,
      ],
    };
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
    await db.drop().catch(() => undefined);
  }
}
