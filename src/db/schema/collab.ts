import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb.js';
import { createdAt, rooms, tenantRef } from './core.js';

// Tables of issue 5: the event log/outbox, chat, field comments, notifications, webhooks.


/** Postgres' 64-bit transaction id: orders the log by commit horizon (see events/store.ts). */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * The durable per-tenant event log. Every change that others hear about (webhooks, the service
 * stream, reconnecting clients) is one row, written in the transaction of the change.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantRef(),
    type: text('type').notNull(),
    roomId: uuid('room_id'),
    pageKey: text('page_key'),
    /** Gap-free, commit-ordered position in the room's log (null for events outside a room). */
    roomSeq: bigint('room_seq', { mode: 'number' }),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    tx: xid8('tx').notNull().default(sql`pg_current_xact_id()`),
    createdAt: createdAt(),
  },
  (t) => [
    index('events_tenant_tx_idx').on(t.tenantId, t.tx, t.id),
    uniqueIndex('events_room_seq_uq').on(t.roomId, t.roomSeq),
    index('events_created_idx').on(t.createdAt),
  ],
);

/** Counters for gap-free, commit-ordered sequences (`r:<roomId>`, `u:<tenant>:<user>`). */
export const streamSeqs = pgTable('stream_seqs', {
  key: text('key').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
});

export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    /** The room-log position of its creation: the server's order, used for paging and unread counts. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    authorType: text('author_type').notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    /** null once deleted: the row stays for audit, the text is gone. */
    body: text('body'),
    mentions: text('mentions').array().notNull().default(sql`'{}'::text[]`),
    threadRootId: uuid('thread_root_id'),
    replyCount: integer('reply_count').notNull().default(0),
    clientMsgId: text('client_msg_id'),
    createdAt: createdAt(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('chat_messages_room_seq_uq').on(t.roomId, t.seq),
    uniqueIndex('chat_messages_client_id_uq').on(t.roomId, t.authorId, t.clientMsgId),
    index('chat_messages_thread_idx').on(t.threadRootId, t.seq),
  ],
);

export const chatReactions = pgTable(
  'chat_reactions',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => chatMessages.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    emoji: text('emoji').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId, t.emoji] })],
);

export const chatReads = pgTable(
  'chat_reads',
  {
    tenantId: tenantRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    lastReadSeq: bigint('last_read_seq', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

export const comments = pgTable(
  'comments',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    field: text('field').notNull(),
    /** null for a thread's root; replies point at it. */
    parentId: uuid('parent_id'),
    authorType: text('author_type').notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    body: text('body'),
    /** For text fields: { start, end, version } in code points at that document version. */
    range: jsonb('range'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
    createdAt: createdAt(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('comments_room_field_idx').on(t.roomId, t.field, t.createdAt), index('comments_parent_idx').on(t.parentId)],
);

export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantRef(),
    userId: text('user_id').notNull(),
    /** Gap-free, commit-ordered per user: a reconnecting tab asks for what came after its last seq. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    urgent: boolean('urgent').notNull().default(false),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    link: jsonb('link').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** pending → live | held; held → released (see notifications/rules.ts). */
    delivery: text('delivery').notNull().default('pending'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('notifications_user_seq_uq').on(t.tenantId, t.userId, t.seq),
    index('notifications_undelivered_idx').on(t.id).where(sql`delivery in ('pending', 'held')`),
  ],
);

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    /** Event types to deliver; `*` for all, `chat.*` for a prefix. */
    eventTypes: text('event_types').array().notNull(),
    description: text('description').notNull().default(''),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_endpoints_tenant_idx').on(t.tenantId)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    eventType: text('event_type').notNull(),
    /** pending → delivered | failed (after the last retry). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_uq').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('webhook_deliveries_tenant_idx').on(t.tenantId, t.id),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId)],
);
