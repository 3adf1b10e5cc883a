import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { UserIdentity } from '../auth/identity.js';
import { type ErrorBody, publicError, RETRY_AFTER_MS, validationError } from '../errors.js';
import { inputProblem } from '../input.js';
import type { UserCaller } from '../ports/caller.js';
import type { Connection, RoomMembership } from '../ports/connection.js';
import { connectionOf, socketCaller } from './connection.js';

export type { RoomMembership } from '../ports/connection.js';

export interface SocketData {
  user: UserIdentity;
  /** Rooms joined on this connection, by room id. */
  rooms: Map<string, RoomMembership>;
  /** Serializes this connection's handlers: messages are handled one at a time, in order. */
  queue: Promise<unknown>;
}

export type TandemSocket = Socket<Record<string, (...args: any[]) => void>, Record<string, (...args: any[]) => void>, Record<string, never>, SocketData>;

export interface HandlerContext {
  socket: TandemSocket;
  user: UserIdentity;
  log: Logger;
  /** The connection as services see it. */
  conn: Connection;
  /** The caller, with its standing in `roomId` when given (services check the right they need). */
  caller: (roomId?: string) => UserCaller;
}

export type Ack<R> = { ok: true } & R | { ok: false; error: ErrorBody };

export interface HandlerOptions {
  /** false for messages that need no ordering (caret updates): they skip the per-connection queue. */
  serial?: boolean;
}

export interface Handler<S extends z.ZodType, R extends object | void> {
  event: string;
  schema: S;
  handle: (ctx: HandlerContext, payload: z.infer<S>) => Promise<R> | R;
  options?: HandlerOptions;
}

/** Declares a socket event handler; features export these and the gateway wires them. */
export function defineHandler<S extends z.ZodType, R extends object | void>(
  event: string,
  schema: S,
  handle: (ctx: HandlerContext, payload: z.infer<S>) => Promise<R> | R,
  options?: HandlerOptions,
): Handler<S, R> {
  return { event, schema, handle, ...(options ? { options } : {}) };
}

/**
 * authenticate (done at handshake) → validate → handle → ack, written once. Every inbound
 * payload is parsed before anything else happens; errors become typed acks, never throws.
 */
export interface EventCounter {
  inc(labels: { event: string; outcome: 'ok' | 'error' }): void;
}

export interface PipelineEnv {
  log: Logger;
  inFlight: Set<Promise<unknown>>;
  counter?: EventCounter;
  /** Seconds from arrival to ack (queue wait included: what the client waits), and errors by code. */
  ackSeconds?: { observe(labels: { event: string }, seconds: number): void };
  errors?: { inc(labels: { surface: 'socket'; code: string }): void };
}

/**
 * One listener per connection for every event (socket.onAny), not one closure per event per
 * connection: with dozens of events that alone cost kilobytes per idle connection.
 */
export function bindHandlers(socket: TandemSocket, byEvent: ReadonlyMap<string, Handler<z.ZodType, object | void>>, env: PipelineEnv) {
  socket.onAny((event: string, payload?: unknown, maybeAck?: unknown) => {
    const handler = byEvent.get(event);
    const ack = typeof maybeAck === 'function' ? (maybeAck as (r: unknown) => void) : typeof payload === 'function' ? (payload as (r: unknown) => void) : undefined;
    if (!handler) {
      ack?.({ ok: false, error: { code: 'not_found', message: `Unknown event "${String(event).slice(0, 100)}"` } });
      return;
    }
    dispatch(socket, handler, typeof payload === 'function' ? undefined : payload, ack, env);
  });
}

function dispatch(
  socket: TandemSocket,
  handler: Handler<z.ZodType, object | void>,
  payload: unknown,
  ack: ((r: unknown) => void) | undefined,
  { log, inFlight, counter, ackSeconds, errors }: PipelineEnv,
) {
  const arrived = performance.now();
  const took = () => ackSeconds?.observe({ event: handler.event }, (performance.now() - arrived) / 1000);
  const run = async () => {
    const problem = inputProblem(payload);
    if (problem) throw validationError([problem], `${handler.event} payload`);
    const parsed = handler.schema.safeParse(payload);
    if (!parsed.success) throw validationError(parsed.error.issues, `${handler.event} payload`);
    const ctx: HandlerContext = { socket, user: socket.data.user, log, conn: connectionOf(socket), caller: (roomId) => socketCaller(socket, roomId) };
    return handler.handle(ctx, parsed.data);
  };
  const settle = (p: Promise<unknown>) =>
    p.then(
      (result) => {
        counter?.inc({ event: handler.event, outcome: 'ok' });
        took();
        ack?.({ ok: true, ...(result ?? {}) });
      },
      (err) => {
        counter?.inc({ event: handler.event, outcome: 'error' });
        const e = publicError(err);
        took();
        errors?.inc({ surface: 'socket', code: e.code });
        if (e.code === 'unavailable') log.warn({ err: (err as Error)?.message, event: handler.event, socketId: socket.id }, 'socket handler failed: dependency unavailable');
        else if (e.status >= 500) log.error({ err, event: handler.event, socketId: socket.id }, 'socket handler failed');
        // Acks have no Retry-After header: the hint travels in the error's details.
        const body = e.code === 'unavailable' && e.details === undefined ? { ...e.toBody(), details: { retryAfterMs: RETRY_AFTER_MS } } : e.toBody();
        ack?.({ ok: false, error: body });
      },
    );
  let done: Promise<unknown>;
  if (handler.options?.serial === false) {
    done = settle(run());
  } else {
    done = socket.data.queue = socket.data.queue.then(() => settle(run()));
  }
  inFlight.add(done);
  void done.finally(() => inFlight.delete(done));
}
