import { io, type Socket } from 'socket.io-client';
import type { Ack, ConnectionState, Emitter, OverlayEvents, RoomState, SessionUser } from './types.js';
import { PROTOCOL_VERSION } from '../../realtime/protocol.js';

/** After this many failed attempts in a row the indicator says "offline" (we keep trying). */
const OFFLINE_AFTER_ATTEMPTS = 4;

export interface Connection {
  socket: Socket;
  readonly state: ConnectionState;
  readonly room: RoomState | null;
  readonly user: SessionUser | null;
  getToken(): Promise<string>;
  request<T>(event: string, payload: unknown, timeoutMs?: number): Promise<Ack<T>>;
  start(): void;
  /** Joins the page's room again on this connection (its fields changed); the next reconnect would anyway. */
  rejoin(): Promise<void>;
  /** Leaves the room at once (others see us go now, not after the reconnect grace period). */
  leave(): Promise<void>;
  stop(): void;
}

export interface ConnectionOptions {
  serverUrl: string;
  tokenUrl: string;
  events: Emitter<OverlayEvents>;
  /** The page context for room:join, computed each time (the URL may have changed). */
  context: () => unknown;
}

export async function fetchToken(tokenUrl: string): Promise<string> {
  const res = await fetch(tokenUrl, { credentials: 'include', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== 'string' || !body.token) throw new Error('token endpoint must answer JSON {"token": "…"}');
  return body.token;
}

/**
 * The socket's life: token → connect (websocket first) → session → room:join, again after every
 * reconnect; token refresh before expiry; reconnect with backoff, also after the server itself
 * disconnected us (restart, expired token).
 */
export function createConnection(opts: ConnectionOptions): Connection {
  const { events } = opts;
  let state: ConnectionState = 'connecting';
  let room: RoomState | null = null;
  let user: SessionUser | null = null;
  let everJoined = false;
  let failures = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let leaving = false;
  let joining: Promise<void> | null = null;

  const getToken = () => fetchToken(opts.tokenUrl);

  const socket = io(opts.serverUrl, {
    path: '/socket.io/',
    transports: ['websocket', 'polling'],
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 8_000,
    randomizationFactor: 0.5,
    withCredentials: false,
    // A function: every (re)connect fetches a fresh token.
    auth: (cb) => {
      getToken().then(
        (token) => cb({ token, protocol: PROTOCOL_VERSION }),
        (err: Error) => {
          console.warn('tandem: could not get a token:', err.message);
          cb({ protocol: PROTOCOL_VERSION });
        },
      );
    },
  });

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    events.emit('connection', { state });
  };

  const request = <T>(event: string, payload: unknown, timeoutMs = 10_000): Promise<Ack<T>> =>
    (socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>).catch(() => ({
      ok: false as const,
      error: { code: 'timeout', message: `No answer to ${event} within ${timeoutMs} ms` },
    }));

  const scheduleRefresh = (expiresAt: string) => {
    clearTimeout(refreshTimer);
    const left = Date.parse(expiresAt) - Date.now();
    if (!Number.isFinite(left)) return;
    // Refresh at 80% of the remaining lifetime, at least 5 s from now.
    const delay = Math.min(Math.max(5_000, left * 0.8), 2 ** 31 - 1);
    refreshTimer = setTimeout(async () => {
      try {
        const token = await getToken();
        const r = await request<{ expiresAt: string }>('auth:refresh', { token });
        if (r.ok) scheduleRefresh(r.expiresAt);
        else console.warn('tandem: token refresh refused:', r.error.message);
      } catch (err) {
        console.warn('tandem: token refresh failed:', (err as Error).message);
        scheduleRefresh(new Date(Date.now() + 30_000).toISOString());
      }
    }, delay);
  };

  const join = () => (joining = joinRoom().finally(() => (joining = null)));
  const joinRoom = async () => {
    const r = await request<Omit<RoomState, 'answer'>>('room:join', { context: opts.context() });
    if (leaving) {
      if (r.ok) room = { roomId: r.roomId, pageKey: r.pageKey, permissions: r.permissions, created: r.created, answer: {} };
      return; // this overlay is leaving the page: nobody is told of a room it will not stay in
    }
    if (!r.ok) {
      room = null;
      console.warn(`tandem: could not join this page (${r.error.code}): ${r.error.message}`);
      events.emit('joinFailed', r.error);
      return;
    }
    const { ok: _ok, ...answer } = r;
    room = { roomId: r.roomId, pageKey: r.pageKey, permissions: r.permissions, created: r.created, answer };
    const rejoin = everJoined;
    everJoined = true;
    events.emit('joined', { room, rejoin });
  };

  socket.on('session', (s: { user: SessionUser; expiresAt: string }) => {
    user = s.user;
    failures = 0;
    scheduleRefresh(s.expiresAt);
    setState('connected');
    if (!leaving) void join();
  });
  socket.on('connect', () => {
    if (everJoined) events.emit('reconnected', undefined);
  });
  socket.on('disconnect', (reason) => {
    room = null;
    clearTimeout(refreshTimer);
    if (stopped) return;
    setState(navigator.onLine === false ? 'offline' : 'reconnecting');
    events.emit('disconnected', { reason });
    // socket.io does not retry after the server disconnected us on purpose (restart, expiry): we do.
    if (reason === 'io server disconnect') retry();
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    failures++;
    if (stopped) return;
    setState(failures >= OFFLINE_AFTER_ATTEMPTS || navigator.onLine === false ? 'offline' : 'reconnecting');
    // A refused handshake (bad token, origin) is not retried by socket.io: back off and try again.
    if (!socket.active) retry();
  });
  socket.on('server:going-away', (m: { reconnectInMs?: number }) => {
    setState('reconnecting');
    void m;
  });
  socket.on('auth:expired', () => setState('reconnecting'));

  const retry = () => {
    clearTimeout(retryTimer);
    const delay = Math.min(8_000, 500 * 2 ** Math.min(failures, 4)) * (0.75 + Math.random() * 0.5);
    retryTimer = setTimeout(() => {
      if (!stopped && !socket.connected) socket.connect();
    }, delay);
  };

  const onOnline = () => {
    if (!socket.connected) {
      setState('reconnecting');
      socket.connect();
    }
  };
  const onOffline = () => setState('offline');

  return {
    socket,
    get state() {
      return state;
    },
    get room() {
      return room;
    },
    get user() {
      return user;
    },
    getToken,
    request,
    start() {
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      socket.connect();
    },
    async rejoin() {
      if (joining) await joining;
      if (!leaving && !stopped && socket.connected && user) await join();
    },
    async leave() {
      leaving = true;
      // A join on its way would land after we left: wait for its answer, then leave that room.
      if (joining) await Promise.race([joining, new Promise((r) => setTimeout(r, 1500))]);
      const r = room;
      if (!r || !socket.connected) return;
      room = null;
      await request('room:leave', { roomId: r.roomId }, 1500);
    },
    stop() {
      stopped = true;
      clearTimeout(refreshTimer);
      clearTimeout(retryTimer);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      socket.disconnect();
    },
  };
}
