/**
 * Resync after a lost broadcast. Fan-out through Redis is lossy (an outage, a failed publish):
 * a client only notices a missed op when a later one arrives, and in a room that went quiet
 * none does. So each instance tells its own clients where their rooms stand — after fan-out is
 * restored, and periodically for rooms whose heads moved since the last announcement — and a
 * client that is behind fetches what it missed (field:fetch, chat:sync).
 */
import type { RoomHeads } from './store.js';

export interface RoomRef {
  tenantId: string;
  roomId: string;
}

export interface ResyncDeps {
  /** Rooms with at least one connection on this instance. */
  activeRooms(): RoomRef[];
  readHeads(roomIds: string[]): Promise<Map<string, RoomHeads>>;
  /** To this instance's connections in the room only: every instance announces to its own. */
  announce(room: RoomRef, heads: RoomHeads): void;
}

const same = (a: RoomHeads, b: RoomHeads) => {
  if (a.events !== b.events) return false;
  const ka = Object.keys(a.fields);
  return ka.length === Object.keys(b.fields).length && ka.every((k) => a.fields[k] === b.fields[k]);
};

export function createResync(deps: ResyncDeps) {
  /** What each active room's clients were last told. */
  const told = new Map<string, RoomHeads>();
  let running: Promise<number> | null = null;

  /** Announces the heads of active rooms; `all`: every room, else only those that moved. Returns how many were announced. */
  async function run(all: boolean): Promise<number> {
    const rooms = deps.activeRooms();
    const ids = new Set(rooms.map((r) => r.roomId));
    for (const id of told.keys()) if (!ids.has(id)) told.delete(id);
    if (rooms.length === 0) return 0;
    const heads = await deps.readHeads([...ids]);
    let n = 0;
    for (const room of rooms) {
      const h = heads.get(room.roomId);
      if (!h) continue;
      const before = told.get(room.roomId);
      told.set(room.roomId, h);
      // A room seen for the first time is announced too: a broadcast lost since its clients joined would otherwise stay lost.
      if (!all && before && same(before, h)) continue;
      deps.announce(room, h);
      n++;
    }
    return n;
  }

  return {
    /** One run at a time; a forced run waits for the one in progress, then goes again. */
    async announce(all: boolean): Promise<number> {
      while (running) await running.catch(() => 0);
      running = run(all);
      try {
        return await running;
      } finally {
        running = null;
      }
    },
  };
}

export type Resync = ReturnType<typeof createResync>;
