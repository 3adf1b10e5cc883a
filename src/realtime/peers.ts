/**
 * The cluster's instances over Redis (the Peers port): who is live, who owns a key, and calls
 * from one instance to another.
 *
 * Live = heartbeat in the last `ttlMs` (a sorted set scored with Redis's own clock, so hosts'
 * clocks do not matter) AND subscribed to its call channel right now. The second half makes a
 * killed instance drop out at the next heartbeat (its Redis connection closes with the process),
 * and a call to it fail at once: PUBLISH answers 0 receivers, no timeout is waited for.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, type ErrorBody } from '../errors.js';
import type { Logger } from '../ports/log.js';
import { PeerUnreachable, type Peers } from '../ports/peers.js';
import { ownerOf } from './rendezvous.js';


// Adds this instance with Redis's time, drops members silent for ttl, returns the rest.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2] * 10)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

interface Request {
  i: string;
  f: string;
  m: string;
  p: unknown;
}
interface Reply {
  i: string;
  r?: unknown;
  e?: ErrorBody;
}

export interface PeersOptions {
  instanceId: string;
  /** The database's identity (cluster_identity): instances of other databases on the same Redis are not peers. */
  clusterId: string;
  /** Commands (heartbeat, publish) and the subscriber: two connections, as pub/sub needs. */
  pub: Redis;
  sub: Redis;
  log: Logger;
  heartbeatMs?: number;
  ttlMs?: number;
}

export function createRedisPeers(o: PeersOptions): Peers & { start(): void; close(): Promise<void>; quit(): Promise<void>; members(): string[] } {
  const heartbeatMs = o.heartbeatMs ?? 1_000;
  const ttlMs = o.ttlMs ?? 3_000;
  const me = o.instanceId;
  const MEMBERS_KEY = `tandem:peers:${o.clusterId}`;
  const channelOf = (id: string) => `tandem:peer:${o.clusterId}:${id}`;
  let members: string[] = [];
  let closed = false;
  const handlers = new Map<string, (payload: unknown) => Promise<unknown>>();
  const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  const changeHooks: Array<() => void> = [];

  function setMembers(next: string[]) {
    const sorted = [...next].sort();
    if (sorted.join() === members.join()) return;
    o.log.info({ members: sorted }, 'cluster members changed');
    members = sorted;
    for (const hook of changeHooks) {
      try {
        hook();
      } catch (err) {
        o.log.error({ err }, 'members change hook failed');
      }
    }
  }

  async function heartbeat() {
    try {
      const listed = (await o.pub.eval(HEARTBEAT, 1, MEMBERS_KEY, me, String(ttlMs))) as string[];
      const others = listed.filter((m) => m !== me);
      const counts = others.length ? ((await o.pub.call('PUBSUB', 'NUMSUB', ...others.map(channelOf))) as Array<string | number>) : [];
      const subscribed = others.filter((_, k) => Number(counts[2 * k + 1]) > 0);
      // Without our own subscription nobody can call us: own nothing rather than drop their calls.
      setMembers(o.sub.status === 'ready' ? [me, ...subscribed] : []);
    } catch (err) {
      // Redis is unreachable: every instance writes for itself (the database's compare-and-set decides).
      if (!closed) o.log.warn({ err: (err as Error).message }, 'cluster heartbeat failed');
      setMembers([]);
    }
  }

  async function answer(req: Request) {
    const fn = handlers.get(req.m);
    let reply: Reply;
    try {
      if (!fn) throw new AppError('internal', `No peer method "${req.m}"`);
      reply = { i: req.i, r: await fn(req.p) };
    } catch (err) {
      reply = { i: req.i, e: err instanceof AppError ? err.toBody() : { code: 'internal', message: 'The peer failed' } };
      if (!(err instanceof AppError)) o.log.error({ err, method: req.m }, 'peer call failed');
    }
    await o.pub.publish(channelOf(req.f), JSON.stringify(reply)).catch((err) => o.log.warn({ err: err.message }, 'peer reply not published'));
  }

  function received(_channel: string, raw: string) {
    let msg: Request | Reply;
    try {
      msg = JSON.parse(raw) as Request | Reply;
    } catch {
      return;
    }
    if ('m' in msg) return void answer(msg);
    const w = waiting.get(msg.i);
    if (!w) return; // answered after its timeout: the caller already went on without it
    waiting.delete(msg.i);
    clearTimeout(w.timer);
    if (msg.e) w.reject(new AppError(msg.e.code, msg.e.message, msg.e.details));
    else w.resolve(msg.r);
  }

  const peers = {
    ownerOf(key: string) {
      const owner = ownerOf(key, members);
      return owner === undefined || owner === me ? null : owner;
    },
    async call<T>(to: string, method: string, payload: unknown, timeoutMs: number): Promise<T> {
      if (closed || o.pub.status !== 'ready') throw new PeerUnreachable('Redis is not connected');
      const id = randomUUID();
      const result = new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new PeerUnreachable(`instance ${to} did not answer "${method}" in ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      });
      let receivers: number;
      try {
        receivers = await o.pub.publish(channelOf(to), JSON.stringify({ i: id, f: me, m: method, p: payload } satisfies Request));
      } catch (err) {
        receivers = 0;
        o.log.warn({ err: (err as Error).message }, 'peer call not published');
      }
      if (receivers === 0) {
        const w = waiting.get(id);
        waiting.delete(id);
        if (w) clearTimeout(w.timer);
        // Gone: own its keys from now on instead of waiting for the next heartbeat.
        setMembers(members.filter((m) => m !== to));
        throw new PeerUnreachable(`instance ${to} is not listening`);
      }
      return result;
    },
    serve(method: string, fn: (payload: unknown) => Promise<unknown>) {
      handlers.set(method, fn);
    },
    onChange(fn: () => void) {
      changeHooks.push(fn);
    },
    members: () => [...members],
    async quit() {
      await Promise.allSettled([o.pub.quit(), o.sub.quit()]);
    },
    /** Never waits for Redis: until it answers this instance owns nothing and writes for itself. */
    start() {
      o.sub.on('message', received);
      timer = setInterval(() => void heartbeat(), heartbeatMs);
      timer.unref();
      // ioredis subscribes again by itself after a reconnect.
      void o.sub.subscribe(channelOf(me)).then(heartbeat, (err: Error) => o.log.warn({ err: err.message }, 'peer channel not subscribed'));
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([o.pub.zrem(MEMBERS_KEY, me), o.sub.unsubscribe(channelOf(me))]);
      setMembers([]);
      for (const [id, w] of waiting) {
        clearTimeout(w.timer);
        w.reject(new PeerUnreachable('this instance is shutting down'));
        waiting.delete(id);
      }
    },
  };
  let timer: NodeJS.Timeout | undefined;
  return peers;
}
