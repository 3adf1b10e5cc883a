import type { UserStatus } from './messages.js';
import type { ConnRecord, UserState } from './presence.js';

/**
 * Where live presence is kept: in process (single instance) or in Redis (many instances).
 * Both implementations pass the same contract tests (tests/integration/presence-live.test.ts).
 *
 * Every connection record has an expiry. Its instance pushes the expiry forward with heartbeats
 * while the socket is open; a dropped socket gets `now + grace`; a crashed instance stops
 * heartbeating. `claimExpired` hands each expired record to exactly one caller, which announces
 * the leave.
 */
export interface LiveStore {
  readonly kind: 'memory' | 'redis';
  /** Creates or replaces a record, indexes it by user and by room, and sets its expiry. */
  put(rec: ConnRecord, expiresAt: number): Promise<void>;
  /** Removes a connection from a room's index (after the record was put without that room). */
  unindexRoom(tenantId: string, roomId: string, connId: string): Promise<void>;
  /** Heartbeat: pushes existing entries' expiry forward (never re-creates a claimed one). */
  touch(items: Array<{ tenantId: string; connId: string }>, expiresAt: number): Promise<void>;
  /** Removes and returns every record expired at `now`; each record is returned to one caller only. */
  claimExpired(now: number, limit: number): Promise<ConnRecord[]>;
  roomConns(tenantId: string, roomId: string): Promise<ConnRecord[]>;
  userConns(tenantId: string, userId: string): Promise<ConnRecord[]>;
  tenantConns(tenantId: string): Promise<ConnRecord[]>;
  getUsers(tenantId: string, userIds: string[]): Promise<Map<string, UserState>>;
  /**
   * Merges `patch` into a user's state (starting from `initial` when there is none). With
   * `expectAnnounced`, only applies when the stored `announced` equals it; `applied` says whether it did.
   */
  updateUser(
    tenantId: string,
    userId: string,
    patch: Partial<UserState>,
    initial: UserState,
    expectAnnounced?: UserStatus,
  ): Promise<{ applied: boolean; before: UserState | null; after: UserState }>;
  /**
   * The tenant's next presence version: atomic and shared by every instance, so versions are
   * increasing per (room, user) whichever instance announces. Take it after writing a change and
   * before reading the state to announce: then a higher version's state has seen every change a
   * lower one's had.
   */
  nextVersion(tenantId: string): Promise<number>;
  /** The last version handed out (for read-only snapshots; 0 before the first). */
  currentVersion(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Where a tenant's version counter starts when it does not exist (first use, or the store lost
 * it: Redis restarted without persistence). Counting from the clock in µs keeps new versions above
 * any a client still holds from before, unless more than 10⁶ versions/s were handed out on average.
 * (Below 2⁵³ until the year 2255.)
 */
export const versionSeed = (nowMs: number) => Math.floor(nowMs) * 1000;

const key = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

export function createMemoryLiveStore(): LiveStore {
  const conns = new Map<string, ConnRecord>();
  const expiry = new Map<string, number>();
  const users = new Map<string, UserState>();
  const versions = new Map<string, number>();
  // Indexes by tenant, user and room (record keys), kept in step with `conns`: a lookup costs
  // what it returns, not a scan of every connection of the process.
  const byTenant = new Map<string, Set<string>>();
  const byUser = new Map<string, Set<string>>();
  const byRoom = new Map<string, Set<string>>();
  const indexKeys = (r: ConnRecord): Array<[Map<string, Set<string>>, string]> => [
    [byTenant, r.tenantId],
    [byUser, key(r.tenantId, r.userId)],
    ...Object.keys(r.rooms).map((roomId): [Map<string, Set<string>>, string] => [byRoom, key(r.tenantId, roomId)]),
  ];
  const index = (k: string, r: ConnRecord) => {
    for (const [m, ik] of indexKeys(r)) {
      let set = m.get(ik);
      if (!set) m.set(ik, (set = new Set()));
      set.add(k);
    }
  };
  const unindex = (k: string, r: ConnRecord) => {
    for (const [m, ik] of indexKeys(r)) {
      const set = m.get(ik);
      set?.delete(k);
      if (set?.size === 0) m.delete(ik);
    }
  };
  const clone = (r: ConnRecord): ConnRecord => structuredClone(r);
  const lookup = (m: Map<string, Set<string>>, ik: string) => [...(m.get(ik) ?? [])].map((k) => clone(conns.get(k)!));

  return {
    kind: 'memory',
    async put(rec, expiresAt) {
      const k = key(rec.tenantId, rec.connId);
      const prev = conns.get(k);
      if (prev) unindex(k, prev);
      const copy = clone(rec);
      conns.set(k, copy);
      index(k, copy);
      expiry.set(k, expiresAt);
    },
    async unindexRoom() {
      // put() already re-indexed the record without that room.
    },
    async touch(items, expiresAt) {
      for (const { tenantId, connId } of items) {
        const k = key(tenantId, connId);
        if (expiry.has(k)) expiry.set(k, expiresAt);
      }
    },
    async claimExpired(now, limit) {
      const out: ConnRecord[] = [];
      for (const [k, at] of expiry) {
        if (out.length >= limit) break;
        if (at > now) continue;
        expiry.delete(k);
        const rec = conns.get(k);
        conns.delete(k);
        if (rec) {
          unindex(k, rec);
          out.push(rec);
        }
      }
      return out;
    },
    roomConns: async (t, roomId) => lookup(byRoom, key(t, roomId)),
    userConns: async (t, userId) => lookup(byUser, key(t, userId)),
    tenantConns: async (t) => lookup(byTenant, t),
    async getUsers(t, ids) {
      const out = new Map<string, UserState>();
      for (const id of ids) {
        const s = users.get(key(t, id));
        if (s) out.set(id, { ...s });
      }
      return out;
    },
    async updateUser(t, id, patch, initial, expectAnnounced) {
      const k = key(t, id);
      const before = users.get(k) ?? null;
      const current = before ?? initial;
      if (expectAnnounced !== undefined && current.announced !== expectAnnounced) {
        return { applied: false, before: before && { ...before }, after: { ...current } };
      }
      const after = { ...current, ...patch };
      users.set(k, after);
      return { applied: true, before: before && { ...before }, after: { ...after } };
    },
    async nextVersion(t) {
      const v = (versions.get(t) ?? versionSeed(Date.now())) + 1;
      versions.set(t, v);
      return v;
    },
    currentVersion: async (t) => versions.get(t) ?? 0,
    async close() {
      conns.clear();
      for (const m of [byTenant, byUser, byRoom]) m.clear();
      expiry.clear();
      users.clear();
      versions.clear();
    },
  };
}
