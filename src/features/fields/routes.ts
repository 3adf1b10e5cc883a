import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mayRead } from '../../auth/permissions.js';
import { tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { appCaller } from '../../ports/caller.js';
import { fieldValueSchema, historyQuerySchema, recordChangedSchema, textOpSchema } from './messages.js';
import { wireOp } from './service.js';

const roomParams = z.object({ roomId: z.uuid() });
const fieldParams = roomParams.extend({ field: z.string().min(1).max(200) });

const by = z.object({ id: z.string(), name: z.string().nullable() });
const change = z.object({
  field: z.string(),
  version: z.number(),
  kind: z.enum(['text', 'set']),
  op: textOpSchema.optional().describe('kind text: the ot-text-unicode op (skip N, insert "str", delete {d}; positions in code points)'),
  value: fieldValueSchema.optional().describe('kind set: the value written'),
  clientId: z.string(),
  seq: z.number(),
  by,
  at: z.string(),
});
const conflict = z.object({
  id: z.string(),
  field: z.string(),
  userId: z.string(),
  baseVersion: z.number(),
  currentVersion: z.number(),
  mine: fieldValueSchema,
  theirs: fieldValueSchema,
  theirAuthor: z.string().nullable(),
  resolution: z.string().nullable(),
  resolvedValue: fieldValueSchema,
  resolvedVersion: z.number().nullable(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
});

/** Record changes from business apps; a field's history and a room's conflict log. */
const fieldRoutes: FastifyPluginAsyncZod = async (app) => {
  /** The room, if the caller may read it: API keys see their tenant, users need read on the page. */
  async function readableRoom(req: FastifyRequest, roomId: string) {
    const tenantId = tenantOf(req);
    const room = await app.rooms.store.get(tenantId, roomId);
    const p = req.principal!;
    // A room the user may not read answers exactly as one that does not exist.
    if (!room || (p.kind === 'user' && !mayRead(p.perms, room.pageKey))) throw new AppError('not_found', 'No such room');
    return room;
  }

  app.post(
    '/records/changed',
    {
      preHandler: app.auth.app,
      schema: {
        operationId: 'recordChanged',
        tags: ['fields'],
        summary: 'The business app saved a record: the room is told and its form document re-bases on the saved values',
        description: 'No room, or no form yet, for that page key: { roomId: null or the id, rebased: [] } and only the record.changed event is written.',
        body: recordChangedSchema.meta({ examples: [{ pageKey: 'shop.order:42', values: { status: 'shipped' }, savedBy: 'erp' }] }),
        response: { 200: z.object({ roomId: z.string().nullable(), rebased: z.array(z.string()).describe('The fields whose room value changed') }) },
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind !== 'app') throw new AppError('forbidden', 'This endpoint needs an API key');
      return app.fields.recordChanged(appCaller(p), req.body);
    },
  );

  app.get(
    '/rooms/:roomId/fields/:field/history',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'fieldHistory',
        tags: ['fields'],
        summary: "A field's change history, newest first (who changed what, when)",
        params: fieldParams,
        querystring: historyQuerySchema,
        response: { 200: z.object({ roomId: z.string(), field: z.string(), changes: z.array(change) }) },
      },
    },
    async (req) => {
      const room = await readableRoom(req, req.params.roomId);
      const rows = await app.fields.history(room.id, req.params.field, { before: req.query.before, limit: req.query.limit });
      return { roomId: room.id, field: req.params.field, // Set ops hold values that passed fieldValueSchema on the way in.
      changes: rows.map((r) => ({ ...wireOp(r), at: r.at.toISOString() }) as z.input<typeof change>) };
    },
  );

  app.get(
    '/rooms/:roomId/conflicts',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'roomConflicts',
        tags: ['fields'],
        summary: "A room's conflict log: every refused stale write and its resolution",
        params: roomParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ roomId: z.string(), conflicts: z.array(conflict) }) },
      },
    },
    async (req) => {
      const room = await readableRoom(req, req.params.roomId);
      const rows = await app.fields.conflicts(room.id, req.query.limit);
      return {
        roomId: room.id,
        // mine/theirs/resolvedValue are field values stored as jsonb (they passed fieldValueSchema when written).
        conflicts: rows.map((c) => ({ ...c, createdAt: c.createdAt.toISOString(), resolvedAt: c.resolvedAt?.toISOString() ?? null }) as z.input<typeof conflict>),
      };
    },
  );
};
export default fieldRoutes;
