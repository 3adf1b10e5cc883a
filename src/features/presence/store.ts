import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { presenceVisits, rooms } from '../../db/schema/index.js';

export type VisitRow = typeof presenceVisits.$inferSelect;

/** Visit history. Opening twice is harmless: at most one open visit per person and room. */
export function createVisitStore(db: Database) {
  async function open(tenantId: string, roomId: string, userId: string, at: Date): Promise<void> {
    await db.orm
      .insert(presenceVisits)
      .values({ tenantId, roomId, userId, startedAt: at })
      .onConflictDoNothing({ target: [presenceVisits.tenantId, presenceVisits.roomId, presenceVisits.userId], where: isNull(presenceVisits.endedAt) });
  }

  async function close(tenantId: string, roomId: string, userId: string, at: Date): Promise<void> {
    await db.orm
      .update(presenceVisits)
      .set({ endedAt: at })
      .where(
        and(
          eq(presenceVisits.tenantId, tenantId),
          eq(presenceVisits.roomId, roomId),
          eq(presenceVisits.userId, userId),
          isNull(presenceVisits.endedAt),
        ),
      );
  }

  async function list(tenantId: string, filter: { roomId?: string; userId?: string }, limit: number): Promise<VisitRow[]> {
    const where = [eq(presenceVisits.tenantId, tenantId)];
    if (filter.roomId) where.push(eq(presenceVisits.roomId, filter.roomId));
    if (filter.userId) where.push(eq(presenceVisits.userId, filter.userId));
    return db.orm
      .select()
      .from(presenceVisits)
      .where(and(...where))
      .orderBy(desc(presenceVisits.startedAt), desc(presenceVisits.id))
      .limit(limit);
  }

  /** Room rows for ids (REST listings show page keys and titles). */
  async function roomsByIds(tenantId: string, ids: string[]) {
    if (ids.length === 0) return [];
    return db.orm
      .select({ id: rooms.id, pageKey: rooms.pageKey, title: rooms.title, url: rooms.url })
      .from(rooms)
      .where(and(eq(rooms.tenantId, tenantId), inArray(rooms.id, ids)));
  }

  return { open, close, list, roomsByIds };
}
export type VisitStore = ReturnType<typeof createVisitStore>;
