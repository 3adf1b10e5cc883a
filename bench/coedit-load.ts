// The co-editing bench's open-loop workload, written once and driven against any server that
// speaks OT text (Tandem, and ShareDB as the peer in bench/peers/sharedb-client.ts): each editor
// types `rate` keystrokes/s at intended times; it has one op in flight, and keystrokes typed
// meanwhile ride its next op (as any OT client merges them). An op is an insert of those keystrokes
// at a random position inside the first 2 KB, sent with the latest version the editor has seen;
// texts only grow, so that is valid at every version and the server does the transform. Latency
// counts from the intended time of an op's first keystroke.
import { performance } from 'node:perf_hooks';
import { cpuTicks, pct } from './lib.js';

export const INITIAL_LEN = 2048;
export const INITIAL_TEXT = 'lorem ipsum '.repeat(Math.ceil(INITIAL_LEN / 12)).slice(0, INITIAL_LEN);

export interface Load {
  name: string;
  rooms: number;
  perRoom: number;
  /** Keystrokes per second per editor. */
  rate: number;
}

/** What a server adapter reports back to the driver about one editor's connection. */
export interface EditorHooks {
  /** A version this editor has seen (in a delivery). */
  seen(version: number): void;
  /** A message carrying others' ops arrived. */
  frame(): void;
  /** Another editor's op (its clientId and seq) arrived here; only measured editors report it. */
  delivered(clientId: string, seq: number): void;
}

/** One editor's connection to the server under test, joined to its document. */
export interface EditorLink {
  readonly isConnected: boolean;
  readonly closeReason: string | null;
  /** Inserts `text` at `pos` against `baseVersion`; `done` gets the version after it or an error. */
  insert(pos: number, text: string, baseVersion: number, seq: number, done: (err: string | null, version?: number) => void): void;
  close(): void;
}

/** An EditorLink over a socket that tracks its own connection state. */
export function editorLink(socket: { readonly isConnected: boolean; readonly closeReason: string | null; close(): void }, insert: EditorLink['insert']): EditorLink {
  return {
    get isConnected() {
      return socket.isConnected;
    },
    get closeReason() {
      return socket.closeReason;
    },
    insert,
    close: () => socket.close(),
  };
}

/** Editor `n` of document `doc`, as `clientId`; `measured` editors report deliveries. */
export type ConnectEditor = (n: number, doc: number, clientId: string, measured: boolean, hooks: EditorHooks) => Promise<{ link: EditorLink; version: number }>;

interface Editor {
  link: EditorLink;
  clientId: string;
  seq: number;
  version: number;
  keys: number[];
  sending: boolean;
}

export interface LoadRun {
  keys: number;
  keysAcked: number;
  ops: number;
  ackP50: number;
  ackP99: number;
  delP50: number;
  delP99: number;
  /** Messages carrying ops received per op acked. */
  framesPerOp: number;
  /** Server process CPU per op acked, ms (all the server's processes together). */
  srvMsPerOp: number;
  srvCpu: number;
  genCpu: number;
}

/** Editors connected to one server for one load; `run()` measures one open-loop run over them. */
export class CoeditLoad {
  private readonly editors: Editor[] = [];
  private ackLat: number[] = [];
  private delLat: number[] = [];
  private keysAcked = 0;
  private opsAcked = 0;
  private frames = 0;
  private lost = 0;
  private readonly firstKeyOf = new Map<string, number>();

  private constructor(
    readonly load: Load,
    private readonly serverPids: readonly number[],
    private readonly notes: string[],
  ) {}

  /**
   * Connects the load's editors, 50 at a time; editor n edits document n % rooms. `serverPid`:
   * the process(es) whose CPU counts as the server's (several instances of a cluster: summed).
   */
  static async connect(load: Load, serverPid: number | readonly number[], connect: ConnectEditor, tag: string, notes: string[]): Promise<CoeditLoad> {
    const self = new CoeditLoad(load, typeof serverPid === 'number' ? [serverPid] : serverPid, notes);
    const clients = load.rooms * load.perRoom;
    const measuredPerRoom = load.perRoom >= 50 ? 5 : 2;
    for (let i = 0; i < clients; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, clients - i) }, async (_, j) => {
          const n = i + j;
          const clientId = `b${n}x${tag}`.slice(0, 60);
          const hooks: EditorHooks = {
            seen: (v) => {
              const e = self.editors[n];
              if (e && v > e.version) e.version = v;
            },
            frame: () => void self.frames++,
            delivered: (from, seq) => {
              if (from === clientId) return;
              const first = self.firstKeyOf.get(`${from}:${seq}`);
              if (first !== undefined) self.delLat.push(performance.now() - first);
            },
          };
          const { link, version } = await connect(n, n % load.rooms, clientId, Math.floor(n / load.rooms) < measuredPerRoom, hooks);
          self.editors[n] = { link, clientId, seq: 0, version, keys: [], sending: false };
        }),
      );
    }
    return self;
  }

  private serverTicks(): number {
    return this.serverPids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  }

  close(): void {
    for (const e of this.editors) e?.link.close();
  }

  private send(e: Editor): void {
    if (e.sending || e.keys.length === 0) return;
    // A connection the server dropped (e.g. pings missed while its event loop was blocked): counted, not fatal.
    if (!e.link.isConnected) return void (this.lost++ === 0 && this.notes.push(`${this.load.name}: a connection was lost (${e.link.closeReason})`));
    const keys = e.keys;
    e.keys = [];
    const pos = Math.floor(Math.random() * INITIAL_LEN);
    const seq = ++e.seq;
    this.firstKeyOf.set(`${e.clientId}:${seq}`, keys[0]!);
    e.sending = true;
    e.link.insert(pos, 'k'.repeat(keys.length), e.version, seq, (err, version) => {
      e.sending = false;
      if (err) return void this.notes.push(`op not acked: ${err}`);
      this.ackLat.push(performance.now() - keys[0]!);
      this.keysAcked += keys.length;
      this.opsAcked++;
      if (version! > e.version) e.version = version!;
      this.send(e);
    });
  }

  /**
   * One run of `seconds`, then a 1 s drain. `probe` is read before the run and its finisher after
   * the drain, with the ops acked; what it returns joins the run's figures.
   */
  async run<X extends Record<string, number>>(seconds: number, probe?: () => Promise<(ops: number) => Promise<X>>): Promise<LoadRun & X> {
    const { load, editors } = this;
    this.ackLat = [];
    this.delLat = [];
    this.keysAcked = 0;
    this.opsAcked = 0;
    this.frames = 0;
    this.firstKeyOf.clear();
    const finish = await probe?.();
    const srv0 = this.serverTicks();
    const keysEach = Math.max(1, Math.round(seconds * load.rate));
    const spanS = keysEach / load.rate;
    const t0 = performance.now() + 100;
    const schedule: Array<[number, number]> = [];
    for (let n = 0; n < editors.length; n++) {
      const offset = (n / editors.length) * (1000 / load.rate);
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
          this.send(e);
        }
        if (next >= schedule.length) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    const wall = (performance.now() - wall0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await new Promise((r) => setTimeout(r, 1000)); // drain
    const ops = this.opsAcked;
    const srvTicks = this.serverTicks() - srv0;
    const extra = (await finish?.(ops)) ?? ({} as X);
    return {
      keys: schedule.length / spanS,
      keysAcked: this.keysAcked / spanS,
      ops: ops / spanS,
      ackP50: pct(this.ackLat, 50),
      ackP99: pct(this.ackLat, 99),
      delP50: pct(this.delLat, 50),
      delP99: pct(this.delLat, 99),
      framesPerOp: this.frames / Math.max(1, ops),
      // Ticks are 10 ms: per op in ms is ticks × 10 / ops.
      srvMsPerOp: (srvTicks * 10) / Math.max(1, ops),
      srvCpu: srvTicks / 100 / (wall + 1),
      genCpu: (cpu.user + cpu.system) / 1e6 / wall,
      ...extra,
    };
  }
}
