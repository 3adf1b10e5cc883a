import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb.js';
import { rooms } from './core.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });

/**
 * Durable timers (delegation expiry, assistance offer timeouts, …). A sweep on every
 * instance claims due rows with FOR UPDATE SKIP LOCKED and fires each exactly once, in the
 * same transaction that marks it fired. At most one unfired timer per (kind, key).
 */
export const timers = pgTable(
  'timers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    tenantId: text('tenant_id'),
    dueAt: ts('due_at').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    claimedBy: text('claimed_by'),
    claimedAt: ts('claimed_at'),
    firedAt: ts('fired_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('timers_pending_uq').on(t.kind, t.key).where(sql`fired_at IS NULL`),
    index('timers_due_idx').on(t.dueAt).where(sql`fired_at IS NULL`),
  ],
);

/** A form delegation: some fields of one room handed to an assignee, with their values at the time. */
export const delegations = pgTable(
  'delegations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    pageKey: text('page_key').notNull(),
    pageUrl: text('page_url').notNull().default(''),
    pageTitle: text('page_title').notNull().default(''),
    delegatorId: text('delegator_id').notNull(),
    assigneeId: text('assignee_id').notNull(),
    /** [{ name, label, kind }] */
    fields: jsonb('fields').$type<Array<{ name: string; label: string; kind: string }>>().notNull(),
    /** field name → value when the delegation was created */
    valuesAtCreation: jsonb('values_at_creation').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** field name → value when last submitted */
    submittedValues: jsonb('submitted_values').$type<Record<string, unknown>>(),
    note: text('note').notNull().default(''),
    dueAt: ts('due_at'),
    status: text('status').notNull(),
    /** The machine's DelegationState, as stored. */
    state: jsonb('state').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('delegations_assignee_idx').on(t.tenantId, t.assigneeId, t.status),
    index('delegations_delegator_idx').on(t.tenantId, t.delegatorId, t.status),
    index('delegations_room_idx').on(t.roomId, t.status),
  ],
);

/** One row per delegated field; `held` while the delegation is open. The partial unique index makes a field delegable once at a time. */
export const delegationFields = pgTable(
  'delegation_fields',
  {
    delegationId: uuid('delegation_id')
      .notNull()
      .references(() => delegations.id, { onDelete: 'cascade' }),
    roomId: uuid('room_id').notNull(),
    field: text('field').notNull(),
    held: boolean('held').notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.delegationId, t.field] }), uniqueIndex('delegation_fields_held_uq').on(t.roomId, t.field).where(sql`held`)],
);

/** Every transition of a delegation or an assistance request, in order. */
export const workEvents = pgTable(
  'work_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    note: text('note').notNull().default(''),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('work_events_subject_idx').on(t.subjectId, t.id)],
);

export const assistanceRequests = pgTable(
  'assistance_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    pageKey: text('page_key').notNull(),
    pageUrl: text('page_url').notNull().default(''),
    pageTitle: text('page_title').notNull().default(''),
    field: text('field'),
    message: text('message').notNull(),
    urgency: text('urgency').notNull(),
    topic: text('topic'),
    requesterId: text('requester_id').notNull(),
    status: text('status').notNull(),
    state: jsonb('state').notNull(),
    /** Who holds it (offered or accepted), for load counts. */
    helperId: text('helper_id'),
    tried: text('tried').array().notNull().default(sql`'{}'::text[]`),
    offers: integer('offers').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    firstOfferedAt: ts('first_offered_at'),
    acceptedAt: ts('accepted_at'),
    resolvedAt: ts('resolved_at'),
    cancelledAt: ts('cancelled_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('assistance_status_idx').on(t.tenantId, t.status),
    index('assistance_helper_idx').on(t.tenantId, t.helperId, t.status),
    index('assistance_page_idx').on(t.tenantId, t.pageKey, t.acceptedAt),
  ],
);

/** The round-robin cursor of each routing tier: the user it last offered a request to. */
export const routingCursors = pgTable(
  'routing_cursors',
  {
    tenantId: text('tenant_id').notNull(),
    tier: text('tier').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.tier] })],
);
