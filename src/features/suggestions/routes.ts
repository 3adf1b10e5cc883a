import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mayRead } from '../../auth/permissions.js';
import { tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { pagePerms } from '../../ports/caller.js';
import { PRESENCE_STATUSES } from '../presence/messages.js';
import { callerOf, roomOf } from '../rooms/rest.js';

const suggestion = z.object({
  userId: z.string(),
  name: z.string(),
  score: z.number(),
  presence: z.enum([...PRESENCE_STATUSES, 'offline']),
  reasons: z.array(z.string()).describe('One short phrase per reason, best first'),
  why: z.string().describe('The reasons as one line'),
});

/** Who to hand work to on a page (delegation and assistance use it). */
const suggestionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/rooms/:roomId/suggestions',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'suggestPeople',
        tags: ['delegation', 'assistance'],
        summary: 'Who to hand work to on this page, with reasons',
        params: z.object({ roomId: z.uuid() }),
        querystring: z.object({
          tags: z.string().max(300).optional(),
          exclude: z.string().max(300).optional(),
          limit: z.coerce.number().int().min(1).max(50).default(8),
        }),
        response: { 200: z.object({ suggestions: z.array(suggestion) }) },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const room = await roomOf(app, tenantId, { roomId: req.params.roomId });
      const c = callerOf(req);
      if (!mayRead(pagePerms(c), room.pageKey)) throw new AppError('not_found', 'No such room');
      const split = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
      const exclude = [...split(req.query.exclude), ...(c.kind === 'user' ? [c.id] : [])];
      return { suggestions: await app.suggestions.forRoom(tenantId, room, { exclude, tags: split(req.query.tags), limit: req.query.limit }) };
    },
  );
};
export default suggestionRoutes;
