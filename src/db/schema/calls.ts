import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb.js';
import { rooms } from './core.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });

/**
 * Calls (issue 16): one row per call of a page room, its lifecycle and legs in `facts` (the pure
 * machine's CallFacts, src/features/calls/machine.ts), changed only under FOR UPDATE. At most one
 * live call per room, by index: two instances ringing at once cannot both start one.
 */
export const calls = pgTable(
  'calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    pageKey: text('page_key').notNull(),
    callerId: text('caller_id').notNull(),
    helpRequestId: uuid('help_request_id'),
    urgent: boolean('urgent').notNull().default(false),
    /** ringing | active | ended (also inside facts; a column for the index). */
    status: text('status').notNull(),
    facts: jsonb('facts').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    endedAt: ts('ended_at'),
  },
  (t) => [
    uniqueIndex('calls_live_room_uq').on(t.tenantId, t.roomId).where(sql`status <> 'ended'`),
    index('calls_room_idx').on(t.tenantId, t.roomId, t.createdAt),
  ],
);
