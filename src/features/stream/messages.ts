import { z } from 'zod';
import { errorBody } from '../../http/schemas.js';
import { eventSchema } from '../events/messages.js';

const list = z
  .string()
  .max(2000)
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const typePattern = /^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$/;
const roomPattern = /^[A-Za-z0-9._:/@~+*-]{1,200}$/;

/** The stream's query (parsed in the handler, so a bad one is answered with an `error` frame). */
export const streamQuery = z.object({
  types: list
    .refine((xs) => xs.length <= 50 && xs.every((x) => typePattern.test(x)), 'comma-separated event types, prefixes like chat.* or *')
    .optional()
    .describe('Comma-separated event types, prefixes like chat.* or *'),
  rooms: list
    .refine((xs) => xs.length <= 50 && xs.every((x) => roomPattern.test(x)), 'comma-separated page-key patterns like shop.order:*')
    .optional()
    .describe('Comma-separated page-key patterns like shop.order:*'),
  lastEventId: z.string().regex(/^\d{1,18}$/).optional().describe('Resume after this event id (or send a Last-Event-ID header)'),
});

/** What a stream client may send. */
export const streamClientMessage = z
  .discriminatedUnion('type', [z.object({ type: z.literal('ping'), id: z.string().max(64).optional() })])
  .meta({ id: 'StreamClientMessage', description: 'A frame a stream client sends: only ping, answered by pong' });

/** Every frame the server sends on /api/v1/stream, one JSON text frame each. */
export const streamFrame = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('hello'),
      tenantId: z.string(),
      instanceId: z.string(),
      filter: z.object({ types: z.array(z.string()), rooms: z.array(z.string()) }),
      resume: z.enum(['live', 'resumed', 'reset']).describe('live: from now; resumed: right after lastEventId; reset: lastEventId is gone, replay from the oldest retained event'),
    }),
    z.object({ type: z.literal('event'), event: eventSchema }),
    z.object({ type: z.literal('reset'), reason: z.string() }),
    z.object({ type: z.literal('pong'), id: z.string().nullable(), at: z.string() }),
    z.object({ type: z.literal('error'), error: errorBody.shape.error }),
  ])
  .meta({ id: 'StreamFrame', description: 'A frame the server sends on /api/v1/stream' });
export type StreamFrame = z.infer<typeof streamFrame>;
