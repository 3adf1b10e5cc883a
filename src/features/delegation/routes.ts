import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';
import { actingUser } from '../directory/rest.js';
import { callerOf, roomOf } from '../rooms/rest.js';
import { delegationCreateBody, delegationListQuery, delegationTransitionBody } from './messages.js';

const idParams = z.object({ id: z.uuid() });

/** Delegations over REST, for business apps (acting on a user's behalf) and the overlay. */
const delegationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/delegations',
    { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: 'Delegate fields of a form to a user', body: delegationCreateBody } },
    async (req, reply) => {
      const actor = await actingUser(app, req, req.body.delegatorId, 'delegatorId');
      const room = await roomOf(app, tenantOf(req), req.body);
      const delegation = await app.delegations.create(actor, { ...req.body, roomId: room.id });
      return reply.status(201).send({ delegation });
    },
  );
  app.get(
    '/delegations',
    { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: "A user's delegations, given and/or received, by state", querystring: delegationListQuery } },
    async (req) => {
      const actor = await actingUser(app, req, req.query.userId, 'userId');
      return { delegations: await app.delegations.list(actor, { userId: actor.id, role: req.query.role, status: req.query.status, roomId: req.query.roomId, limit: req.query.limit }) };
    },
  );
  app.get('/delegations/:id', { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: 'One delegation with its history', params: idParams } }, async (req) => {
    return { delegation: await app.delegations.get(callerOf(req), req.params.id) };
  });
  app.post(
    '/delegations/:id/transitions',
    { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: 'accept, decline, submit, approve, reject or cancel', params: idParams, body: delegationTransitionBody } },
    async (req) => {
      const actor = await actingUser(app, req, req.body.actorId, 'actorId');
      return { delegation: await app.delegations.transition(actor, req.params.id, req.body.action, { note: req.body.note, values: req.body.values }) };
    },
  );
};
export default delegationRoutes;
