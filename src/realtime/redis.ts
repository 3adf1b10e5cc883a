import { Redis } from 'ioredis';
import type { FastifyBaseLogger as Logger } from 'fastify';

/** A Redis client that never crashes the process: errors are logged and ioredis reconnects. */
export function createRedis(url: string, log: Logger, name: string): Redis {
  const client = new Redis(url, {
    connectionName: `tandem-${name}`,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastLogged = 0;
  client.on('error', (err) => {
    // Throttled: a Redis outage would otherwise log on every retry.
    if (Date.now() - lastLogged > 5_000) {
      lastLogged = Date.now();
      log.warn({ err: err.message, client: name }, 'redis error');
    }
  });
  return client;
}

export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('redis ping timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
