import { createAdapter } from '@socket.io/redis-adapter';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { z } from 'zod';
import type { UserIdentity } from '../auth/identity.js';
import { readClusterId } from '../db/cluster-identity.js';
import { AppError, publicError } from '../errors.js';
import type { Broadcast, LocalConnections } from '../ports/broadcast.js';
import { type Peers, soloPeers } from '../ports/peers.js';
import { socketBroadcast } from './broadcast.js';
import { bindHandlers, defineHandler, type Handler, type TandemSocket } from './pipeline.js';
import { PROTOCOL_VERSION, SUPPORTED_PROTOCOLS } from './protocol.js';
import { createRedisPeers } from './peers.js';
import { createRedis } from './redis.js';
import { roomNames } from './rooms.js';

export { PROTOCOL_VERSION };
export const SOCKET_PATH = '/socket.io/';

type AnyHandler = Handler<z.ZodType, object | void>;
type ConnectionHook = (socket: TandemSocket) => void | Promise<void>;
type DisconnectHook = (socket: TandemSocket, reason: string) => void | Promise<void>;
type RefreshHook = (socket: TandemSocket) => void | Promise<void>;
type AdmissionHook = (user: UserIdentity) => void | Promise<void>;
type FanoutHook = () => void;

export interface Realtime {
  readonly io: Server;
  /** The Broadcast port services receive (Socket.IO behind it). */
  readonly broadcast: Broadcast;
  /** This instance's own connections (resync, the console): the view the Broadcast port hides. */
  readonly local: LocalConnections;
  readonly instanceId: string;
  /** The other instances (ownership of rooms, calls between instances); solo without Redis. */
  readonly peers: Peers;
  /** Registers handlers; call while the app is being built, before it is ready. */
  handle(...handlers: AnyHandler[]): void;
  onConnection(hook: ConnectionHook): void;
  onDisconnect(hook: DisconnectHook): void;
  /** After auth:refresh swapped in a new token (same user): rights it no longer grants must stop now. */
  onRefresh(hook: RefreshHook): void;
  /** A check run on every authenticated handshake before it is accepted (e.g. connections per user); throw to refuse. */
  admit(hook: AdmissionHook): void;
  /** Resolves when every socket message being handled now has been answered. */
  drain(): Promise<void>;
  /** Called when cross-instance fan-out works again after an outage (Redis reconnected, or a publish failed): broadcasts may have been lost. */
  onFanoutRestored(hook: FanoutHook): void;
  /** false while the Redis adapter cannot publish or receive (always true without Redis). */
  readonly fanoutUp: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime;
  }
}

const refreshSchema = z.object({ token: z.string().min(1).max(8192) });

export default fp(
  async function gateway(app) {
    const { config } = app;
    const instanceId = randomUUID();
    const log = app.log.child({ component: 'realtime' });
    const allowed = new Set(config.allowedOrigins);

    const io = new Server({
      path: SOCKET_PATH,
      transports: ['websocket', 'polling'],
      perMessageDeflate: false,
      httpCompression: false,
      maxHttpBufferSize: config.limits.socketMessageBytes,
      pingInterval: 10_000,
      pingTimeout: 8_000,
      // engine.io must leave upgrades it does not own to @fastify/websocket (see below).
      destroyUpgrade: false,
      cors: { origin: [...allowed], credentials: true },
      // CORS headers do not protect WebSockets: the handshake itself checks Origin.
      allowRequest: (req: IncomingMessage, callback) => {
        const origin = req.headers.origin;
        if (origin === undefined || allowed.has(origin)) return callback(null, true);
        log.warn({ origin }, 'socket handshake from a disallowed origin');
        callback('origin_not_allowed', false);
      },
    });

    const fanoutHooks: FanoutHook[] = [];
    // Broadcasts published or due while either adapter client was down never arrive anywhere:
    // once both are back, the hooks tell every client where its rooms stand (features/resync).
    const fanout = { lost: false, pubUp: true, subUp: true };
    const fanoutChanged = () => {
      if (!fanout.pubUp || !fanout.subUp || !fanout.lost) return;
      fanout.lost = false;
      log.info('cross-instance fan-out restored; announcing room heads');
      for (const hook of fanoutHooks) {
        try {
          hook();
        } catch (err) {
          log.error({ err }, 'fan-out restored hook failed');
        }
      }
    };
    let peers: Peers = soloPeers;
    const clusterId = app.redis ? await readClusterId(app.db) : null;
    if (app.redis && clusterId) {
      const redisPeers = createRedisPeers({ instanceId, clusterId, pub: createRedis(config.redisUrl!, log, 'peers-pub'), sub: createRedis(config.redisUrl!, log, 'peers-sub'), log });
      redisPeers.start();
      peers = redisPeers;
      // Leaving first: the others stop routing to this instance while it drains what it holds.
      app.addHook('preClose', () => redisPeers.close());
      app.addHook('onClose', () => redisPeers.quit());
      new Gauge({
        name: 'tandem_cluster_instances',
        help: 'Live Tandem instances this one sees (itself included; 0 while Redis is unreachable): rooms are owned among them',
        registers: [app.metrics.registry],
        collect() {
          this.set(redisPeers.members().length);
        },
      });
    } else if (app.redis) {
      log.warn('the database has no cluster identity; this instance writes every room itself');
    }
    if (app.redis) {
      const pub = createRedis(config.redisUrl!, log, 'adapter-pub');
      // The adapter publishes without awaiting; during a Redis outage (or while closing) each
      // rejected publish would be an unhandled rejection. Fan-out is lossy by design (clients
      // detect gaps and catch up from Postgres), so a failed publish is logged, never fatal.
      const publish = pub.publish.bind(pub) as (channel: string, message: string | Buffer) => Promise<number>;
      let lastPublishWarning = 0;
      pub.publish = ((channel: string, message: string | Buffer) => {
        const p = publish(channel, message);
        p.catch((err: Error) => {
          if (Date.now() - lastPublishWarning < 5_000) return;
          lastPublishWarning = Date.now();
          log.warn({ err: err.message }, 'redis publish failed; fan-out to other instances skipped');
        });
        p.then(
          () => fanoutChanged(),
          () => (fanout.lost = true),
        );
        return p;
      }) as typeof pub.publish;
      const sub = createRedis(config.redisUrl!, log, 'adapter-sub');
      for (const [client, up] of [[pub, 'pubUp'], [sub, 'subUp']] as const) {
        client.on('close', () => {
          fanout[up] = false;
          fanout.lost = true;
        });
        client.on('ready', () => {
          fanout[up] = true;
          fanoutChanged();
        });
      }
      io.adapter(createAdapter(pub, sub, { key: 'tandem' }));
      app.addHook('onClose', async () => {
        await Promise.allSettled([pub.quit(), sub.quit()]);
      });
    }

    // Both engine.io and @fastify/websocket listen to the server's 'upgrade' event; each would
    // answer the other's requests. One dispatcher hands each upgrade to exactly one of them.
    const server = app.server;
    const before = new Set(server.listeners('upgrade'));
    io.attach(server);
    const ioListeners = server.listeners('upgrade').filter((l) => !before.has(l));
    const otherListeners = [...before];
    server.removeAllListeners('upgrade');
    server.on('upgrade', (req: IncomingMessage, ...rest: unknown[]) => {
      const mine = req.url?.startsWith(SOCKET_PATH) ? ioListeners : otherListeners;
      for (const l of mine) (l as (...a: unknown[]) => void).call(server, req, ...rest);
    });

    const handlers = new Map<string, AnyHandler>();
    const register = (...hs: AnyHandler[]) => {
      for (const h of hs) {
        if (handlers.has(h.event)) throw new Error(`socket event "${h.event}" has two handlers`);
        handlers.set(h.event, h);
      }
    };
    const connectionHooks: ConnectionHook[] = [];
    const disconnectHooks: DisconnectHook[] = [];
    const refreshHooks: RefreshHook[] = [];
    const admissionHooks: AdmissionHook[] = [];
    const inFlight = new Set<Promise<unknown>>();
    const expiryTimers = new Map<string, NodeJS.Timeout>();

    io.use(async (socket, next) => {
      try {
        if (socket.handshake.query.token !== undefined) {
          throw new AppError('token_invalid', 'Send the token in the handshake auth, never in the query string');
        }
        const auth = (socket.handshake.auth ?? {}) as { token?: unknown; protocol?: unknown };
        // A client announcing a version this server does not speak gets its own code, so it can tell "upgrade me" from a bug.
        if (auth.protocol !== undefined && !SUPPORTED_PROTOCOLS.includes(auth.protocol as number)) {
          throw new AppError('unsupported_protocol', `Protocol ${JSON.stringify(auth.protocol)} is not supported; this server speaks ${SUPPORTED_PROTOCOLS.join(', ')}`, { supported: SUPPORTED_PROTOCOLS });
        }
        // Throttled per client address before any work; failed credentials count separately and,
        // once over, are refused before verification (a guesser gets no answers).
        const address = app.clientAddress(socket.request);
        await app.limits.handshakes.hit(address);
        await app.limits.authFailures.check(address);
        let user: UserIdentity;
        try {
          user = await app.tokens.verify(auth.token);
        } catch (err) {
          if (err instanceof AppError && err.status === 401) await app.limits.authFailures.hit(address);
          throw err;
        }
        for (const hook of admissionHooks) await hook(user);
        socket.data.user = user;
        socket.data.queue = Promise.resolve();
        socket.data.rooms = new Map();
        next();
      } catch (err) {
        const e = publicError(err);
        const error = new Error(e.message) as Error & { data?: unknown };
        error.data = e.toBody();
        next(error);
      }
    });

    const scheduleExpiry = (socket: TandemSocket) => {
      clearTimeout(expiryTimers.get(socket.id));
      const ms = Math.max(0, socket.data.user.expiresAt - Date.now());
      // setTimeout overflows past ~24.8 days; such tokens are re-checked when the timer fires.
      const timer = setTimeout(() => {
        if (socket.data.user.expiresAt > Date.now()) return scheduleExpiry(socket);
        socket.emit('auth:expired', { code: 'token_expired', message: 'Your session token expired; reconnect with a new one' });
        socket.disconnect(true);
      }, Math.min(ms, 2 ** 31 - 1));
      timer.unref();
      expiryTimers.set(socket.id, timer);
    };

    const refresh = defineHandler('auth:refresh', refreshSchema, async ({ socket, user }, { token }) => {
      const next = await app.tokens.verify(token);
      if (next.tenantId !== user.tenantId) throw new AppError('wrong_tenant', 'A refreshed token must be for the same tenant');
      if (next.userId !== user.userId) throw new AppError('forbidden', 'A refreshed token must be for the same user');
      socket.data.user = next;
      scheduleExpiry(socket);
      // Still inside this connection's queue: the next message already sees the new rights.
      for (const hook of refreshHooks) await hook(socket);
      return { expiresAt: new Date(next.expiresAt).toISOString() };
    });
    register(refresh as AnyHandler);

    io.on('connection', async (raw) => {
      const socket = raw as TandemSocket;
      const { user } = socket.data;
      scheduleExpiry(socket);
      socket.join([roomNames.tenant(user.tenantId), roomNames.user(user.tenantId, user.userId)]);
      bindHandlers(socket, handlers, { log, inFlight, counter: app.metrics.socketEvents, ackSeconds: app.metrics.socketAckDuration, errors: app.metrics.errors });
      socket.on('disconnect', (reason) => {
        clearTimeout(expiryTimers.get(socket.id));
        expiryTimers.delete(socket.id);
        for (const hook of disconnectHooks) {
          void Promise.resolve()
            .then(() => hook(socket, reason))
            .catch((err) => log.error({ err }, 'disconnect hook failed'));
        }
      });
      try {
        for (const hook of connectionHooks) await hook(socket);
        socket.emit('session', {
          protocol: PROTOCOL_VERSION,
          instanceId,
          user: { id: user.userId, name: user.name, avatar: user.avatar ?? null, roles: user.roles },
          expiresAt: new Date(user.expiresAt).toISOString(),
        });
      } catch (err) {
        log.error({ err }, 'connection hook failed');
        socket.disconnect(true);
      }
    });

    const sockets = socketBroadcast(io, { coalesceMs: config.broadcastCoalesceMs });
    const realtime: Realtime = {
      io,
      broadcast: app.seams.broadcast?.(sockets) ?? sockets,
      local: sockets,
      instanceId,
      peers,
      handle: register,
      onConnection: (hook) => connectionHooks.push(hook),
      onDisconnect: (hook) => disconnectHooks.push(hook),
      onRefresh: (hook) => refreshHooks.push(hook),
      admit: (hook) => admissionHooks.push(hook),
      drain: async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      },
      onFanoutRestored: (hook) => fanoutHooks.push(hook),
      get fanoutUp() {
        return fanout.pubUp && fanout.subUp;
      },
    };
    app.decorate('realtime', realtime);

    // Shutdown, in order: tell clients, finish what they sent, then disconnect them.
    app.addHook('preClose', async () => {
      io.local.emit('server:going-away', { reconnectInMs: 1_000, message: 'Server is restarting; reconnecting shortly' });
      await Promise.race([realtime.drain(), new Promise((r) => setTimeout(r, config.shutdownGraceMs))]);
      sockets.flushAll();
      for (const t of expiryTimers.values()) clearTimeout(t);
      io.local.disconnectSockets(true);
      io.engine.close();
    });
  },
  { name: 'realtime', dependencies: ['core', '@fastify/websocket'] },
);
