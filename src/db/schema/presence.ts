import { sql } from 'drizzle-orm';
import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { rooms, tenants } from './core.js';

/** Who was in which room, from when to when: one row per visit of a person (all their tabs). */
export const presenceVisits = pgTable(
  'presence_visits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    // At most one open visit per person and room: a duplicate "join" cannot open a second.
    uniqueIndex('presence_visits_open_uq').on(t.tenantId, t.roomId, t.userId).where(sql`${t.endedAt} IS NULL`),
    index('presence_visits_room_idx').on(t.tenantId, t.roomId, t.startedAt),
    index('presence_visits_user_idx').on(t.tenantId, t.userId, t.startedAt),
  ],
);
