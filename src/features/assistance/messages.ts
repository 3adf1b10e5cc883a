import { z } from 'zod';
import { ASSISTANCE_STATUSES, USER_ASSISTANCE_ACTIONS } from './machine.js';

const tag = z.string().min(1).max(64);
const userId = z.string().min(1).max(128);
export const URGENCIES = ['normal', 'urgent'] as const;

const helpBody = {
  field: z.string().min(1).max(200).nullish(),
  message: z.string().trim().min(1, 'say what you need help with').max(2000),
  urgency: z.enum(URGENCIES).default('normal'),
  /** The expertise wanted (e.g. "billing"); without it the helper role is asked first. */
  topic: tag.nullish(),
};

// Socket: work:help
export const helpSchema = z.object({ roomId: z.uuid(), ...helpBody }).strict();
// Socket: work:help:act
export const helpActSchema = z.object({ id: z.uuid(), action: z.enum(USER_ASSISTANCE_ACTIONS) }).strict();
// Socket: work:help:get
export const helpGetSchema = z.object({ id: z.uuid() }).strict();
// Socket: work:inbox (no payload)
export const emptySchema = z.object({}).strict().optional();

// REST
export const helpCreateBody = z
  .object({
    roomId: z.uuid().optional(),
    pageKey: z.string().min(1).max(200).optional(),
    /** API key callers: who asks. */
    requesterId: userId.optional(),
    ...helpBody,
  })
  .strict()
  .refine((b) => (b.roomId === undefined) !== (b.pageKey === undefined), 'give exactly one of roomId or pageKey');
export const helpTransitionBody = z.object({ action: z.enum(USER_ASSISTANCE_ACTIONS), actorId: userId.optional() }).strict();
export const helpListQuery = z.object({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((x) => x.trim()) : undefined))
    .pipe(z.array(z.enum(ASSISTANCE_STATUSES)).optional()),
  requesterId: userId.optional(),
  helperId: userId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const assistanceViewSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  pageKey: z.string(),
  pageUrl: z.string(),
  pageTitle: z.string(),
  field: z.string().nullable(),
  message: z.string(),
  urgency: z.enum(URGENCIES),
  topic: z.string().nullable(),
  requester: z.object({ id: z.string(), name: z.string() }),
  helper: z.object({ id: z.string(), name: z.string() }).nullable(),
  status: z.enum(ASSISTANCE_STATUSES),
  state: z.record(z.string(), z.unknown()),
  tried: z.array(z.string()),
  offers: z.number(),
  createdAt: z.string(),
  acceptedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  /** Milliseconds from creation to acceptance / resolution, once known. */
  timings: z.object({ toAcceptMs: z.number().nullable(), toResolveMs: z.number().nullable(), firstOfferMs: z.number().nullable() }),
});
export type AssistanceView = z.infer<typeof assistanceViewSchema>;
