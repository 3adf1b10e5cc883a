import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../auth/plugin.js';
import { mayRead } from '../../auth/permissions.js';
import { AppError } from '../../errors.js';
import { helpCreateBody, helpListQuery, helpTransitionBody } from '../assistance/messages.js';
import { delegationCreateBody, delegationListQuery, delegationTransitionBody } from './messages.js';

const idParams = z.object({ id: z.uuid() });

/**
 * The acting user of a request: the token's user, or — for a business app's API key — the
 * user named in the body, with their directory roles, so the same rules apply as in the overlay.
 */
async function actingUser(app: FastifyInstance, req: FastifyRequest, named: string | undefined, what: string) {
  const p = req.principal!;
  if (p.kind === 'user') {
    if (named !== undefined && named !== p.userId) throw new AppError('forbidden', `With a user token you act as yourself; drop ${what}`);
    return { type: 'user' as const, id: p.userId, name: p.name, roles: p.roles, expertise: p.expertise, perms: p.perms };
  }
  if (!named) throw new AppError('validation_failed', `An API key acts on behalf of a user: give ${what}`);
  const u = await app.directory.get(p.tenantId, named);
  if (!u) throw new AppError('not_found', `No user "${named}" in this tenant`);
  // The named user's own page rights (from their last token) apply, as they would in the overlay.
  return { type: 'user' as const, id: u.id, name: u.displayName, roles: u.roles, expertise: u.expertise, perms: u.perms, via: `app:${p.keyId}` };
}

/** Who reads: a user token's user with its page rights, or undefined for an API key (its whole tenant). */
function viewerOf(req: FastifyRequest) {
  const p = req.principal!;
  return p.kind === 'user' ? { type: 'user' as const, id: p.userId, name: p.name, roles: p.roles, expertise: p.expertise, perms: p.perms } : undefined;
}

async function roomOf(app: FastifyInstance, tenantId: string, b: { roomId?: string | undefined; pageKey?: string | undefined }) {
  const room = b.roomId ? await app.rooms.store.get(tenantId, b.roomId) : await app.rooms.store.getByKey(tenantId, b.pageKey!);
  if (!room) throw new AppError('not_found', b.roomId ? 'No such room' : `No room for page "${b.pageKey}" yet (a room exists once someone opened the page)`);
  return room;
}

/** REST for business apps and the overlay: delegations, assistance requests, the helper queue, suggestions. */
const workRoutes: FastifyPluginAsyncZod = async (app) => {
  // ---- delegations ----
  app.post(
    '/delegations',
    { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: 'Delegate fields of a form to a user', body: delegationCreateBody } },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const actor = await actingUser(app, req, req.body.delegatorId, 'delegatorId');
      const room = await roomOf(app, tenantId, req.body);
      const delegation = await app.delegations.create(tenantId, actor, { ...req.body, roomId: room.id });
      return reply.status(201).send({ delegation });
    },
  );
  app.get(
    '/delegations',
    { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: "A user's delegations, given and/or received, by state", querystring: delegationListQuery } },
    async (req) => {
      const tenantId = tenantOf(req);
      const actor = await actingUser(app, req, req.query.userId, 'userId');
      return { delegations: await app.delegations.list(tenantId, { userId: actor.id, role: req.query.role, status: req.query.status, roomId: req.query.roomId, limit: req.query.limit }, actor) };
    },
  );
  app.get('/delegations/:id', { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: 'One delegation with its history', params: idParams } }, async (req) => {
    const p = req.principal!;
    return { delegation: await app.delegations.get(tenantOf(req), req.params.id, p.kind === 'user' ? p : undefined) };
  });
  app.post(
    '/delegations/:id/transitions',
    { preHandler: app.auth.any, schema: { tags: ['delegation'], summary: 'accept, decline, submit, approve, reject or cancel', params: idParams, body: delegationTransitionBody } },
    async (req) => {
      const actor = await actingUser(app, req, req.body.actorId, 'actorId');
      return { delegation: await app.delegations.transition(tenantOf(req), req.params.id, req.body.action, actor, { note: req.body.note, values: req.body.values }) };
    },
  );

  // ---- assistance ----
  app.post(
    '/assistance',
    { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'Ask for help on a page; routing offers it to a helper', body: helpCreateBody } },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const actor = await actingUser(app, req, req.body.requesterId, 'requesterId');
      const room = await roomOf(app, tenantId, req.body);
      return reply.status(201).send({ request: await app.assistance.create(tenantId, actor, { ...req.body, roomId: room.id }) });
    },
  );
  app.get('/assistance/queue', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'The helper queue: requests nobody has taken' } }, async (req) => {
    return { queue: await app.assistance.queue(tenantOf(req), viewerOf(req)) };
  });
  app.get('/assistance', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'Assistance requests, by state, requester or helper', querystring: helpListQuery } }, async (req) => {
    const p = req.principal!;
    const q = req.query;
    if (p.kind === 'user' && q.requesterId !== p.userId && q.helperId !== p.userId) {
      throw new AppError('forbidden', 'With a user token, filter by requesterId or helperId equal to yourself');
    }
    return { requests: await app.assistance.list(tenantOf(req), q, viewerOf(req)) };
  });
  app.get('/assistance/:id', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'One request with its timings and history', params: idParams } }, async (req) => {
    return { request: await app.assistance.get(tenantOf(req), req.params.id, viewerOf(req)) };
  });
  app.get('/assistance/:id/timings', { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'Time to first offer, to accept and to resolve', params: idParams } }, async (req) => {
    const r = await app.assistance.get(tenantOf(req), req.params.id, viewerOf(req));
    return { id: r.id, status: r.status, createdAt: r.createdAt, acceptedAt: r.acceptedAt, resolvedAt: r.resolvedAt, offers: r.offers, ...r.timings };
  });
  app.post(
    '/assistance/:id/transitions',
    { preHandler: app.auth.any, schema: { tags: ['assistance'], summary: 'accept, decline, resolve or cancel', params: idParams, body: helpTransitionBody } },
    async (req) => {
      const actor = await actingUser(app, req, req.body.actorId, 'actorId');
      return { request: await app.assistance.act(tenantOf(req), req.params.id, req.body.action, actor) };
    },
  );

  // ---- suggestions ----
  app.get(
    '/rooms/:roomId/suggestions',
    {
      preHandler: app.auth.any,
      schema: {
        tags: ['delegation', 'assistance'],
        summary: 'Who to hand work to on this page, with reasons',
        params: z.object({ roomId: z.uuid() }),
        querystring: z.object({
          tags: z.string().max(300).optional(),
          exclude: z.string().max(300).optional(),
          limit: z.coerce.number().int().min(1).max(50).default(8),
        }),
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const room = await roomOf(app, tenantId, { roomId: req.params.roomId });
      const p = req.principal!;
      if (!mayRead(viewerOf(req)?.perms, room.pageKey)) throw new AppError('not_found', 'No such room');
      const split = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
      const exclude = [...split(req.query.exclude), ...(p.kind === 'user' ? [p.userId] : [])];
      return { suggestions: await app.suggestions.forRoom(tenantId, room, { exclude, tags: split(req.query.tags), limit: req.query.limit }) };
    },
  );
};
export default workRoutes;
