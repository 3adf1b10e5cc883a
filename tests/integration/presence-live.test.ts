// The live-store contract: the in-process store and the Redis store answer the same lookups the
// same way while records move between rooms, expire and are claimed. The memory store keeps
// indexes by tenant, user and room; these tests fail if one of them drifts from the records.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryLiveStore, type LiveStore } from '../../src/features/presence/live.js';
import { createRedisLiveStore } from '../../src/features/presence/live-redis.js';
import type { ConnRecord, RoomEntry } from '../../src/features/presence/presence.js';
import { hasRedis, redisUrl, uniqueId } from '../helpers/services.js';

const entry = (pageKey: string): RoomEntry => ({ pageKey, joinedAt: 1, focus: null, typing: false, caret: null });
const rec = (tenantId: string, connId: string, userId: string, rooms: string[]): ConnRecord => ({
  connId,
  tenantId,
  userId,
  name: userId,
  avatar: null,
  instanceId: 'i1',
  connectedAt: 1,
  disconnectedAt: null,
  rooms: Object.fromEntries(rooms.map((r) => [r, entry(`page:${r}`)])),
});
const ids = (rs: ConnRecord[]) => rs.map((r) => r.connId).sort();

const redisClients: Redis[] = [];
afterAll(async () => {
  await Promise.all(redisClients.map((r) => r.quit()));
});

const stores: Array<[string, boolean, () => LiveStore]> = [
  ['memory', true, () => createMemoryLiveStore()],
  [
    'redis',
    hasRedis,
    () => {
      // A database of its own: claimExpired reads an expiry set shared by every tenant, and
      // claiming another suite's expired connections would steal that suite's leave announcements.
      const r = new Redis(redisUrl!, { db: 13 });
      redisClients.push(r);
      return createRedisLiveStore(r);
    },
  ],
];

describe.each(stores)('live store contract (%s)', (_name, available, make) => {
  it.skipIf(!available)('finds records by tenant, user and room as they move, and forgets claimed ones', async () => {
    const live = make();
    const t = uniqueId('tenant');
    const other = uniqueId('tenant');
    const far = Date.now() + 60_000;
    await live.put(rec(t, 'c1', 'alice', ['r1', 'r2']), far);
    await live.put(rec(t, 'c2', 'alice', ['r2']), far);
    await live.put(rec(t, 'c3', 'bob', ['r1']), far);
    await live.put(rec(other, 'c1', 'alice', ['r1']), far);

    expect(ids(await live.tenantConns(t))).toEqual(['c1', 'c2', 'c3']);
    expect(ids(await live.userConns(t, 'alice'))).toEqual(['c1', 'c2']);
    expect(ids(await live.roomConns(t, 'r1'))).toEqual(['c1', 'c3']);
    expect(ids(await live.roomConns(t, 'r2'))).toEqual(['c1', 'c2']);
    expect(ids(await live.roomConns(other, 'r1'))).toEqual(['c1']);

    // c1 leaves r2 (put without it, then unindexed, as the presence service does).
    await live.put(rec(t, 'c1', 'alice', ['r1']), far);
    await live.unindexRoom(t, 'r2', 'c1');
    expect(ids(await live.roomConns(t, 'r2'))).toEqual(['c2']);
    expect(ids(await live.roomConns(t, 'r1'))).toEqual(['c1', 'c3']);
    expect(Object.keys((await live.userConns(t, 'alice')).find((r) => r.connId === 'c1')!.rooms)).toEqual(['r1']);

    // A returned record is a copy: changing it changes nothing stored.
    (await live.roomConns(t, 'r1'))[0]!.rooms = {};
    expect(ids(await live.roomConns(t, 'r1'))).toEqual(['c1', 'c3']);

    // bob's connection expires and is claimed once; every lookup forgets it.
    await live.put(rec(t, 'c3', 'bob', ['r1']), Date.now() - 1);
    const claimed = (await live.claimExpired(Date.now(), 100)).filter((r) => r.tenantId === t);
    expect(ids(claimed)).toEqual(['c3']);
    expect((await live.claimExpired(Date.now(), 100)).filter((r) => r.tenantId === t)).toEqual([]);
    expect(ids(await live.roomConns(t, 'r1'))).toEqual(['c1']);
    expect(await live.userConns(t, 'bob')).toEqual([]);
    expect(ids(await live.tenantConns(t))).toEqual(['c1', 'c2']);
    expect(ids(await live.tenantConns(other))).toEqual(['c1']);

    // Leave nothing behind.
    for (const r of [...(await live.tenantConns(t)), ...(await live.tenantConns(other))]) await live.put(r, 0);
    await live.claimExpired(Date.now(), 1000);
    expect(await live.tenantConns(t)).toEqual([]);
  });
});
