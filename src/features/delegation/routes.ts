import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';
import { actingUser } from '../directory/rest.js';
import { callerOf, roomOf } from '../rooms/rest.js';
import { errors } from '../../http/schemas.js';
import { workHistoryEntrySchema } from '../audit/messages.js';
import { delegationCreateBody, delegationListQuery, delegationTransitionBody, delegationViewSchema } from './messages.js';

const idParams = z.object({ id: z.uuid() });
const one = z.object({ delegation: delegationViewSchema });

const createExample = { pageKey: 'shop.order:42', fields: ['shipping_address'], assigneeId: 'bob', note: 'Please confirm the address with the customer', delegatorId: 'alice' };

/** Delegations over REST, for business apps (acting on a user's behalf) and the overlay. */
const delegationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/delegations',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'createDelegation',
        tags: ['delegation'],
        summary: 'Delegate fields of a form to a user',
        description: 'Answers 201 with the new delegation (status pending). The room must exist (someone opened the page); a field already in an open delegation → 409 conflict.',
        body: delegationCreateBody.meta({ examples: [createExample] }),
        response: { 201: one.describe('Created: the delegation, pending'), ...errors(409) },
      },
    },
    async (req, reply) => {
      const actor = await actingUser(app, req, req.body.delegatorId, 'delegatorId');
      const room = await roomOf(app, tenantOf(req), req.body);
      const delegation = await app.delegations.create(actor, { ...req.body, roomId: room.id });
      return reply.status(201).send({ delegation });
    },
  );
  app.get(
    '/delegations',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'listDelegations',
        tags: ['delegation'],
        summary: "A user's delegations, given and/or received, by state",
        querystring: delegationListQuery,
        response: { 200: z.object({ delegations: z.array(delegationViewSchema) }) },
      },
    },
    async (req) => {
      const actor = await actingUser(app, req, req.query.userId, 'userId');
      return { delegations: await app.delegations.list(actor, { userId: actor.id, role: req.query.role, status: req.query.status, roomId: req.query.roomId, limit: req.query.limit }) };
    },
  );
  app.get('/delegations/:id', {
    preHandler: app.auth.any,
    schema: {
      operationId: 'getDelegation',
      tags: ['delegation'],
      summary: 'One delegation with its history',
      params: idParams,
      response: { 200: z.object({ delegation: delegationViewSchema.extend({ history: z.array(workHistoryEntrySchema) }) }) },
    },
  }, async (req) => {
    return { delegation: await app.delegations.get(callerOf(req), req.params.id) };
  });
  app.post(
    '/delegations/:id/transitions',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'transitionDelegation',
        tags: ['delegation'],
        summary: 'accept, decline, submit, approve, reject or cancel',
        description: 'A move the state machine refuses (approve a pending delegation) → 409 invalid_transition.',
        params: idParams,
        body: delegationTransitionBody.meta({ examples: [{ action: 'accept', actorId: 'bob' }] }),
        response: { 200: one, ...errors(409) },
      },
    },
    async (req) => {
      const actor = await actingUser(app, req, req.body.actorId, 'actorId');
      return { delegation: await app.delegations.transition(actor, req.params.id, req.body.action, { note: req.body.note, values: req.body.values }) };
    },
  );
};
export default delegationRoutes;
