import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb.js';
import { notifications } from './collab.js';
import { createdAt, tenantRef } from './core.js';

// Tables of issue 16 part 2: notifications that reach people away from the page (features/reach).

/** How one user wants notifications to reach them outside the browser; no row: in-app only. */
export const notificationPrefs = pgTable(
  'notification_prefs',
  {
    tenantId: tenantRef(),
    userId: text('user_id').notNull(),
    email: text('email'),
    /** The tenant chat channel (Slack or Teams) that carries this user's chat notifications. */
    chatChannelId: uuid('chat_channel_id'),
    /** Channels for every kind (`in_app`, `email`, `chat`) and per-kind overrides: { default: [...], byKind: { mention: [...] } }. */
    channels: jsonb('channels').$type<{ default: string[]; byKind: Record<string, string[]> }>().notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** 'HH:MM' in timeZone; both null: no quiet hours. */
    quietStart: text('quiet_start'),
    quietEnd: text('quiet_end'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

/** A tenant's ways out: one SMTP server, Slack or Teams incoming webhooks. `config` holds the secrets. */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    index('notification_channels_tenant_idx').on(t.tenantId),
    // One SMTP server per tenant: "email" names it without an id.
    uniqueIndex('notification_channels_one_email_uq').on(t.tenantId).where(sql`kind = 'email' AND active`),
  ],
);

/**
 * The outbox of notifications leaving Tandem: one row per (notification, channel), written in the
 * notification's transaction. The unique index is the idempotency key: at most one delivery per
 * recipient per channel. Rows of one user and channel that are due together go out as one message.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantRef(),
    userId: text('user_id').notNull(),
    notificationId: bigint('notification_id', { mode: 'number' })
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    /** 'email' | 'chat'. */
    channel: text('channel').notNull(),
    urgent: boolean('urgent').notNull().default(false),
    /** pending → delivered | failed | skipped (read in the app first). */
    status: text('status').notNull().default('pending'),
    /** Why a pending row waits: 'dnd' or 'quiet' (null: digest window or retry). */
    heldFor: text('held_for'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** Claimed by a sender until then (a lease): no other instance takes it meanwhile, a crashed one's claim expires. */
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    lastError: text('last_error'),
    /** The message that carried it (its idempotency key, e.g. the email's Message-ID). */
    messageKey: text('message_key'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('notification_deliveries_once_uq').on(t.notificationId, t.channel),
    index('notification_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('notification_deliveries_user_idx').on(t.tenantId, t.userId, t.channel).where(sql`status = 'pending'`),
  ],
);
