import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../../http/schemas.js';
import { roomCaller, roomParam } from '../rooms/rest.js';
import { chatMessageSchema, clientMsgIdSchema } from './messages.js';

/** Chat over REST: business apps post as a bot author and read a room's messages. */
const chatRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/rooms/:room/messages',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['chat'],
        operationId: 'postMessage',
        summary: 'Post a message (as the app when called with an API key)',
        params: roomParam,
        body: z.object({ body: z.string().max(100_000), clientMsgId: clientMsgIdSchema.optional(), threadRootId: z.uuid().optional() }),
        response: { 200: z.object({ message: chatMessageSchema, duplicate: z.boolean() }), 201: z.object({ message: chatMessageSchema, duplicate: z.boolean() }), ...errors(409) },
      },
    },
    async (req, reply) => {
      const r = await app.chat.send(await roomCaller(app, req, req.params.room, true), req.body);
      return reply.status(r.duplicate ? 200 : 201).send(r);
    },
  );

  app.get(
    '/rooms/:room/messages',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['chat'],
        operationId: 'listMessages',
        summary: "A room's messages, newest first; pass nextBefore as before for the next page",
        params: roomParam,
        querystring: z.object({
          before: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          threadRootId: z.uuid().optional(),
        }),
        response: { 200: z.object({ messages: z.array(chatMessageSchema), nextBefore: z.number().nullable() }) },
      },
    },
    async (req) => app.chat.history(await roomCaller(app, req, req.params.room), req.query),
  );
};
export default chatRoutes;
