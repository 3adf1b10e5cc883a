import type { Logger } from '../../ports/log.js';
import type { Redis } from 'ioredis';
import type { Database } from '../../db/client.js';
import type { DelegationStatus } from './machine.js';
import { heldFields } from './store.js';

/** A field held by an open delegation. */
export interface FieldLock {
  delegationId: string;
  assigneeId: string;
  assigneeName: string;
  status: DelegationStatus;
}

export const LOCKS_CHANNEL = 'tandem:work:locks';

/**
 * Per-room cache of held fields, so the write guard costs a Map lookup on the hot path.
 * Invalidated by the instance that makes a transition, and on every other instance through
 * a Redis message (an instance stamps its id and ignores its own echo). After a Redis
 * reconnect, or past `ttlMs`, entries are reloaded from Postgres, the source of truth.
 */
export function createLockCache(opts: { db: Database; ttlMs: number; instanceId: string; log: Logger; pub?: Redis | null; sub?: Redis | null }) {
  const cache = new Map<string, { at: number; value: Promise<Map<string, FieldLock>> }>();

  async function load(roomId: string): Promise<Map<string, FieldLock>> {
    const rows = await heldFields(opts.db, roomId);
    return new Map(rows.map((r) => [r.field, { delegationId: r.delegationId, assigneeId: r.assigneeId, assigneeName: r.assigneeName ?? r.assigneeId, status: r.status }]));
  }

  function get(roomId: string): Promise<Map<string, FieldLock>> {
    const hit = cache.get(roomId);
    if (hit && Date.now() - hit.at < opts.ttlMs) return hit.value;
    const value = load(roomId);
    // A failed load is not cached; an invalidation while loading removes this entry, so a stale result is never kept.
    value.catch(() => cache.get(roomId)?.value === value && cache.delete(roomId));
    cache.set(roomId, { at: Date.now(), value });
    if (cache.size > 20_000) cache.delete(cache.keys().next().value!);
    return value;
  }

  async function invalidate(roomId: string): Promise<void> {
    cache.delete(roomId);
    if (opts.pub) {
      await opts.pub.publish(LOCKS_CHANNEL, `${opts.instanceId}|${roomId}`).catch((err) => opts.log.warn({ err }, 'lock invalidation not published'));
    }
  }

  if (opts.sub) {
    const sub = opts.sub;
    void sub.subscribe(LOCKS_CHANNEL).catch((err) => opts.log.warn({ err }, 'lock invalidation subscribe failed'));
    sub.on('message', (channel: string, message: string) => {
      if (channel !== LOCKS_CHANNEL) return;
      const [from, roomId] = message.split('|');
      if (from !== opts.instanceId && roomId) cache.delete(roomId);
    });
    // Messages may have been missed while disconnected.
    sub.on('ready', () => cache.clear());
  }

  return { get, invalidate, clear: () => cache.clear() };
}
export type LockCache = ReturnType<typeof createLockCache>;
