/**
 * Which Tandem instances run, and how they are: each instance writes its own entry to a Redis
 * hash every few seconds; entries not refreshed for three beats are gone (a crashed instance).
 * Without Redis there is one instance, this one.
 */
import type { Redis } from 'ioredis';

export interface InstanceHealth {
  id: string;
  startedAt: string;
  version: string;
  sockets: number;
  database: boolean;
  redis: boolean | null;
  fanout: boolean;
  lastSeen: string;
}

const KEY = 'tandem:instances';

export function createInstances(opts: { redis: Redis | null; beatMs: number; self: () => Promise<Omit<InstanceHealth, 'lastSeen'>> }) {
  const { redis, beatMs } = opts;
  const beat = async () => {
    if (!redis) return;
    const h = await opts.self();
    await redis.hset(KEY, h.id, JSON.stringify({ ...h, lastSeen: new Date().toISOString() }));
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      void beat().catch(() => undefined);
      timer = setInterval(() => void beat().catch(() => undefined), beatMs);
      timer.unref();
    },
    async list(): Promise<InstanceHealth[]> {
      const self = { ...(await opts.self()), lastSeen: new Date().toISOString() };
      if (!redis) return [self];
      let all: Record<string, string>;
      try {
        all = await redis.hgetall(KEY);
      } catch {
        return [self]; // Redis is down: this instance is all we can see (and it says redis: false)
      }
      const fresh = Date.now() - 3 * beatMs;
      const out = new Map<string, InstanceHealth>();
      for (const [id, raw] of Object.entries(all)) {
        const h = JSON.parse(raw) as InstanceHealth;
        if (Date.parse(h.lastSeen) < fresh) void redis.hdel(KEY, id).catch(() => undefined);
        else out.set(id, h);
      }
      out.set(self.id, self);
      return [...out.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    },
    async stop(id: string) {
      clearInterval(timer);
      await redis?.hdel(KEY, id).catch(() => undefined);
    },
  };
}
