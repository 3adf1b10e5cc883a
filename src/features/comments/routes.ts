import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../../http/schemas.js';
import { roomCaller, roomParam } from '../rooms/rest.js';
import { commentSchema, rangeSchema, threadSchema } from './messages.js';

/** Field comments over REST (API key: any room of the tenant; user token: rooms it may read/comment). */
const commentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/rooms/:room/comments',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['comments'],
        operationId: 'listComments',
        summary: "A room's comment threads, optionally of one field",
        params: roomParam,
        querystring: z.object({ field: z.string().min(1).max(200).optional(), includeResolved: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
        response: { 200: z.object({ threads: z.array(threadSchema) }) },
      },
    },
    async (req) => ({ threads: await app.comments.list(await roomCaller(app, req, req.params.room), req.query) }),
  );
  app.post(
    '/rooms/:room/comments',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['comments'],
        operationId: 'postComment',
        summary: 'Comment on a field (as the app when called with an API key)',
        params: roomParam,
        body: z.object({ field: z.string().min(1).max(200), body: z.string().max(100_000), parentId: z.uuid().optional(), range: rangeSchema.optional() }),
        response: { 201: z.object({ comment: commentSchema }), ...errors(409) },
      },
    },
    async (req, reply) => reply.status(201).send(await app.comments.create(await roomCaller(app, req, req.params.room), req.body)),
  );
};
export default commentRoutes;
