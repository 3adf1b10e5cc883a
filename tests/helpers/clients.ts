import { io, type Socket } from 'socket.io-client';

export interface ConnectOptions {
  origin?: string;
  auth?: Record<string, unknown>;
  query?: Record<string, string>;
  /** Keep reconnecting like the overlay does (default: off, so failures surface). */
  reconnection?: boolean;
}

/** A real Socket.IO client, resolved once the server has sent its `session` greeting. */
export function connect(url: string, token: string | undefined, opts: ConnectOptions = {}): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    auth: opts.auth ?? { token, protocol: 1 },
    query: opts.query,
    reconnection: opts.reconnection ?? false,
    forceNew: true,
    extraHeaders: opts.origin ? { origin: opts.origin } : {},
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.close(), reject(new Error('connect timed out'))), 15_000);
    socket.once('session', () => (clearTimeout(timer), resolve(socket)));
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(timer);
      socket.close();
      reject(Object.assign(err, { data: err.data }));
    });
  });
}

/** The error a refused connection attempt gets. */
export async function connectError(url: string, token: string | undefined, opts: ConnectOptions = {}) {
  try {
    const s = await connect(url, token, opts);
    s.close();
  } catch (err) {
    return err as Error & { data?: { code: string; message: string } };
  }
  throw new Error('connection was accepted but should have been refused');
}

export type AckResult = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

export function request<T = any>(socket: Socket, event: string, payload?: unknown, timeoutMs = 15_000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Resolves with the first `event` whose payload passes `match`. */
export function waitFor<T = any>(socket: Socket, event: string, match: (p: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.off(event, on), reject(new Error(`timed out waiting for ${event}`))), timeoutMs);
    const on = (p: T) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(p);
    };
    socket.on(event, on);
  });
}

/**
 * Every room event the socket hears, one at a time and in order, as the overlay reads them: alone
 * (`room:event`) or several of a busy room in one frame (`room:events`). Returns the unsubscribe.
 */
export function onRoomEvent<T = any>(socket: Socket, fn: (e: T) => void): () => void {
  const many = (m: { events: T[] }) => m.events.forEach(fn);
  socket.on('room:event', fn);
  socket.on('room:events', many);
  return () => (socket.off('room:event', fn), socket.off('room:events', many));
}

/** The first room event (alone or in a `room:events` frame) that matches. */
export function waitForRoomEvent<T = any>(socket: Socket, match: (e: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('timed out waiting for a room event'))), timeoutMs);
    const off = onRoomEvent<T>(socket, (e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
