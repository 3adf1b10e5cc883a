import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { actingUser } from '../directory/rest.js';
import { callerOf, roomOf } from '../rooms/rest.js';
import { helpCreateBody, helpListQuery, helpTransitionBody } from './messages.js';

const idParams = z.object({ id: z.uuid() });

/** Assistance requests over REST: ask for help, the helper queue, a request's timings, transitions. */
const assistanceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/assistance',
    { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'Ask for help on a page; routing offers it to a helper', body: helpCreateBody } },
    async (req, reply) => {
      const actor = await actingUser(app, req, req.body.requesterId, 'requesterId');
      const room = await roomOf(app, tenantOf(req), req.body);
      return reply.status(201).send({ request: await app.assistance.create(actor, { ...req.body, roomId: room.id }) });
    },
  );
  app.get('/assistance/queue', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'The helper queue: requests nobody has taken' } }, async (req) => {
    return { queue: await app.assistance.queue(callerOf(req)) };
  });
  app.get('/assistance', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'Assistance requests, by state, requester or helper', querystring: helpListQuery } }, async (req) => {
    const p = req.principal!;
    const q = req.query;
    if (p.kind === 'user' && q.requesterId !== p.userId && q.helperId !== p.userId) {
      throw new AppError('forbidden', 'With a user token, filter by requesterId or helperId equal to yourself');
    }
    return { requests: await app.assistance.list(callerOf(req), q) };
  });
  app.get('/assistance/:id', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'One request with its timings and history', params: idParams } }, async (req) => {
    return { request: await app.assistance.get(callerOf(req), req.params.id) };
  });
  app.get('/assistance/:id/timings', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'Time to first offer, to accept and to resolve', params: idParams } }, async (req) => {
    const r = await app.assistance.get(callerOf(req), req.params.id);
    return { id: r.id, status: r.status, createdAt: r.createdAt, acceptedAt: r.acceptedAt, resolvedAt: r.resolvedAt, offers: r.offers, ...r.timings };
  });
  app.post(
    '/assistance/:id/transitions',
    { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'accept, decline, resolve or cancel', params: idParams, body: helpTransitionBody } },
    async (req) => {
      const actor = await actingUser(app, req, req.body.actorId, 'actorId');
      return { request: await app.assistance.act(actor, req.params.id, req.body.action) };
    },
  );
};
export default assistanceRoutes;
