import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { readAudit, roomIdOf } from './store.js';

const query = z
  .object({
    roomId: z.uuid().optional(),
    /** The room by its page key (`shop.order:42`), instead of its id. */
    pageKey: z.string().min(1).max(200).optional(),
    actor: z.string().min(1).max(200).optional(),
    kind: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/, 'an action like chat.message.deleted, or a prefix like delegation.*').optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine((q) => !(q.roomId && q.pageKey), { message: 'give roomId or pageKey, not both', path: ['pageKey'] })
  .refine((q) => !(q.since && q.until) || Date.parse(q.since) < Date.parse(q.until), { message: 'since must be before until', path: ['until'] });

const entry = z.object({
  id: z.number(),
  actor: z.object({ type: z.string(), id: z.string() }),
  action: z.string(),
  subject: z.string().nullable(),
  roomId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});

/** The tenant's audit trail (API key): who changed what, when — delegations, help requests, chat edits and deletes, keys. */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/audit',
    {
      preHandler: app.auth.app,
      schema: {
        tags: ['audit'],
        operationId: 'readAudit',
        summary: 'The audit trail, newest first; filter by room, actor, kind and time, page with before=nextBefore',
        querystring: query,
        response: { 200: z.object({ entries: z.array(entry), nextBefore: z.number().nullable() }) },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const { pageKey, since, until, ...rest } = req.query;
      let roomId = rest.roomId;
      if (pageKey) {
        roomId = await roomIdOf(app.db, tenantId, pageKey);
        if (!roomId) throw new AppError('not_found', `No room for page key "${pageKey}"`);
      }
      return readAudit(app.db, tenantId, { ...rest, roomId, since: since ? new Date(since) : undefined, until: until ? new Date(until) : undefined });
    },
  );
};

export default auditRoutes;
