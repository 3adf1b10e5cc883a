// A real co-editing client over a real Socket.IO connection, built on the overlay's pure
// TextFieldClient. Shared by the fields tests and the co-editing benchmark.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { WireOp } from '../../src/features/fields/messages.js';
import { TextFieldClient } from '../../src/ot/client.js';
import { apply, type TextOp } from '../../src/ot/text.js';
import type { TestServer } from '../helpers/server.js';

export const newClientId = () => randomBytes(9).toString('base64url');

export type { WireOp } from '../../src/features/fields/messages.js';

export interface EditorOptions {
  /** Decides when an incoming broadcast is processed (tests shuffle delivery with it). */
  deliver?: (run: () => void) => void;
  /** Seen when an own op's ack arrives: (seq, ms from send). */
  onAck?: (seq: number, ms: number) => void;
  onRemote?: (o: WireOp, receivedAt: number) => void;
  /** Simulates a connection lost this many ms after sending an op (0: not lost); its ack and broadcast may be lost. */
  dropAck?: () => number;
}

export class Editor {
  client: TextFieldClient;
  socket!: Socket;
  errors: unknown[] = [];
  acked: Array<{ seq: number; version: number }> = [];
  /** Acks that answered `unavailable` (each retried). */
  unavailable = 0;
  private sending = false;
  private fetching: Socket | null = null;
  /** The connection the op in flight was last sent on; a new connection resends it. */
  private inflightSentOn: Socket | null = null;
  private sentAt = new Map<number, number>();
  private listener = (m: { roomId: string; ops: WireOp[] }) => {
    if (m.roomId !== this.roomId) return;
    const now = performance.now();
    for (const o of m.ops) {
      if (o.field !== this.field) continue;
      this.opts.onRemote?.(o, now);
      const run = () => this.committed(o);
      if (this.opts.deliver) this.opts.deliver(run);
      else run();
    }
  };

  constructor(
    socket: Socket,
    readonly roomId: string,
    readonly field: string,
    init: { text: string; version: number; clientId?: string },
    private opts: EditorOptions = {},
  ) {
    this.client = new TextFieldClient({ clientId: init.clientId ?? newClientId(), text: init.text, version: init.version });
    this.attach(socket);
  }

  get text() {
    return this.client.text;
  }

  /** The server's periodic / after-outage statement of where the room stands: behind means a broadcast was lost. */
  private heads = (m: { roomId: string; fields: Record<string, number> }) => {
    if (m.roomId !== this.roomId) return;
    if ((m.fields[this.field] ?? 0) > this.client.version) void this.fetchMissing();
  };

  attach(socket: Socket) {
    this.socket?.off('field:ops', this.listener);
    this.socket?.off('room:heads', this.heads);
    this.socket = socket;
    socket.on('field:ops', this.listener);
    socket.on('room:heads', this.heads);
  }

  private committed(o: WireOp) {
    try {
      this.client.receive({ version: o.version, op: o.kind === 'text' ? o.op! : [], clientId: o.clientId, seq: o.seq });
    } catch (err) {
      // A broken server can send ops that do not apply: record it, the test decides.
      this.errors.push(err);
      return;
    }
    this.afterReceive();
  }

  private afterReceive() {
    if (this.client.gap() !== null) void this.fetchMissing();
    this.flush();
  }

  /** Fetches committed ops we missed (a gap, or everything since a reconnect). */
  async fetchMissing(): Promise<void> {
    if (this.fetching === this.socket) return;
    const socket = this.socket;
    this.fetching = socket;
    try {
      for (;;) {
        const r = await socket.timeout(15_000).emitWithAck('field:fetch', {
          roomId: this.roomId,
          field: this.field,
          since: this.client.version,
          snapshotOk: !this.client.hasUnacked,
        });
        if (!r.ok) throw Object.assign(new Error(r.error.message), { error: r.error });
        if (r.snapshot) this.client.resetTo(r.snapshot.value, r.snapshot.version);
        for (const o of r.ops as WireOp[]) this.client.receive({ version: o.version, op: o.op!, clientId: o.clientId, seq: o.seq });
        if (!r.more) break;
      }
    } catch (err) {
      if (socket.connected) this.errors.push(err);
    } finally {
      if (this.fetching === socket) this.fetching = null;
    }
    this.flush();
  }

  edit(op: TextOp) {
    this.client.applyLocal(op);
    this.flush();
  }

  flush() {
    if (this.sending || !this.socket.connected) return;
    // Safe to resend: the server answers a committed (clientId, seq) with its original version.
    const out = this.client.inflight ? (this.inflightSentOn !== this.socket ? this.client.resendInflight() : null) : this.client.takeOutgoing();
    if (out) void this.send(out);
  }

  private async send(out: { baseVersion: number; op: TextOp; clientId: string; seq: number }) {
    this.sending = true;
    this.inflightSentOn = this.socket;
    const t0 = performance.now();
    this.sentAt.set(out.seq, t0);
    const socket = this.socket;
    // Simulated connection loss right after sending: the op may or may not have reached the
    // server, and its ack and broadcast are lost with the connection.
    const loseAfter = this.opts.dropAck?.() ?? 0;
    if (loseAfter > 0) setTimeout(() => socket.close(), loseAfter);
    try {
      const r = await socket.timeout(10_000).emitWithAck('field:op', { roomId: this.roomId, field: this.field, ...out });
      if (socket !== this.socket || !socket.connected) return; // answered on a connection we already left
      if (!r.ok) {
        // An outage: the same op again after the server's hint (never applied twice). Anything else is recorded.
        if (r.error.code === 'unavailable') {
          this.unavailable++;
          this.inflightSentOn = null;
          setTimeout(() => this.flush(), r.error.details?.retryAfterMs ?? 1_000);
        } else this.errors.push(r.error);
        return;
      }
      this.acked.push({ seq: out.seq, version: r.version });
      this.opts.onAck?.(out.seq, performance.now() - t0);
      this.client.ack(r.version, out.seq);
    } catch (err) {
      // Timed out or disconnected: the op stays in flight and is resent after reconnecting.
      if (socket === this.socket && socket.connected) this.errors.push(err);
      if (socket === this.socket) this.inflightSentOn = null;
      return;
    } finally {
      if (socket === this.socket) this.sending = false;
    }
    this.afterReceive();
  }

  /** After a reconnect: catch up from our version, then resend the op in flight (same seq). */
  async resume(socket: Socket, opts: { resendFirst?: boolean } = {}) {
    this.attach(socket);
    this.sending = false;
    this.inflightSentOn = null;
    // Resending before catching up is allowed too: the server must recognise an op it already has.
    if (opts.resendFirst) this.flush();
    await this.fetchMissing();
    this.flush();
  }

  /** Resolves once every local edit is acknowledged and no gap is pending. */
  async settle(timeoutMs = 8_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.client.hasUnacked || this.client.gap() !== null || this.fetching || this.sending) {
      if (Date.now() > deadline) throw new Error(`editor did not settle: ${JSON.stringify({ inflight: this.client.inflight, pending: this.client.pending, gap: this.client.gap(), errors: this.errors.slice(-3).map((e) => (e instanceof Error ? e.message : e)) })}`);
      if (this.client.gap() !== null && !this.fetching) void this.fetchMissing();
      this.flush();
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Joins a room with one text field and returns its document entry. */
export async function joinForm(socket: Socket, url: string, fields: Array<{ name: string; kind: string; value?: unknown; readOnly?: boolean }>) {
  const r = await socket.timeout(15_000).emitWithAck('room:join', { context: { url, title: 'Form', fields } });
  if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r.error)}`);
  return r as { ok: true; roomId: string; document: { fields: Record<string, { kind: string; value: unknown; version: number }>; draft: unknown; dirty: boolean } };
}

/** A small seeded PRNG (mulberry32), so failures can be replayed from the printed seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const SAMPLES = ['a', 'b', 'xy', ' ', 'é', '😀', '👍🏽', '中', 'Z', '\n', '🎉x'];

/** A random insert or delete against `text` (code points), emoji included. */
export function randomEdit(r: ReturnType<typeof rng>, text: string): TextOp {
  const chars = Array.from(text);
  if (chars.length > 0 && r.next() < 0.35) {
    const at = r.int(chars.length);
    const n = 1 + r.int(Math.min(3, chars.length - at));
    return at > 0 ? [at, { d: n }] : [{ d: n }];
  }
  const at = r.int(chars.length + 1);
  const s = r.pick(SAMPLES);
  return at > 0 ? [at, s] : [s];
}

/** The field's text as Postgres holds it: snapshot plus the ops after it. */
export async function storedText(srv: Pick<TestServer, 'app'>, roomId: string, field: string) {
  const head = await srv.app.db.query<{ value: string; value_version: number; version: number }>(
    `SELECT value, value_version, version FROM form_fields WHERE room_id = $1 AND field = $2`,
    [roomId, field],
  );
  const h = head.rows[0]!;
  const ops = await srv.app.db.query<{ op: TextOp; version: number }>(
    `SELECT op, version FROM field_ops WHERE room_id = $1 AND field = $2 AND version > $3 ORDER BY version`,
    [roomId, field, h.value_version],
  );
  let text = h.value ?? '';
  for (const o of ops.rows) text = apply(text, o.op);
  return { text, version: h.version };
}


/**
 * The racing load: every socket fires `perSocket` inserts of a unique token into `field`, all
 * based on version 0, each after its own previous ack. Then checks what every such test needs:
 * versions 1..n gap-free, each acked op stored once at its acked version, each token once.
 */
export async function raceOnField(srv: Pick<TestServer, 'app'>, sockets: Socket[], roomId: string, field: string, perSocket: number) {
  const acks: Array<{ version: number; token: string; clientId: string; seq: number }> = [];
  const failures: unknown[] = [];
  await Promise.all(
    sockets.map(async (s, i) => {
      const clientId = newClientId();
      for (let seq = 1; seq <= perSocket; seq++) {
        const token = `[${i}.${seq}]`;
        const r = await s.timeout(15_000).emitWithAck('field:op', { roomId, field, baseVersion: 0, op: [token], clientId, seq });
        if (r.ok) acks.push({ version: r.version, token, clientId, seq });
        else failures.push(r.error);
      }
    }),
  );
  const { rows } = await srv.app.db.query<{ version: number; client_id: string; seq: number }>(`SELECT version, client_id, seq FROM field_ops WHERE room_id = $1 AND field = $2 ORDER BY version`, [roomId, field]);
  const stored = await storedText(srv, roomId, field);
  const problems: string[] = failures.map((f) => `failed: ${JSON.stringify(f)}`);
  const n = sockets.length * perSocket;
  if (rows.map((r) => r.version).join() !== Array.from({ length: n }, (_, i) => i + 1).join()) problems.push(`versions are not 1..${n}: ${rows.map((r) => r.version).join()}`);
  if (new Set(acks.map((x) => x.version)).size !== acks.length) problems.push('two ops were acked with the same version');
  for (const x of acks) {
    const row = rows[x.version - 1];
    if (row?.client_id !== x.clientId || row.seq !== x.seq) problems.push(`acked op ${x.token} is not stored at version ${x.version}`);
    if (stored.text.split(x.token).length - 1 !== 1) problems.push(`token ${x.token} appears ${stored.text.split(x.token).length - 1} times`);
  }
  return problems;
}
