import { z } from 'zod';
import { CALL_STATUSES, END_REASONS } from './machine.js';

const roomId = z.uuid();
const callId = z.uuid();
/** A Socket.IO connection id: the leg a signal is for. */
const connId = z.string().min(1).max(64).regex(/^[\w-]+$/, 'a connection id');
const userId = z.string().min(1).max(128);

/** Bounds for what the server relays and never reads: an SDP of a few tracks is 3–10 KB. */
export const SDP_MAX_CHARS = 32_000;
export const CANDIDATE_MAX_CHARS = 1_000;

// Socket: call:ring — ring the other party of a help request, some people in the room, or everyone else there.
export const ringSchema = z
  .object({
    roomId,
    helpRequestId: z.uuid().optional(),
    userIds: z.array(userId).min(1).max(8).optional(),
  })
  .strict()
  .refine((m) => !(m.helpRequestId && m.userIds), 'give helpRequestId or userIds, not both');
// Socket: call:accept, call:decline, call:leave
export const callRefSchema = z.object({ roomId, callId }).strict();
// Socket: call:signal — an offer, an answer or an ICE candidate for one other leg of the call.
export const signalSchema = z
  .object({
    roomId,
    callId,
    to: connId,
    description: z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1).max(SDP_MAX_CHARS) }).strict().optional(),
    candidate: z
      .object({
        candidate: z.string().max(CANDIDATE_MAX_CHARS),
        sdpMid: z.string().max(64).nullish(),
        sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
        usernameFragment: z.string().max(256).nullish(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((m) => (m.description === undefined) !== (m.candidate === undefined), 'a signal carries a description or a candidate');
// Socket: call:state — what the overlay shows after a reload: the room's live call, if any.
export const callStateSchema = z.object({ roomId }).strict();

// REST
export const callListQuery = z.object({ roomId: roomId.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

export const callViewSchema = z
  .object({
    id: z.string(),
    roomId: z.string(),
    pageKey: z.string(),
    status: z.enum(CALL_STATUSES),
    callerId: z.string(),
    helpRequestId: z.string().nullable(),
    urgent: z.boolean(),
    /** The legs now in the call: one per connection (browser tab). */
    legs: z.array(z.object({ connId: z.string(), userId: z.string(), name: z.string(), joinedAt: z.string() })),
    invitees: z.array(z.object({ userId: z.string(), name: z.string(), answer: z.enum(['ringing', 'joined', 'declined', 'missed', 'left']) })),
    participants: z.array(z.string()),
    /** Grows with every change: of two states of one call, the higher version is the newer. */
    version: z.number().int(),
    endReason: z.enum(END_REASONS).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
  })
  .meta({ id: 'Call' });
export type CallView = z.infer<typeof callViewSchema>;
