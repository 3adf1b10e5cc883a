import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb.js';
import { rooms } from './core.js';

/** One per room: the saved values the unsaved draft is based on, and whether there is a draft. */
export const formDocuments = pgTable('form_documents', {
  roomId: uuid('room_id')
    .primaryKey()
    .references(() => rooms.id, { onDelete: 'cascade' }),
  tenantId: text('tenant_id').notNull(),
  /** field → saved value (what the host record holds). */
  base: jsonb('base').$type<Record<string, string | boolean | number | string[] | null>>().notNull().default(sql`'{}'::jsonb`),
  /** true while the document holds edits nobody saved yet. */
  dirty: boolean('dirty').notNull().default(false),
  savedBy: text('saved_by'),
  savedByName: text('saved_by_name'),
  savedAt: timestamp('saved_at', { withTimezone: true }),
  /** Last write or join: an unsaved draft in an empty room expires this long after it. */
  activeAt: timestamp('active_at', { withTimezone: true }).notNull().defaultNow(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The head of each field: its version is the compare-and-set point of every write. Text fields
 * keep a snapshot (`value` at `value_version`) refreshed every N ops; the ops after it are in field_ops.
 */
export const formFields = pgTable(
  'form_fields',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    field: text('field').notNull(),
    tenantId: text('tenant_id').notNull(),
    kind: text('kind').notNull(),
    readOnly: boolean('read_only').notNull().default(false),
    version: integer('version').notNull().default(0),
    value: jsonb('value'),
    valueVersion: integer('value_version').notNull().default(0),
    updatedBy: text('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.field] })],
);

/** The op log: every accepted change of every field, text ops and value writes alike. */
export const fieldOps = pgTable(
  'field_ops',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    field: text('field').notNull(),
    version: integer('version').notNull(),
    /** 'text' (op is an ot-text-unicode op) or 'set' (op is {value}). */
    kind: text('kind').$type<'text' | 'set'>().notNull(),
    op: jsonb('op').notNull(),
    clientId: text('client_id').notNull(),
    seq: integer('seq').notNull(),
    /** 'user:<id>' or 'app:<key id>'. */
    actor: text('actor').notNull(),
    actorName: text('actor_name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('field_ops_version_uq').on(t.roomId, t.field, t.version),
    uniqueIndex('field_ops_client_seq_uq').on(t.clientId, t.seq),
  ],
);

/** Every refused stale write and how its writer resolved it. */
export const fieldConflicts = pgTable(
  'field_conflicts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    field: text('field').notNull(),
    userId: text('user_id').notNull(),
    baseVersion: integer('base_version').notNull(),
    currentVersion: integer('current_version').notNull(),
    mine: jsonb('mine'),
    theirs: jsonb('theirs'),
    theirAuthor: text('their_author'),
    resolution: text('resolution'),
    resolvedValue: jsonb('resolved_value'),
    resolvedVersion: integer('resolved_version'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [index('field_conflicts_room_idx').on(t.roomId, t.createdAt)],
);
