import type { Redis } from 'ioredis';
import { type LiveStore, versionSeed } from './live.js';
import type { ConnRecord, UserState } from './presence.js';

/**
 * Live presence in Redis, shared by every instance.
 *
 *   {p}{tenant}:c             hash   connId → ConnRecord JSON
 *   {p}{tenant}:u:{userId}    set    connIds of a user
 *   {p}{tenant}:r:{roomId}    set    connIds in a room
 *   {p}{tenant}:s             hash   userId → UserState JSON
 *   {p}{tenant}:v             string the tenant's presence version counter (no TTL: one per tenant)
 *   {p}exp                    zset   "{tenant}\0{connId}" scored by expiry (epoch ms)
 *
 * Expired entries are claimed by a Lua script: ZREM decides which caller gets each one, so a
 * crashed instance's users are announced as gone exactly once. (Keys are built inside the
 * scripts: this targets one Redis, not Redis Cluster.)
 */
const PREFIX = 'tandem:presence:';
const SEP = '\u0000';

const CLEANUP = `
local function cleanup(prefix, member)
  local sep = string.find(member, '\\0', 1, true)
  local t = string.sub(member, 1, sep - 1)
  local c = string.sub(member, sep + 1)
  local ck = prefix .. t .. ':c'
  local rec = redis.call('HGET', ck, c)
  redis.call('HDEL', ck, c)
  if rec then
    local r = cjson.decode(rec)
    redis.call('SREM', prefix .. t .. ':u:' .. r.userId, c)
    if type(r.rooms) == 'table' then
      for roomId, _ in pairs(r.rooms) do redis.call('SREM', prefix .. t .. ':r:' .. roomId, c) end
    end
  end
  return rec
end
`;

const CLAIM = `${CLEANUP}
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, m in ipairs(members) do
  if redis.call('ZREM', KEYS[1], m) == 1 then
    local rec = cleanup(ARGV[3], m)
    if rec then table.insert(out, rec) end
  end
end
return out
`;

// KEYS[1] = user state hash; ARGV: userId, patch JSON, initial JSON, expected announced ('' = none)
const UPDATE_USER = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local state
if cur then state = cjson.decode(cur) else state = cjson.decode(ARGV[3]) end
if ARGV[4] ~= '' and state.announced ~= ARGV[4] then
  return {0, cur or false, cjson.encode(state)}
end
local patch = cjson.decode(ARGV[2])
for k, v in pairs(patch) do state[k] = v end
local out = cjson.encode(state)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {1, cur or false, out}
`;

export function createRedisLiveStore(redis: Redis): LiveStore {
  const k = {
    conns: (t: string) => `${PREFIX}${t}:c`,
    user: (t: string, u: string) => `${PREFIX}${t}:u:${u}`,
    room: (t: string, r: string) => `${PREFIX}${t}:r:${r}`,
    states: (t: string) => `${PREFIX}${t}:s`,
    version: (t: string) => `${PREFIX}${t}:v`,
    exp: `${PREFIX}exp`,
  };
  const parse = (rows: Array<string | null>): ConnRecord[] =>
    rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as ConnRecord);
  const byIds = async (t: string, ids: string[]) => (ids.length ? parse(await redis.hmget(k.conns(t), ...ids)) : []);

  return {
    kind: 'redis',
    async put(rec, expiresAt) {
      const m = redis.multi();
      m.hset(k.conns(rec.tenantId), rec.connId, JSON.stringify(rec));
      m.sadd(k.user(rec.tenantId, rec.userId), rec.connId);
      for (const roomId of Object.keys(rec.rooms)) m.sadd(k.room(rec.tenantId, roomId), rec.connId);
      m.zadd(k.exp, expiresAt, `${rec.tenantId}${SEP}${rec.connId}`);
      await m.exec();
    },
    async unindexRoom(t, roomId, connId) {
      await redis.srem(k.room(t, roomId), connId);
    },
    async touch(items, expiresAt) {
      if (items.length === 0) return;
      const p = redis.pipeline();
      // XX: only existing members, so an entry another instance already claimed stays gone.
      for (const { tenantId, connId } of items) p.zadd(k.exp, 'XX', expiresAt, `${tenantId}${SEP}${connId}`);
      await p.exec();
    },
    async claimExpired(now, limit) {
      const rows = (await redis.eval(CLAIM, 1, k.exp, String(now), String(limit), PREFIX)) as string[];
      return rows.map((r) => JSON.parse(r) as ConnRecord);
    },
    roomConns: async (t, roomId) => byIds(t, await redis.smembers(k.room(t, roomId))),
    userConns: async (t, userId) => byIds(t, await redis.smembers(k.user(t, userId))),
    tenantConns: async (t) => parse(Object.values(await redis.hgetall(k.conns(t)))),
    async getUsers(t, ids) {
      const out = new Map<string, UserState>();
      if (ids.length === 0) return out;
      const rows = await redis.hmget(k.states(t), ...ids);
      rows.forEach((r, i) => r && out.set(ids[i]!, JSON.parse(r) as UserState));
      return out;
    },
    async updateUser(t, id, patch, initial, expectAnnounced) {
      const [applied, before, after] = (await redis.eval(
        UPDATE_USER,
        1,
        k.states(t),
        id,
        JSON.stringify(patch),
        JSON.stringify(initial),
        expectAnnounced ?? '',
      )) as [number, string | null, string];
      return {
        applied: applied === 1,
        before: before ? (JSON.parse(before) as UserState) : null,
        after: JSON.parse(after) as UserState,
      };
    },
    async nextVersion(t) {
      // One round trip; SET NX only matters when the counter does not exist (see versionSeed).
      const r = await redis.multi().set(k.version(t), versionSeed(Date.now()), 'NX').incr(k.version(t)).exec();
      const [err, v] = r?.[1] ?? [new Error('presence version: transaction aborted'), null];
      if (err) throw err;
      return Number(v);
    },
    async currentVersion(t) {
      return Number((await redis.get(k.version(t))) ?? 0);
    },
    async close() {
      // The Redis client belongs to the app.
    },
  };
}
