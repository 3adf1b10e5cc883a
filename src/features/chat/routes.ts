import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RoomRight } from '../../auth/permissions.js';
import { can } from '../../auth/permissions.js';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../http/schemas.js';
import { chatMessageSchema, clientMsgIdSchema } from './messages.js';
import type { Author, RoomRef } from './service.js';

export const roomParam = z.object({
  room: z.string().min(1).max(200).describe('A room id, or the page key (URL-encoded), e.g. shop.order:42'),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves `:room` for a REST caller: an API key may use any room of its tenant, a user token
 * only rooms its permissions grant `right` on. With `create`, an app may address a page nobody
 * opened yet.
 */
export async function resolveRoom(app: Parameters<FastifyPluginAsyncZod>[0], req: FastifyRequest, room: string, right: RoomRight, create = false): Promise<RoomRef> {
  const p = req.principal;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  let row = UUID.test(room) ? await app.rooms.store.get(p.tenantId, room) : await app.rooms.store.getByKey(p.tenantId, room);
  if (!row && create && p.kind === 'app' && !UUID.test(room)) {
    const pageKey = app.rooms.pageKeyOf({ url: '/', title: '', fields: [], pageKey: room });
    row = (await app.rooms.store.upsert(p.tenantId, pageKey, '', '')).room;
  }
  // A room the user may not read answers exactly as one that does not exist.
  if (!row || (p.kind === 'user' && !can(p.perms, row.pageKey, 'read'))) throw new AppError('not_found', `No room "${room}" in this tenant`);
  if (p.kind === 'user' && !can(p.perms, row.pageKey, right)) throw new AppError('forbidden', `You have no ${right} permission on page "${row.pageKey}"`);
  return { tenantId: p.tenantId, roomId: row.id, pageKey: row.pageKey };
}

export function authorOf(req: FastifyRequest): Author {
  const p = req.principal!;
  return p.kind === 'app' ? { type: 'app', id: p.keyId, name: p.keyName } : { type: 'user', id: p.userId, name: p.name };
}

/** Chat over REST: business apps post as a bot author and read a room's messages. */
const chatRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/rooms/:room/messages',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['chat'],
        summary: 'Post a message (as the app when called with an API key)',
        params: roomParam,
        body: z.object({ body: z.string().max(100_000), clientMsgId: clientMsgIdSchema.optional(), threadRootId: z.uuid().optional() }),
        response: { 200: z.object({ message: chatMessageSchema, duplicate: z.boolean() }), 201: z.object({ message: chatMessageSchema, duplicate: z.boolean() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ref = await resolveRoom(app, req, req.params.room, 'comment', true);
      const r = await app.chat.send(ref, authorOf(req), req.body);
      return reply.status(r.duplicate ? 200 : 201).send(r);
    },
  );

  app.get(
    '/rooms/:room/messages',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['chat'],
        summary: "A room's messages, newest first; pass nextBefore as before for the next page",
        params: roomParam,
        querystring: z.object({
          before: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          threadRootId: z.uuid().optional(),
        }),
        response: { 200: z.object({ messages: z.array(chatMessageSchema), nextBefore: z.number().nullable() }), ...errorResponses },
      },
    },
    async (req) => app.chat.history(await resolveRoom(app, req, req.params.room, 'read'), req.query),
  );
};
export default chatRoutes;
