import { z } from 'zod';
import { FIELD_KINDS } from '../rooms/messages.js';
import { DELEGATION_STATUSES, USER_DELEGATION_ACTIONS } from './machine.js';

const fieldName = z.string().min(1).max(200);
const userId = z.string().min(1).max(128);
const note = z.string().max(2000);
export const MAX_DELEGATED_FIELDS = 50;

/** A value as the form holds it: text, a number, a boolean, a list (multi-select) or nothing. */
export const fieldValueSchema = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null(), z.array(z.string().max(10_000)).max(500)]);
const valuesSchema = z.record(fieldName, fieldValueSchema).refine((v) => Object.keys(v).length <= 300, 'at most 300 values');

const fieldsSchema = z
  .array(fieldName)
  .min(1, 'pick at least one field')
  .max(MAX_DELEGATED_FIELDS, `at most ${MAX_DELEGATED_FIELDS} fields`)
  .refine((fs) => new Set(fs).size === fs.length, 'field names must be unique');

const fieldMetaSchema = z.record(fieldName, z.object({ label: z.string().max(300).default(''), kind: z.enum(FIELD_KINDS).default('other') }));

const delegationBody = {
  fields: fieldsSchema,
  assigneeId: userId,
  note: note.default(''),
  /** ISO 8601 with offset; must be in the future. */
  dueAt: z.iso.datetime({ offset: true }).nullish(),
  /** The fields' values as the delegator sees them now (stored with the delegation). */
  values: valuesSchema.default({}),
  /** Labels and kinds of the fields, for the assignee's and the reviewers' views. */
  meta: fieldMetaSchema.default({}),
};

// Socket: work:delegate
export const delegateSchema = z.object({ roomId: z.uuid(), ...delegationBody }).strict();
// Socket: work:delegation:act
export const delegationActSchema = z
  .object({
    id: z.uuid(),
    action: z.enum(USER_DELEGATION_ACTIONS),
    note: note.optional(),
    /** On submit: the values handed back. */
    values: valuesSchema.optional(),
  })
  .strict();
// Socket: work:delegations
export const delegationListSchema = z
  .object({
    role: z.enum(['given', 'received', 'all']).default('all'),
    status: z.array(z.enum(DELEGATION_STATUSES)).max(8).optional(),
    roomId: z.uuid().optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .strict()
  .default({ role: 'all', limit: 50 });
export const delegationGetSchema = z.object({ id: z.uuid() }).strict();

// REST
export const delegationCreateBody = z
  .object({
    roomId: z.uuid().optional(),
    pageKey: z.string().min(1).max(200).optional(),
    /** API key callers: the user who delegates (their directory roles apply). */
    delegatorId: userId.optional(),
    ...delegationBody,
  })
  .strict()
  .refine((b) => (b.roomId === undefined) !== (b.pageKey === undefined), 'give exactly one of roomId or pageKey');
export const delegationTransitionBody = z
  .object({
    action: z.enum(USER_DELEGATION_ACTIONS),
    note: note.optional(),
    values: valuesSchema.optional(),
    /** API key callers: the user on whose behalf the transition is made. */
    actorId: userId.optional(),
  })
  .strict();
export const delegationListQuery = z.object({
  /** API key callers: whose delegations; user tokens: always the caller. */
  userId: userId.optional(),
  role: z.enum(['given', 'received', 'all']).default('all'),
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((x) => x.trim()) : undefined))
    .pipe(z.array(z.enum(DELEGATION_STATUSES)).optional()),
  roomId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const personSchema = z.object({ id: z.string(), name: z.string() });
export const delegationViewSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  pageKey: z.string(),
  pageUrl: z.string(),
  pageTitle: z.string(),
  delegator: personSchema,
  assignee: personSchema,
  fields: z.array(z.object({ name: z.string(), label: z.string(), kind: z.string() })),
  valuesAtCreation: z.record(z.string(), z.unknown()),
  submittedValues: z.record(z.string(), z.unknown()).nullable(),
  note: z.string(),
  dueAt: z.string().nullable(),
  status: z.enum(DELEGATION_STATUSES),
  state: z.record(z.string(), z.unknown()),
  /** Who may write the fields now: the assignee, nobody (under review), or everyone. */
  hold: z.enum(['assignee', 'frozen', 'free']),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DelegationView = z.infer<typeof delegationViewSchema>;
export type FieldValue = z.infer<typeof fieldValueSchema>;
