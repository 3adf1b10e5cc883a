import { z } from 'zod';

/** The reactions a message may carry; anything else is refused. */
export const REACTIONS = ['👍', '❤️', '😄', '🎉', '😮', '😢', '👀', '✅'] as const;
export type Reaction = (typeof REACTIONS)[number];

const roomId = z.uuid();
const messageId = z.uuid();
/** Bodies are length-checked in code points by the service (CHAT_MESSAGE_MAX_CHARS); this is only a hard cap. */
const body = z.string().max(100_000);
export const clientMsgIdSchema = z.string().min(1).max(64).regex(/^[\w.:-]+$/, 'letters, digits, _ . : -');

export const sendSchema = z.object({ roomId, body, clientMsgId: clientMsgIdSchema, threadRootId: messageId.optional() });
export const editSchema = z.object({ roomId, messageId, body });
export const deleteSchema = z.object({ roomId, messageId });
export const reactSchema = z.object({ roomId, messageId, emoji: z.enum(REACTIONS) });
export const historySchema = z.object({
  roomId,
  /** Messages strictly older than this position (the `nextBefore` of the previous page). */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** A thread's replies instead of the room's top-level messages. */
  threadRootId: messageId.optional(),
});
export const readSchema = z.object({ roomId, seq: z.number().int().min(0) });
export const typingSchema = z.object({ roomId, typing: z.boolean() });
export const syncSchema = z.object({ roomId, afterSeq: z.number().int().min(0) });

export const authorSchema = z.object({ type: z.enum(['user', 'app']), id: z.string(), name: z.string() });
export const chatMessageSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  /** The room-log position of its creation: the server's order. */
  seq: z.number(),
  author: authorSchema,
  /** null once deleted. Plain text: render with textContent. */
  body: z.string().nullable(),
  deleted: z.boolean(),
  mentions: z.array(z.string()),
  links: z.array(z.object({ start: z.number(), end: z.number(), url: z.string() })),
  threadRootId: z.string().nullable(),
  replyCount: z.number(),
  reactions: z.array(z.object({ emoji: z.string(), users: z.array(z.string()) })),
  clientMsgId: z.string().nullable(),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;
