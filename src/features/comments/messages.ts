import { z } from 'zod';

const roomId = z.uuid();
const commentId = z.uuid();
const field = z.string().min(1).max(200);
export const rangeSchema = z
  .object({ start: z.number().int().min(0), end: z.number().int().min(0), version: z.number().int().min(0) })
  .refine((r) => r.start <= r.end, 'start must not be after end');

export const createSchema = z.object({
  roomId,
  field,
  body: z.string().max(100_000),
  /** A reply in the thread of this root comment (the field is taken from it). */
  parentId: commentId.optional(),
  /** For text fields: the commented text, in code points at `version` of the field. */
  range: rangeSchema.optional(),
});
export const editSchema = z.object({ roomId, commentId, body: z.string().max(100_000) });
export const idSchema = z.object({ roomId, commentId });
export const listSchema = z.object({ roomId, field: field.optional(), includeResolved: z.boolean().default(false) });

export const commentSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  field: z.string(),
  parentId: z.string().nullable(),
  author: z.object({ type: z.enum(['user', 'app']), id: z.string(), name: z.string() }),
  /** null once deleted. Plain text. */
  body: z.string().nullable(),
  deleted: z.boolean(),
  range: z.object({ start: z.number(), end: z.number(), version: z.number() }).nullable(),
  resolved: z.boolean(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
});
export type Comment = z.infer<typeof commentSchema>;
export const threadSchema = commentSchema.extend({ replies: z.array(commentSchema) });
export type Thread = z.infer<typeof threadSchema>;
