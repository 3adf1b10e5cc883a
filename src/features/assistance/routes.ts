import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { actingUser } from '../directory/rest.js';
import { callerOf, roomOf } from '../rooms/rest.js';
import { errors } from '../../http/schemas.js';
import { workHistoryEntrySchema } from '../audit/messages.js';
import { assistanceViewSchema, helpCreateBody, helpListQuery, helpTransitionBody } from './messages.js';

const idParams = z.object({ id: z.uuid() });
const one = z.object({ request: assistanceViewSchema });
const timings = assistanceViewSchema.pick({ id: true, status: true, createdAt: true, acceptedAt: true, resolvedAt: true, offers: true }).extend(assistanceViewSchema.shape.timings.shape);

/** Assistance requests over REST: ask for help, the helper queue, a request's timings, transitions. */
const assistanceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/assistance',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'createHelpRequest',
        tags: ['assistance'],
        summary: 'Ask for help on a page; routing offers it to a helper',
        body: helpCreateBody.meta({ examples: [{ pageKey: 'shop.order:42', message: 'Which VAT rate applies here?', topic: 'tax', urgency: 'normal', requesterId: 'alice' }] }),
        response: { 201: one.describe('Created, already routed: offered to a helper or queued') },
      },
    },
    async (req, reply) => {
      const actor = await actingUser(app, req, req.body.requesterId, 'requesterId');
      const room = await roomOf(app, tenantOf(req), req.body);
      return reply.status(201).send({ request: await app.assistance.create(actor, { ...req.body, roomId: room.id }) });
    },
  );
  app.get('/assistance/queue', { preHandler: app.auth.any, schema: { operationId: 'helpQueue', tags: ['assistance'], summary: 'The helper queue: requests nobody has taken', response: { 200: z.object({ queue: z.array(assistanceViewSchema) }) } } }, async (req) => {
    return { queue: await app.assistance.queue(callerOf(req)) };
  });
  app.get('/assistance', {
    preHandler: app.auth.any,
    schema: { operationId: 'listHelpRequests', tags: ['assistance'], summary: 'Assistance requests, by state, requester or helper', querystring: helpListQuery, response: { 200: z.object({ requests: z.array(assistanceViewSchema) }) } },
  }, async (req) => {
    const p = req.principal!;
    const q = req.query;
    if (p.kind === 'user' && q.requesterId !== p.userId && q.helperId !== p.userId) {
      throw new AppError('forbidden', 'With a user token, filter by requesterId or helperId equal to yourself');
    }
    return { requests: await app.assistance.list(callerOf(req), q) };
  });
  app.get('/assistance/:id', {
    preHandler: app.auth.any,
    schema: {
      operationId: 'getHelpRequest',
      tags: ['assistance'],
      summary: 'One request with its timings and history',
      params: idParams,
      response: { 200: z.object({ request: assistanceViewSchema.extend({ history: z.array(workHistoryEntrySchema) }) }) },
    },
  }, async (req) => {
    return { request: await app.assistance.get(callerOf(req), req.params.id) };
  });
  app.get('/assistance/:id/timings', { preHandler: app.auth.any, schema: { operationId: 'getHelpRequestTimings', tags: ['assistance'], summary: 'Time to first offer, to accept and to resolve', params: idParams, response: { 200: timings } } }, async (req) => {
    const r = await app.assistance.get(callerOf(req), req.params.id);
    return { id: r.id, status: r.status, createdAt: r.createdAt, acceptedAt: r.acceptedAt, resolvedAt: r.resolvedAt, offers: r.offers, ...r.timings };
  });
  app.post(
    '/assistance/:id/transitions',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'transitionHelpRequest',
        tags: ['assistance'],
        summary: 'accept, decline, resolve or cancel',
        params: idParams,
        body: helpTransitionBody.meta({ examples: [{ action: 'accept', actorId: 'dave' }] }),
        response: { 200: one, ...errors(409) },
      },
    },
    async (req) => {
      const actor = await actingUser(app, req, req.body.actorId, 'actorId');
      return { request: await app.assistance.act(actor, req.params.id, req.body.action) };
    },
  );
};
export default assistanceRoutes;
