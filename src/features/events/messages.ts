import { z } from 'zod';
import { ASSISTANCE_STATUSES } from '../assistance/machine.js';
import { CALL_STATUSES, END_REASONS } from '../calls/machine.js';
import { chatMessageSchema } from '../chat/messages.js';
import { commentSchema } from '../comments/messages.js';
import { DELEGATION_STATUSES } from '../delegation/machine.js';
import { NOTIFICATION_TYPES } from '../notifications/messages.js';

/**
 * The event object webhooks POST and the stream sends (`Event` in /docs/json). The envelope is
 * the one the log writes (TandemEvent); `data` is typed per `type`. The data objects are open
 * (`additionalProperties`): a new key is not a breaking change, a removed one is.
 */
const envelope = {
  id: z.string().describe('Stable across deliveries, retries and replays: deduplicate on it'),
  tenantId: z.string(),
  roomId: z.string().nullable(),
  pageKey: z.string().nullable(),
  roomSeq: z.number().int().nullable().describe("Gap-free position in the room's log; null outside rooms"),
  actor: z.object({ type: z.enum(['user', 'app', 'system']), id: z.string() }),
  createdAt: z.string(),
};
const nullableString = z.string().nullable();
const values = z.record(z.string(), z.unknown());

const delegationData = z.looseObject({
  delegationId: z.string(),
  from: z.enum(DELEGATION_STATUSES).nullable(),
  to: z.enum(DELEGATION_STATUSES),
  fields: z.array(z.string()),
  delegatorId: z.string(),
  assigneeId: z.string(),
  note: z.string(),
  dueAt: nullableString,
});
const assistanceData = z.looseObject({
  requestId: z.string(),
  status: z.enum(ASSISTANCE_STATUSES),
  requesterId: z.string(),
  helperId: nullableString,
  urgency: z.enum(['normal', 'urgent']),
  topic: nullableString,
  field: nullableString,
});

const callData = z.looseObject({
  callId: z.string(),
  status: z.enum(CALL_STATUSES),
  callerId: z.string(),
  helpRequestId: nullableString,
  urgent: z.boolean(),
  /** Everyone who has been in the call so far (the caller first). */
  participants: z.array(z.string()),
});

const DELEGATION_EVENTS = ['created', ...DELEGATION_STATUSES.filter((s) => s !== 'pending')].map((s) => `delegation.${s}`) as [string, ...string[]];

const member = <T extends [string, ...string[]], D extends z.ZodType>(types: T, data: D) => z.object({ ...envelope, type: z.enum(types), data });

export const eventSchema = z
  .discriminatedUnion('type', [
    member(['chat.message.created'], z.looseObject({ message: chatMessageSchema, thread: z.object({ rootId: z.string(), replyCount: z.number() }).optional() })),
    member(['chat.message.edited', 'chat.message.deleted'], z.looseObject({ message: chatMessageSchema })),
    member(['chat.reaction.changed'], z.looseObject({ message: chatMessageSchema, emoji: z.string(), userId: z.string(), added: z.boolean() })),
    member(['comment.created', 'comment.edited', 'comment.deleted', 'comment.resolved', 'comment.reopened'], z.looseObject({ comment: commentSchema })),
    member(['form.saved'], z.looseObject({ values })),
    member(['record.changed'], z.looseObject({ values, rebased: z.array(z.string()), savedBy: nullableString })),
    member(['field.conflict'], z.looseObject({ field: z.string(), conflictId: z.string(), baseVersion: z.number(), currentVersion: z.number() })),
    member(DELEGATION_EVENTS, delegationData),
    member(['assistance.created'], assistanceData.extend({ message: z.string() })),
    member(['assistance.offered', 'assistance.queued', 'assistance.accepted', 'assistance.resolved', 'assistance.cancelled'], assistanceData),
    member(['assistance.declined', 'assistance.timed_out'], assistanceData.extend({ previousHelperId: nullableString.optional() })),
    member(['call.ringing'], callData.extend({ invited: z.array(z.string()) })),
    member(['call.started'], callData),
    member(['call.joined', 'call.left', 'call.declined'], callData.extend({ userId: z.string() })),
    member(['call.ended'], callData.extend({ reason: z.enum(END_REASONS), durationMs: z.number() })),
    member(['notification.created'], z.looseObject({ notificationId: z.string(), userId: z.string(), type: z.enum(NOTIFICATION_TYPES), urgent: z.boolean(), title: z.string(), link: z.record(z.string(), z.unknown()) })),
  ])
  .meta({
    id: 'Event',
    description: 'One event of the tenant log, as webhooks deliver it and the stream sends it (docs/webhooks.md)',
    examples: [
      {
        id: '1042',
        type: 'record.changed',
        tenantId: 'acme',
        roomId: '6f1c2a0e-6a53-4b8e-9d49-1c7f0f0b2a11',
        pageKey: 'shop.order:42',
        roomSeq: 17,
        actor: { type: 'app', id: 'a3a7f1d2-0c55-4a8e-8f0a-2b7c9d1e4f60' },
        data: { values: { status: 'shipped' }, rebased: ['status'], savedBy: 'erp' },
        createdAt: '2026-01-01T09:30:00.000Z',
      },
    ],
  });
export type TandemEventWire = z.infer<typeof eventSchema>;
