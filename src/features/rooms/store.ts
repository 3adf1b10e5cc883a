import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { rooms } from '../../db/schema/index.js';

export type RoomRow = typeof rooms.$inferSelect;

export function createRoomStore(db: Database) {
  /** Creates the room on first join; later joins refresh its title and URL. */
  async function upsert(tenantId: string, pageKey: string, title: string, url: string, update = true): Promise<{ room: RoomRow; created: boolean }> {
    const [row] = await db.orm
      .insert(rooms)
      .values({ tenantId, pageKey, title, url })
      // Without `update` the no-op set still returns the row (DO NOTHING would return none).
      .onConflictDoUpdate({ target: [rooms.tenantId, rooms.pageKey], set: update ? { title, url } : { pageKey: sql`excluded.page_key` } })
      // xmax = 0 only for a freshly inserted row.
      .returning({ ...roomColumns, created: sql<boolean>`(xmax = 0)` });
    const { created, ...room } = row!;
    return { room, created };
  }

  async function get(tenantId: string, roomId: string): Promise<RoomRow | undefined> {
    const [row] = await db.orm.select().from(rooms).where(and(eq(rooms.tenantId, tenantId), eq(rooms.id, roomId)));
    return row;
  }

  async function getByKey(tenantId: string, pageKey: string): Promise<RoomRow | undefined> {
    const [row] = await db.orm.select().from(rooms).where(and(eq(rooms.tenantId, tenantId), eq(rooms.pageKey, pageKey)));
    return row;
  }

  return { upsert, get, getByKey };
}

const roomColumns = {
  id: rooms.id,
  tenantId: rooms.tenantId,
  pageKey: rooms.pageKey,
  title: rooms.title,
  url: rooms.url,
  createdAt: rooms.createdAt,
};
export type RoomStore = ReturnType<typeof createRoomStore>;
