import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can } from '../../auth/permissions.js';
import { tenantOf } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { onlineUserSchema, participantSchema, PRESENCE_STATUSES } from './messages.js';

const tags = ['presence'];
const roomSummary = z.object({ roomId: z.string(), pageKey: z.string(), title: z.string().nullable(), url: z.string().nullable() });

/** REST for business apps (API key) and users: active rooms, a room's presence, a user's rooms and status. */
const presenceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { presence } = app;

  /** A user token sees only rooms it may read; an API key sees its whole tenant. */
  const mayRead = (req: FastifyRequest, pageKey: string) => req.principal?.kind !== 'user' || can(req.principal.perms, pageKey, 'read');

  app.get(
    '/rooms/active',
    {
      preHandler: app.auth.any,
      schema: {
        tags,
        operationId: 'activeRooms',
        summary: 'Rooms with people in them now, with participant counts',
        response: { 200: z.object({ rooms: z.array(roomSummary.extend({ participants: z.number().int() })) }) },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const active = await presence.activeRooms(tenantId);
      const rows = new Map((await presence.visits.roomsByIds(tenantId, active.map((r) => r.roomId))).map((r) => [r.id, r]));
      return {
        rooms: active.flatMap((a) => {
          const r = rows.get(a.roomId);
          return r && mayRead(req, r.pageKey) ? [{ roomId: a.roomId, pageKey: r.pageKey, title: r.title, url: r.url, participants: a.participants }] : [];
        }),
      };
    },
  );

  app.get(
    '/rooms/:roomId/presence',
    {
      preHandler: app.auth.any,
      schema: {
        tags,
        operationId: 'roomPresence',
        summary: "A room's participants: who, status, focused fields, carets",
        params: z.object({ roomId: z.uuid() }),
        response: { 200: z.object({ roomId: z.string(), pageKey: z.string(), participants: z.array(participantSchema) }) },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const room = await app.rooms.store.get(tenantId, req.params.roomId);
      if (!room || !mayRead(req, room.pageKey)) throw new AppError('not_found', `No room ${req.params.roomId}`);
      return { roomId: room.id, pageKey: room.pageKey, participants: await presence.participants(tenantId, room.id) };
    },
  );

  app.get(
    '/users/:userId/presence',
    {
      preHandler: app.auth.any,
      schema: {
        tags,
        operationId: 'userPresence',
        summary: "A user's status and the rooms they are in now",
        params: z.object({ userId: z.string().min(1).max(128) }),
        response: {
          200: z.object({ userId: z.string(), status: z.enum([...PRESENCE_STATUSES, 'offline']), rooms: z.array(roomSummary) }),
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const { userId } = req.params;
      const [status, conns] = await Promise.all([presence.getStatus(tenantId, userId), presence.live.userConns(tenantId, userId)]);
      const ids = [...new Set(conns.flatMap((c) => Object.keys(c.rooms)))];
      const rows = await presence.visits.roomsByIds(tenantId, ids);
      return {
        userId,
        status,
        rooms: rows.filter((r) => mayRead(req, r.pageKey)).map((r) => ({ roomId: r.id, pageKey: r.pageKey, title: r.title, url: r.url })),
      };
    },
  );

  app.get(
    '/presence/online',
    {
      preHandler: app.auth.any,
      schema: {
        tags,
        operationId: 'onlineUsers',
        summary: 'Who is online in the tenant, by status',
        querystring: z.object({ status: z.enum(PRESENCE_STATUSES).optional() }),
        response: {
          200: z.object({ users: z.array(onlineUserSchema), counts: z.record(z.string(), z.number().int()) }),
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      let all = await presence.online(tenantId);
      if (req.principal?.kind === 'user') {
        // A user sees who is online, but only the rooms they may read themselves.
        const rows = await presence.visits.roomsByIds(tenantId, [...new Set(all.flatMap((u) => u.rooms))]);
        const readable = new Set(rows.filter((r) => mayRead(req, r.pageKey)).map((r) => r.id));
        all = all.map((u) => ({ ...u, rooms: u.rooms.filter((id) => readable.has(id)) }));
      }
      const counts = Object.fromEntries(PRESENCE_STATUSES.map((s) => [s, all.filter((u) => u.status === s).length]));
      return { users: req.query.status ? all.filter((u) => u.status === req.query.status) : all, counts };
    },
  );

  app.get(
    '/rooms/:roomId/visits',
    {
      preHandler: app.auth.any,
      schema: {
        tags,
        operationId: 'roomVisits',
        summary: 'Visit history of a room: who was there, from when to when (newest first)',
        params: z.object({ roomId: z.uuid() }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: {
          200: z.object({
            visits: z.array(z.object({ userId: z.string(), startedAt: z.string(), endedAt: z.string().nullable() })),
          }),
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const room = await app.rooms.store.get(tenantId, req.params.roomId);
      if (!room || !mayRead(req, room.pageKey)) throw new AppError('not_found', `No room ${req.params.roomId}`);
      const rows = await presence.visits.list(tenantId, { roomId: room.id }, req.query.limit);
      return {
        visits: rows.map((v) => ({ userId: v.userId, startedAt: v.startedAt.toISOString(), endedAt: v.endedAt?.toISOString() ?? null })),
      };
    },
  );
};
export default presenceRoutes;
