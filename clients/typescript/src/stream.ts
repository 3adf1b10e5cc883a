import WebSocket from 'ws';
import type { components } from './schema.js';

type TandemEvent = components['schemas']['Event'];
type StreamFrame = components['schemas']['StreamFrame'];
type Hello = Extract<StreamFrame, { type: 'hello' }>;

export interface EventStreamOptions {
  /** Where Tandem runs, e.g. https://tandem.example.com. */
  baseUrl: string;
  /** The tenant's API key (the stream takes no user tokens). */
  apiKey: string;
  /** Event types or prefixes (`chat.*`); all when omitted. */
  types?: string[];
  /** Page-key patterns (`shop.order:*`); all rooms when omitted. */
  rooms?: string[];
  /** Resume right after this event (what you stored from the last run); live from now when omitted. */
  lastEventId?: string;
  /**
   * Called once per event, one at a time, in the server's order. The stream's resume point moves
   * past an event only after this resolves, so an event whose handler threw is sent again after
   * the reconnect (at least once: deduplicate on `event.id` if a handler is not idempotent).
   */
  onEvent: (event: TandemEvent) => void | Promise<void>;
  /** The resume point was gone (unknown or past STREAM_RETENTION_SECONDS); replay restarts at the oldest retained event. */
  onReset?: (reason: string) => void;
  /** Every (re)connection's greeting: `resume` says whether it continued where it stopped. */
  onHello?: (hello: Hello) => void;
  /** A connection ended; `willRetry` is false only after close() or a refusal that retrying cannot fix. */
  onDisconnect?: (info: { code: number; reason: string; willRetry: boolean }) => void;
  /** Reconnect backoff: doubles from minDelayMs up to maxDelayMs (with jitter). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface EventStream {
  /** The id of the last event handled: store it, and pass it as lastEventId next time. */
  readonly lastEventId: string | undefined;
  /** Resolves with the first connection's greeting. */
  readonly ready: Promise<Hello>;
  /** Stops for good (no reconnect). */
  close(): void;
}

/** Close codes after which reconnecting would be refused the same way (policy: bad query). */
const FATAL = new Set([1008]);

/**
 * Opens /api/v1/stream and keeps it open: after any disconnect it reconnects with the last handled
 * event id, so no event is missed within the server's retention window. Node only (it needs to
 * send the Authorization header on the upgrade, which browsers' WebSocket cannot).
 */
export function openEventStream(opts: EventStreamOptions): EventStream {
  let lastEventId = opts.lastEventId;
  let closed = false;
  let socket: WebSocket | undefined;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resolveReady!: (h: Hello) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<Hello>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  ready.catch(() => undefined);

  const url = () => {
    const u = new URL('/api/v1/stream', opts.baseUrl.replace(/^http/, 'ws'));
    if (opts.types?.length) u.searchParams.set('types', opts.types.join(','));
    if (opts.rooms?.length) u.searchParams.set('rooms', opts.rooms.join(','));
    if (lastEventId) u.searchParams.set('lastEventId', lastEventId);
    return u.toString();
  };

  function connect() {
    const ws = new WebSocket(url(), { headers: { authorization: `Bearer ${opts.apiKey}` } });
    socket = ws;
    // Frames are handled strictly in order; a handler that throws ends this connection, and the
    // reconnect resumes from the last event that was handled.
    let chain = Promise.resolve();
    let failed = false;
    ws.on('message', (data) => {
      chain = chain.then(async () => {
        if (failed || closed) return;
        const frame = JSON.parse(String(data)) as StreamFrame;
        switch (frame.type) {
          case 'hello':
            attempt = 0;
            opts.onHello?.(frame);
            resolveReady(frame);
            return;
          case 'event':
            try {
              await opts.onEvent(frame.event);
              lastEventId = frame.event.id;
            } catch {
              failed = true;
              ws.terminate();
            }
            return;
          case 'reset':
            opts.onReset?.(frame.reason);
            return;
          case 'error':
            rejectReady(new Error(`${frame.error.code}: ${frame.error.message}`));
            return;
          case 'pong':
            return;
        }
      });
    });
    ws.on('unexpected-response', (_req, res) => {
      // A refused upgrade (bad key: 401, wrong credential: 403) will be refused again.
      const status = res.statusCode ?? 0;
      const fatal = status === 401 || status === 403;
      rejectReady(new Error(`stream refused: HTTP ${status}`));
      ws.terminate();
      if (fatal) closed = true;
      opts.onDisconnect?.({ code: status, reason: `HTTP ${status}`, willRetry: !closed });
      if (!closed) schedule();
    });
    ws.on('error', () => undefined); // 'close' follows and decides.
    ws.on('close', (code, reason) => {
      if (socket !== ws) return;
      const fatal = FATAL.has(code);
      if (fatal) closed = true;
      opts.onDisconnect?.({ code, reason: String(reason), willRetry: !closed });
      if (!closed) schedule();
    });
  }

  function schedule() {
    socket = undefined;
    const min = opts.minDelayMs ?? 250;
    const max = opts.maxDelayMs ?? 10_000;
    const delay = Math.min(max, min * 2 ** attempt++) * (0.5 + Math.random() / 2);
    clearTimeout(timer);
    timer = setTimeout(() => !closed && connect(), delay);
  }

  connect();
  return {
    get lastEventId() {
      return lastEventId;
    },
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000, 'client closed');
      socket = undefined;
    },
  };
}
