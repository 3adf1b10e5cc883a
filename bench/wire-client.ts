// A minimal Socket.IO v4 client for the bench generator: engine.io protocol 4 over one WebSocket
// (`ws`), default namespace, JSON packets only. One socket.io-client per simulated user costs the
// generator's single core about as much per delivered packet as the server spends sending it
// (engine.io-client + socket.io-parser + JSON.parse + emitter), so its queueing showed up as server
// latency. Here a receiver may take the raw frame (a string, no JSON.parse) and pull what it needs
// out with indexOf; events it needs whole are parsed as usual. Anything this client does not
// implement (binary packets, other namespaces, server-requested acks, upgrades) is a
// WireProtocolError that closes the connection, never a guess.
//
// Batched reads (`readInBatches`): even so, a receiver costs the generator one TCP read event per
// delivered packet (each small frame arrives alone), which is most of what a delivery costs it.
// A batched connection leaves what arrives in the kernel's receive buffer and reads it all every
// interval, so one read event carries many frames. The server cannot tell: it writes into a kernel
// buffer that is far from full (a few KB per interval against a 128 KB+ receive window on
// loopback), so none of its writes wait. Frames arrive late by up to one interval, which is why the
// benches measure latency only at connections that read immediately.
//
// Wire format (https://socket.io/docs/v4/socket-io-protocol/): every WebSocket text frame is one
// engine.io packet, a type digit then data: 0 open {sid,pingInterval,…}, 1 close, 2 ping → 3 pong,
// 4 message, 6 noop. A message carries a Socket.IO packet: 0 CONNECT (we send the auth object,
// the server answers {sid}), 1 DISCONNECT, 2 EVENT [name, …args] with an optional ack id before
// the array, 3 ACK <id>[…args], 4 CONNECT_ERROR {message, data}, 5/6 binary (unsupported).
import type { Socket } from 'node:net';
import WebSocket from 'ws';

export class WireProtocolError extends Error {
  override name = 'WireProtocolError';
}

/** A refused Socket.IO CONNECT, shaped like socket.io-client's `connect_error`: `message` and `data`. */
export class WireConnectError extends Error {
  override name = 'WireConnectError';
  constructor(
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

export type RawHandler = (frame: string) => void;
export type EventHandler = (...args: any[]) => void;
/** Called once: with the server's single ack argument, or with an error (timeout, closed). */
export type AckCallback = (err: Error | null, response?: any) => void;

export interface WireConnectOptions {
  /** The CONNECT payload (Tandem: `{ token, protocol: 1 }`). */
  auth?: Record<string, unknown>;
  /** Resolve once this event has arrived (Tandem greets with `session`); null: at the CONNECT reply. */
  waitFor?: string | null;
  timeoutMs?: number;
}

const BODY_START = 4; // `42["` — the event name starts here

export class WireSocket {
  /** Engine.io pings answered with a pong. */
  pings = 0;
  /** Acks that arrived after their timeout had already failed them. */
  lateAcks = 0;
  /** Why the connection ended (null while open). */
  closeReason: string | null = null;
  /** The payload of the event named in `waitFor`, once it arrived. */
  greeting: unknown;
  /** In batched-read mode: batches begun so far. */
  batches = 0;
  /** TCP read events since batched reads were first turned on (one per batch that found data, when small). */
  readEvents = 0;

  private readonly ws: WebSocket;
  private readonly rawHandlers = new Map<string, RawHandler[]>();
  private readonly handlers = new Map<string, EventHandler[]>();
  private readonly acks = new Map<number, { cb: AckCallback; timer: NodeJS.Timeout }>();
  private readonly timedOut = new Set<number>();
  private readonly closeHandlers: Array<(reason: string) => void> = [];
  private readonly errorHandlers: Array<(err: Error) => void> = [];
  private readonly authFrame: string;
  private nextAckId = 0;
  private engineOpen = false;
  private connected = false;
  /** The pending `connect()`: resolve at the CONNECT reply (waitFor null) or at the greeting event. */
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private resolveAtConnect = false;
  /** Batched-read mode: the timer that drains the receive buffer (first after a phase, then every interval). */
  private batchTimer: NodeJS.Timeout | null = null;
  private countingReads = false;

  private constructor(url: string, auth: Record<string, unknown> | undefined) {
    const base = url.replace(/^http/, 'ws').replace(/\/$/, '');
    // No permessage-deflate (the server has it off) and no Origin header (Tandem checks one if sent).
    this.ws = new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    this.authFrame = `40${auth ? JSON.stringify(auth) : ''}`;
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return this.fail(new WireProtocolError('binary frame: this client speaks JSON packets only'));
      this.onFrame((data as Buffer).toString());
    });
    this.ws.on('error', (err) => this.end(`transport error: ${err.message}`, err));
    this.ws.on('close', (code, reason) => this.end(`transport close ${code}${reason.length ? ` ${reason.toString()}` : ''}`));
  }

  /**
   * Connects and resolves once the server accepted the CONNECT (and sent `waitFor`, default
   * `session`); rejects with a WireConnectError on CONNECT_ERROR, else with the transport's error.
   */
  static connect(url: string, opts: WireConnectOptions = {}): Promise<WireSocket> {
    const s = new WireSocket(url, opts.auth);
    const waitFor = opts.waitFor === undefined ? 'session' : opts.waitFor;
    return new Promise<WireSocket>((resolve, reject) => {
      const timer = setTimeout(() => {
        s.settle = null;
        s.close();
        reject(new Error(`connect timed out after ${opts.timeoutMs ?? 10_000} ms`));
      }, opts.timeoutMs ?? 10_000);
      const done = (err?: Error) => {
        clearTimeout(timer);
        s.settle = null;
        if (err) {
          s.close();
          reject(err);
        } else resolve(s);
      };
      s.settle = { resolve: () => done(), reject: done };
      if (waitFor === null) s.resolveAtConnect = true;
      else {
        const onGreeting = (payload: unknown) => {
          s.off(waitFor, onGreeting);
          s.greeting = payload;
          s.settle?.resolve();
        };
        s.on(waitFor, onGreeting);
      }
    });
  }

  get isConnected(): boolean {
    return this.connected && this.closeReason === null;
  }

  /** `handler(frame)` gets the whole text frame `42["event",…]` of each `event`, unparsed. */
  onRaw(event: string, handler: RawHandler): this {
    this.rawHandlers.set(event, [...(this.rawHandlers.get(event) ?? []), handler]);
    return this;
  }

  /** `handler(...args)` with the event's arguments, JSON-parsed. */
  on(event: string, handler: EventHandler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  off(event: string, handler: EventHandler): this {
    const left = (this.handlers.get(event) ?? []).filter((h) => h !== handler);
    if (left.length) this.handlers.set(event, left);
    else this.handlers.delete(event);
    return this;
  }

  /** The connection ended, for any reason other than `close()`. */
  onClose(handler: (reason: string) => void): this {
    this.closeHandlers.push(handler);
    return this;
  }

  /** A protocol violation after connecting; without a handler it is thrown (crashing the bench). */
  onError(handler: (err: Error) => void): this {
    this.errorHandlers.push(handler);
    return this;
  }

  /**
   * Sends `42["event",payload]`, or with `ack` `42<id>["event",payload]`: `ack(null, response)`
   * runs synchronously when `43<id>[response]` is read (so it is ordered with the events around
   * it, as with socket.io-client), `ack(error)` after `timeoutMs` or when the connection ends.
   */
  emit(event: string, payload: unknown, ack?: AckCallback, timeoutMs = 30_000): void {
    if (!this.isConnected) throw new Error(`emit ${event}: not connected (${this.closeReason ?? 'connecting'})`);
    const body = JSON.stringify([event, payload]);
    if (!ack) {
      this.ws.send(`42${body}`);
      return;
    }
    const id = this.nextAckId++;
    const timer = setTimeout(() => {
      this.acks.delete(id);
      this.timedOut.add(id);
      ack(new Error(`${event}: no ack within ${timeoutMs} ms`));
    }, timeoutMs);
    this.acks.set(id, { cb: ack, timer });
    this.ws.send(`42${id}${body}`);
  }

  /** `emit` with an ack, as a promise of the server's answer. */
  emitWithAck<T = any>(event: string, payload: unknown, timeoutMs = 30_000): Promise<T> {
    return new Promise<T>((resolve, reject) => this.emit(event, payload, (err, res) => (err ? reject(err) : resolve(res as T)), timeoutMs));
  }

  /**
   * Batched-read mode: stop reading from the TCP socket and, every `intervalMs` (the first time
   * after `phaseMs`, to spread many connections' batches over the interval), read everything the
   * kernel holds for it in one go, then stop again. Frames are handled exactly as before, in order,
   * at most about one interval late; engine.io pongs go out at the next batch (Tandem allows 8 s).
   *
   * `socket.pause()` is not enough: Node keeps reading a paused socket into its stream buffer until
   * that holds highWaterMark (16 KB), so each frame would still cost one read event. Stopping the
   * handle's reads leaves the bytes in the kernel. Node only restarts reads itself when it stopped
   * them (`handle.reading` false), which a flowing socket never does, so the stop holds until ours.
   */
  readInBatches(intervalMs: number, phaseMs = 0): this {
    if (!this.isConnected) throw new Error(`readInBatches: not connected (${this.closeReason ?? 'connecting'})`);
    if (this.batchTimer) throw new Error('readInBatches: already reading in batches');
    if (!(intervalMs > 0) || !(phaseMs >= 0)) throw new RangeError(`readInBatches: bad interval ${intervalMs} ms or phase ${phaseMs} ms`);
    const socket = (this.ws as unknown as { _socket: Socket | null })._socket;
    const handle = tcpHandle(socket);
    if (!this.countingReads) {
      this.countingReads = true;
      socket!.on('data', () => void this.readEvents++);
    }
    handle.readStop();
    const batch = () => {
      this.batches++;
      handle.readStart();
      // Everything the kernel holds is read in this loop iteration's poll phase (timers → poll →
      // check), so stop again right after it: what arrives later waits for the next batch.
      setImmediate(() => {
        if (this.batchTimer) handle.readStop();
      });
    };
    this.batchTimer = setTimeout(() => {
      batch();
      this.batchTimer = setInterval(batch, intervalMs);
    }, phaseMs);
    return this;
  }

  /** Leaves batched-read mode: reads resume at once (a no-op when not batching). */
  readImmediately(): this {
    if (!this.batchTimer) return this;
    clearTimeout(this.batchTimer);
    this.batchTimer = null;
    // A destroyed socket has no handle left to restart (and nothing more to read).
    const handle = (this.ws as unknown as { _socket: { _handle?: Partial<StreamHandle> | null } | null })._socket?._handle;
    handle?.readStart?.();
    return this;
  }

  /** Leaves the namespace (`41`) and closes the WebSocket, as socket.io-client's `close()` does. */
  close(): void {
    if (this.closeReason !== null) return;
    if (this.connected && this.ws.readyState === WebSocket.OPEN) this.ws.send('41');
    this.end('closed by client');
  }

  private onFrame(frame: string): void {
    if (this.closeReason !== null) return; // closing: what still arrives is not ours to act on
    switch (frame.charCodeAt(0)) {
      case 0x34: // 4 message
        return this.onSocketIoPacket(frame);
      case 0x32: // 2 ping
        if (frame.length !== 1) return this.fail(new WireProtocolError(`unexpected ping ${excerpt(frame)} (probes belong to transport upgrades)`));
        this.pings++;
        this.ws.send('3');
        return;
      case 0x30: {
        // 0 open
        if (this.engineOpen) return this.fail(new WireProtocolError(`second open packet ${excerpt(frame)}`));
        let open: { sid?: unknown; pingInterval?: unknown };
        try {
          open = JSON.parse(frame.slice(1)) as typeof open;
        } catch {
          return this.fail(new WireProtocolError(`bad open packet ${excerpt(frame)}`));
        }
        if (typeof open.sid !== 'string' || typeof open.pingInterval !== 'number') return this.fail(new WireProtocolError(`bad open packet ${excerpt(frame)}`));
        this.engineOpen = true;
        this.ws.send(this.authFrame);
        return;
      }
      case 0x31: // 1 close
        return this.end('server closed the engine.io session');
      case 0x36: // 6 noop
        return;
      default:
        return this.fail(new WireProtocolError(`unknown engine.io packet ${excerpt(frame)}`));
    }
  }

  private onSocketIoPacket(frame: string): void {
    if (!this.engineOpen) return this.fail(new WireProtocolError(`message before the open packet: ${excerpt(frame)}`));
    const type = frame.charCodeAt(1);
    if (type === 0x32) {
      // 2 EVENT — the hot path: `42["name",…]`.
      if (!this.connected) return this.fail(new WireProtocolError(`event before CONNECT was accepted: ${excerpt(frame)}`));
      if (frame.charCodeAt(2) !== 0x5b) {
        return this.fail(new WireProtocolError(`event with a namespace or an ack request, unsupported: ${excerpt(frame)}`));
      }
      const end = frame.indexOf('"', BODY_START);
      let name = end > 0 && frame.charCodeAt(3) === 0x22 ? frame.slice(BODY_START, end) : '';
      const after = frame.charCodeAt(end + 1);
      // Names with escapes (or anything odd) take the slow, exact way.
      if (name === '' || name.includes('\\') || (after !== 0x2c && after !== 0x5d)) {
        const parsed = this.parseArray(frame, 2);
        if (!parsed || typeof parsed[0] !== 'string') return this.fail(new WireProtocolError(`event without a name: ${excerpt(frame)}`));
        name = parsed[0];
      }
      const raws = this.rawHandlers.get(name);
      if (raws) for (const h of raws) h(frame);
      const hs = this.handlers.get(name);
      if (hs) {
        const args = this.parseArray(frame, 2);
        if (!args) return;
        for (const h of [...hs]) h(...args.slice(1));
      }
      return;
    }
    if (type === 0x33) {
      // 3 ACK `43<id>[…]`
      const open = frame.indexOf('[', 2);
      const id = open > 2 && /^\d+$/.test(frame.slice(2, open)) ? Number(frame.slice(2, open)) : NaN;
      if (Number.isNaN(id)) return this.fail(new WireProtocolError(`ack without an id: ${excerpt(frame)}`));
      const pending = this.acks.get(id);
      if (!pending) {
        if (this.timedOut.delete(id)) return void this.lateAcks++;
        return this.fail(new WireProtocolError(`ack for unknown id ${id}: ${excerpt(frame)}`));
      }
      const args = this.parseArray(frame, open);
      if (!args) return;
      if (args.length !== 1) return this.fail(new WireProtocolError(`ack with ${args.length} arguments (Tandem answers with one): ${excerpt(frame)}`));
      this.acks.delete(id);
      clearTimeout(pending.timer);
      pending.cb(null, args[0]);
      return;
    }
    if (type === 0x30) {
      // 0 CONNECT accepted: `40{"sid":…}`
      if (this.connected) return this.fail(new WireProtocolError(`second CONNECT: ${excerpt(frame)}`));
      this.connected = true;
      if (this.resolveAtConnect) this.settle?.resolve();
      return;
    }
    if (type === 0x34) {
      // 4 CONNECT_ERROR: `44{"message":…,"data":…}`
      let body: { message?: unknown; data?: unknown } = {};
      try {
        body = JSON.parse(frame.slice(2)) as typeof body;
      } catch {
        return this.fail(new WireProtocolError(`bad CONNECT_ERROR ${excerpt(frame)}`));
      }
      const err = new WireConnectError(String(body.message ?? 'connect_error'), body.data);
      if (this.settle) return this.settle.reject(err);
      return this.fail(err);
    }
    if (type === 0x31) return this.end('server disconnected the socket (41)');
    return this.fail(new WireProtocolError(`unsupported Socket.IO packet (binary or unknown type): ${excerpt(frame)}`));
  }

  private parseArray(frame: string, from: number): unknown[] | null {
    let v: unknown;
    try {
      v = JSON.parse(frame.slice(from));
    } catch {
      this.fail(new WireProtocolError(`packet data is not JSON: ${excerpt(frame)}`));
      return null;
    }
    if (!Array.isArray(v)) {
      this.fail(new WireProtocolError(`packet data is not an array: ${excerpt(frame)}`));
      return null;
    }
    return v;
  }

  /** A protocol violation: the connection is closed and the error surfaces (never swallowed). */
  private fail(err: Error): void {
    if (this.closeReason !== null) return;
    const connecting = this.settle !== null;
    this.end(`protocol error: ${err.message}`, err); // rejects a pending connect() with err
    this.ws.terminate();
    if (connecting) return;
    for (const h of this.errorHandlers) h(err);
    if (this.errorHandlers.length === 0)
      process.nextTick(() => {
        throw err;
      });
  }

  private end(reason: string, cause?: Error): void {
    if (this.closeReason !== null) return;
    const byUs = reason === 'closed by client';
    this.closeReason = reason;
    this.connected = false;
    this.readImmediately(); // the closing handshake needs the server's close frame
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    const err = cause ?? new Error(`connection ended: ${reason}`);
    for (const [id, { cb, timer }] of this.acks) {
      clearTimeout(timer);
      this.acks.delete(id);
      cb(err);
    }
    if (this.settle) this.settle.reject(err);
    if (!byUs) for (const h of this.closeHandlers) h(reason);
  }
}

interface StreamHandle {
  readStart(): number;
  readStop(): number;
}

/** The libuv stream handle under a connected socket (`net.Socket#_handle`). */
function tcpHandle(socket: Socket | null): StreamHandle {
  const handle = (socket as unknown as { _handle?: Partial<StreamHandle> } | null)?._handle;
  if (typeof handle?.readStart !== 'function' || typeof handle.readStop !== 'function') {
    throw new Error('batched reads need the TCP handle of a connected plain WebSocket (ws `_socket._handle`)');
  }
  return handle as StreamHandle;
}

const excerpt = (frame: string) => JSON.stringify(frame.length > 160 ? `${frame.slice(0, 160)}…` : frame);

/**
 * The string value of `"key":"…"` in a raw frame (no escapes allowed in the value), for receivers
 * that skip JSON.parse. The caller knows `key` occurs once in the frame; throws when it is absent.
 */
export function rawString(frame: string, key: string): string {
  const needle = `"${key}":"`;
  const i = frame.indexOf(needle);
  if (i < 0) throw new WireProtocolError(`no string "${key}" in ${excerpt(frame)}`);
  const start = i + needle.length;
  const end = frame.indexOf('"', start);
  const value = frame.slice(start, end);
  if (end < 0 || value.includes('\\')) throw new WireProtocolError(`"${key}" is not a plain string in ${excerpt(frame)}`);
  return value;
}

/** The number value of `"key":123.4` in a raw frame (see rawString); throws when absent or not a number. */
export function rawNumber(frame: string, key: string): number {
  const needle = `"${key}":`;
  const i = frame.indexOf(needle);
  if (i < 0) throw new WireProtocolError(`no number "${key}" in ${excerpt(frame)}`);
  const start = i + needle.length;
  let end = start;
  for (let c = frame.charCodeAt(end); (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45; c = frame.charCodeAt(++end));
  const value = end > start ? Number(frame.slice(start, end)) : NaN;
  if (!Number.isFinite(value)) throw new WireProtocolError(`"${key}" is not a number in ${excerpt(frame)}`);
  return value;
}
