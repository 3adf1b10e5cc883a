import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { NOTIFICATION_TYPES, notificationLinkSchema, notificationSchema } from './messages.js';

const userId = z.string().min(1).max(128);
const listQuery = z.object({
  unreadOnly: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  beforeSeq: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const listReply = z.object({ items: z.array(notificationSchema), unread: z.number() });
const readBody = z.union([
  z.object({ ids: z.array(z.string().regex(/^\d{1,18}$/)).min(1).max(500) }),
  z.object({ all: z.literal(true) }),
]);
const readReply = z.object({ ids: z.array(z.string()), unread: z.number() });

/** The inbox over REST: a user's own (user token), or any user's of the tenant (API key). */
const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  const n = app.notifications;

  app.get(
    '/notifications',
    { preHandler: app.auth.user, schema: { tags: ['notifications'], operationId: 'myNotifications', summary: 'My inbox, newest first', querystring: listQuery, response: { 200: listReply } } },
    async (req) => {
      const p = req.principal as { tenantId: string; userId: string };
      return n.list(p.tenantId, p.userId, req.query);
    },
  );
  app.post(
    '/notifications/read',
    { preHandler: app.auth.user, schema: { tags: ['notifications'], operationId: 'markMyNotificationsRead', summary: 'Mark some or all of my notifications read', body: readBody, response: { 200: readReply } } },
    async (req) => {
      const p = req.principal as { tenantId: string; userId: string };
      return n.markRead(p.tenantId, p.userId, 'ids' in req.body ? req.body.ids : 'all');
    },
  );

  app.get(
    '/users/:userId/notifications',
    {
      preHandler: app.auth.app,
      schema: { tags: ['notifications'], operationId: 'userNotifications', summary: "A user's inbox (business apps)", params: z.object({ userId }), querystring: listQuery, response: { 200: listReply } },
    },
    async (req) => n.list(tenantOf(req), req.params.userId, req.query),
  );
  app.post(
    '/users/:userId/notifications/read',
    {
      preHandler: app.auth.app,
      schema: { tags: ['notifications'], operationId: 'markUserNotificationsRead', summary: "Acknowledge a user's notifications (business apps)", params: z.object({ userId }), body: readBody, response: { 200: readReply } },
    },
    async (req) => n.markRead(tenantOf(req), req.params.userId, 'ids' in req.body ? req.body.ids : 'all'),
  );
  app.post(
    '/users/:userId/notifications',
    {
      preHandler: app.auth.app,
      schema: {
        tags: ['notifications'],
        operationId: 'notifyUser',
        summary: 'Put a notification in a user inbox (business apps)',
        params: z.object({ userId }),
        body: z.object({
          type: z.enum(NOTIFICATION_TYPES).default('record_changed'),
          urgent: z.boolean().default(false),
          title: z.string().min(1).max(300),
          body: z.string().max(4000).default(''),
          link: notificationLinkSchema.default({}),
          data: z.record(z.string(), z.unknown()).default({}),
        }),
        response: { 201: notificationSchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      if (!(await app.directory.get(tenantId, req.params.userId))) throw new AppError('not_found', `No user "${req.params.userId}" in this tenant`);
      const item = await n.notifyNow({ tenantId, userId: req.params.userId, actor: actorOf(req), ...req.body });
      if (!item) throw new AppError('validation_failed', `User "${req.params.userId}" may not read page "${req.body.link.pageKey}": nothing was sent`, { userId: req.params.userId });
      return reply.status(201).send(item);
    },
  );
};
export default notificationRoutes;
