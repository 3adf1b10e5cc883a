import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, tenantOf } from '../../auth/plugin.js';
import { errors } from '../../http/schemas.js';
import { channelInput, channelSchema, deliverySchema, preferencesInput, preferencesSchema } from './messages.js';

const userId = z.string().min(1).max(128);
const deliveriesQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed', 'skipped']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const deliveriesReply = z.object({ deliveries: z.array(deliverySchema) });
const tags = ['notifications'];

/**
 * Delivery preferences (a user's own with a user token, any user's with an API key), the tenant's
 * channels (API key) and each user's delivery log.
 */
const reachRoutes: FastifyPluginAsyncZod = async (app) => {
  const r = app.reach;
  const me = (req: { principal?: unknown }) => req.principal as { tenantId: string; userId: string };

  app.get(
    '/notification-preferences',
    { preHandler: app.auth.user, schema: { tags, operationId: 'myNotificationPreferences', summary: 'How my notifications reach me', response: { 200: preferencesSchema } } },
    async (req) => r.getPreferences(me(req).tenantId, me(req).userId),
  );
  app.put(
    '/notification-preferences',
    {
      preHandler: app.auth.user,
      schema: { tags, operationId: 'setMyNotificationPreferences', summary: 'Set how my notifications reach me (replaces them)', body: preferencesInput, response: { 200: preferencesSchema } },
    },
    async (req) => r.setPreferences(me(req).tenantId, me(req).userId, req.body),
  );
  app.get(
    '/notification-deliveries',
    { preHandler: app.auth.user, schema: { tags, operationId: 'myNotificationDeliveries', summary: 'My email and chat deliveries, newest first', querystring: deliveriesQuery, response: { 200: deliveriesReply } } },
    async (req) => ({ deliveries: await r.deliveries(me(req).tenantId, me(req).userId, req.query) }),
  );

  app.get(
    '/users/:userId/notification-preferences',
    { preHandler: app.auth.app, schema: { tags, operationId: 'userNotificationPreferences', summary: "A user's delivery preferences (business apps)", params: z.object({ userId }), response: { 200: preferencesSchema } } },
    async (req) => r.getPreferences(tenantOf(req), req.params.userId),
  );
  app.put(
    '/users/:userId/notification-preferences',
    {
      preHandler: app.auth.app,
      schema: { tags, operationId: 'setUserNotificationPreferences', summary: "Set a user's delivery preferences (business apps)", params: z.object({ userId }), body: preferencesInput, response: { 200: preferencesSchema } },
    },
    async (req) => r.setPreferences(tenantOf(req), req.params.userId, req.body),
  );
  app.get(
    '/users/:userId/notification-deliveries',
    {
      preHandler: app.auth.app,
      schema: { tags, operationId: 'userNotificationDeliveries', summary: "A user's email and chat deliveries (business apps)", params: z.object({ userId }), querystring: deliveriesQuery, response: { 200: deliveriesReply } },
    },
    async (req) => ({ deliveries: await r.deliveries(tenantOf(req), req.params.userId, req.query) }),
  );

  app.post(
    '/notification-channels',
    {
      preHandler: app.auth.app,
      schema: { tags, operationId: 'createNotificationChannel', summary: 'Add an SMTP server, or a Slack or Teams incoming webhook; checked before it is saved', body: channelInput, response: { 201: channelSchema, ...errors(409) } },
    },
    async (req, reply) => reply.status(201).send(await r.channels.add(tenantOf(req), req.body, actorOf(req))),
  );
  app.get(
    '/notification-channels',
    { preHandler: app.auth.app, schema: { tags, operationId: 'listNotificationChannels', summary: "The tenant's channels (secrets masked)", response: { 200: z.object({ channels: z.array(channelSchema) }) } } },
    async (req) => ({ channels: await r.channels.list(tenantOf(req)) }),
  );
  app.delete(
    '/notification-channels/:id',
    { preHandler: app.auth.app, schema: { tags, operationId: 'deleteNotificationChannel', summary: 'Remove a channel; what waits for it fails', params: z.object({ id: z.uuid() }), response: { 204: z.null() } } },
    async (req, reply) => {
      await r.channels.remove(tenantOf(req), req.params.id, actorOf(req));
      return reply.status(204).send(null);
    },
  );
};
export default reachRoutes;
