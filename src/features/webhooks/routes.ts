import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';

const eventType = z.string().regex(/^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$/, 'an event type, a prefix like chat.*, or *');
const endpoint = z.object({ id: z.string(), url: z.string(), eventTypes: z.array(z.string()), description: z.string(), createdAt: z.string() });
const idParam = z.object({ id: z.uuid() });

/** Webhook endpoints and their delivery log, per tenant (API key). */
const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/webhooks',
    {
      preHandler: app.auth.app,
      schema: {
        tags: ['webhooks'],
        operationId: 'createWebhook',
        summary: 'Register an endpoint; the answer carries its signing secret',
        body: z.object({
          url: z.string().min(1).max(2048),
          eventTypes: z.array(eventType).min(1).max(50),
          description: z.string().max(500).optional(),
          secret: z.string().min(16).max(200).optional(),
        }),
        response: { 201: endpoint.extend({ secret: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await app.webhooks.register(tenantOf(req), req.body)),
  );
  app.get(
    '/webhooks',
    { preHandler: app.auth.app, schema: { tags: ['webhooks'], operationId: 'listWebhooks', summary: "The tenant's endpoints", response: { 200: z.object({ endpoints: z.array(endpoint) }) } } },
    async (req) => ({ endpoints: await app.webhooks.list(tenantOf(req)) }),
  );
  app.delete(
    '/webhooks/:id',
    { preHandler: app.auth.app, schema: { tags: ['webhooks'], operationId: 'deleteWebhook', summary: 'Remove an endpoint (its log stays)', params: idParam, response: { 204: z.null() } } },
    async (req, reply) => {
      await app.webhooks.remove(tenantOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/webhooks/:id/deliveries',
    {
      preHandler: app.auth.app,
      schema: {
        tags: ['webhooks'],
        operationId: 'webhookDeliveries',
        summary: 'The delivery log of an endpoint, newest first, with every attempt',
        params: idParam,
        querystring: z.object({
          status: z.enum(['pending', 'delivered', 'failed']).optional(),
          beforeId: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            deliveries: z.array(
              z.object({
                id: z.string(),
                eventId: z.string(),
                eventType: z.string(),
                status: z.string(),
                attempts: z.number(),
                nextAttemptAt: z.string().nullable(),
                lastAttemptAt: z.string().nullable(),
                lastStatus: z.number().nullable(),
                lastError: z.string().nullable(),
                deliveredAt: z.string().nullable(),
                createdAt: z.string(),
                log: z.array(z.object({ at: z.string(), status: z.number().nullable(), error: z.string().nullable(), durationMs: z.number() })),
              }),
            ),
          }),
        },
      },
    },
    async (req) => ({ deliveries: await app.webhooks.deliveries(tenantOf(req), req.params.id, req.query) }),
  );
};
export default webhookRoutes;
