import { z } from 'zod';
import { NOTIFICATION_TYPES } from '../notifications/messages.js';
import { isHHMM, isTimeZone, REACH_CHANNELS } from './rules.js';

const channel = z.enum(REACH_CHANNELS);
const channelList = z.array(channel).max(REACH_CHANNELS.length).transform((xs) => [...new Set(xs)]);
const hhmm = z.string().refine(isHHMM, 'a time as HH:MM (00:00–23:59)');

/** A user's delivery preferences, as set (PUT replaces them whole; omitted fields take their defaults). */
export const preferencesInput = z
  .object({
    /** Where email goes; required for the email channel. */
    email: z.email().max(254).nullable().default(null),
    /** A tenant chat channel (Slack or Teams) for the chat channel. */
    chatChannelId: z.uuid().nullable().default(null),
    /** Channels for every kind of notification. */
    channels: channelList.default(['in_app']),
    /** Overrides for some kinds, e.g. { "mention": ["in_app", "email"] }. */
    byKind: z.partialRecord(z.enum(NOTIFICATION_TYPES), channelList).default({}),
    timeZone: z.string().refine(isTimeZone, 'an IANA time zone, e.g. Europe/Paris').default('UTC'),
    /** Nothing but urgent notifications leaves Tandem between start and end (local to timeZone); held, then sent. */
    quietHours: z.object({ start: hhmm, end: hhmm }).strict().nullable().default(null),
  })
  .strict();
export type PreferencesInput = z.output<typeof preferencesInput>;

export const preferencesSchema = z.object({
  email: z.string().nullable(),
  chatChannelId: z.string().nullable(),
  channels: z.array(channel),
  byKind: z.record(z.string(), z.array(channel)),
  timeZone: z.string(),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  updatedAt: z.string().nullable(),
});
export type Preferences = z.infer<typeof preferencesSchema>;

const name = z.string().min(1).max(100);
const url = z.string().min(1).max(2048);
export const channelInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('email'),
      name: name.default('Email'),
      smtp: z
        .object({
          host: z.string().min(1).max(253),
          port: z.number().int().min(1).max(65535).default(587),
          /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
          secure: z.boolean().default(false),
          /** Refuse to send unless STARTTLS succeeds. */
          requireTLS: z.boolean().default(false),
          user: z.string().max(256).optional(),
          password: z.string().max(1024).optional(),
          from: z.string().min(3).max(320),
        })
        .strict(),
    })
    .strict(),
  z.object({ kind: z.literal('slack'), name: name.default('Slack'), url }).strict(),
  z.object({ kind: z.literal('teams'), name: name.default('Teams'), url }).strict(),
]);
export type ChannelInput = z.output<typeof channelInput>;

/** A channel as the API shows it: secrets masked (the password never, a webhook URL only its start). */
export const channelSchema = z.object({
  id: z.string(),
  kind: z.enum(['email', 'slack', 'teams']),
  name: z.string(),
  createdAt: z.string(),
  url: z.string().optional(),
  smtp: z.object({ host: z.string(), port: z.number(), secure: z.boolean(), requireTLS: z.boolean(), user: z.string().nullable(), passwordSet: z.boolean(), from: z.string() }).optional(),
});
export type Channel = z.infer<typeof channelSchema>;

export const deliverySchema = z.object({
  id: z.string(),
  notificationId: z.string(),
  channel: z.enum(['email', 'chat']),
  status: z.enum(['pending', 'delivered', 'failed', 'skipped']),
  heldFor: z.enum(['dnd', 'quiet']).nullable(),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  messageKey: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Delivery = z.infer<typeof deliverySchema>;
