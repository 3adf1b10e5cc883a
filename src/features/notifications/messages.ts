import { z } from 'zod';
import { pageUrlSchema } from '../rooms/messages.js';

export const NOTIFICATION_TYPES = ['mention', 'reply', 'comment', 'delegation', 'assistance', 'record_changed'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

const linkShape = {
  roomId: z.uuid().optional(),
  pageKey: z.string().max(200).optional(),
  url: z.string().max(2048).optional(),
  field: z.string().max(200).optional(),
};
/** A link as a notification is given one: its url is a page clients may navigate to (never javascript:). */
export const notificationLinkSchema = z.object({ ...linkShape, url: pageUrlSchema.optional() }).strict();
export type NotificationLink = z.infer<typeof notificationLinkSchema>;

/**
 * What a notification's title says, as data: a key and plain params that clients render through
 * their own message catalogs (the overlay: `notify.<key>`), so the title reaches each user in the
 * language of their page. `title` stays its English rendering (REST, webhooks, older clients).
 */
export const NOTIFICATION_TEXTS = [
  'mention', 'reply', 'comment', 'comment_reply',
  'help_offer', 'help_accepted', 'help_resolved', 'help_cancelled',
  'delegation_pending', 'delegation_accepted', 'delegation_declined', 'delegation_submitted',
  'delegation_approved', 'delegation_rejected', 'delegation_cancelled', 'delegation_expired',
] as const;
export const notificationTextSchema = z.object({ key: z.enum(NOTIFICATION_TEXTS), params: z.record(z.string(), z.union([z.string().max(300), z.number()])) }).strict();
export type NotificationText = z.infer<typeof notificationTextSchema>;

export const notificationSchema = z.object({
  id: z.string(),
  seq: z.number(),
  type: z.enum(NOTIFICATION_TYPES),
  urgent: z.boolean(),
  title: z.string(),
  /** The title as key + params (null for titles written by a business app). */
  text: notificationTextSchema.nullable(),
  body: z.string(),
  link: z.object(linkShape).strict(),
  actor: z.object({ type: z.enum(['user', 'app', 'system']), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
  /** true while held by do-not-disturb (in the inbox, not surfaced). */
  held: z.boolean(),
  read: z.boolean(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type Notification = z.infer<typeof notificationSchema>;

// Socket events (user-scoped: no room membership needed).
export const listSchema = z.object({
  unreadOnly: z.boolean().default(false),
  beforeSeq: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export const syncSchema = z.object({ afterSeq: z.number().int().min(0) });
export const markReadSchema = z.object({ ids: z.array(z.string().regex(/^\d{1,18}$/)).min(1).max(500) });
export const markAllSchema = z.object({}).optional();
