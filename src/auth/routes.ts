import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userClaimsSchema } from './identity.js';
import { AppError } from '../errors.js';
import { tenantOf } from './plugin.js';

const tokenRequest = userClaimsSchema.omit({ tenant: true }).extend({
  ttlSeconds: z.number().int().min(60).max(24 * 3600).optional(),
});

/** Identity over REST: a host app's back end mints user tokens; anyone checks who they are. */
const authRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/auth/token',
    {
      preHandler: app.auth.app,
      schema: {
        operationId: 'mintUserToken',
        tags: ['auth'],
        summary: "Mint a user token for the API key's tenant",
        body: tokenRequest.meta({ examples: [{ sub: 'u42', name: 'Alice Martin', roles: ['agent'], perms: { 'shop.order:*': ['read', 'write', 'comment'] }, ttlSeconds: 3600 }] }),
        response: { 200: z.object({ token: z.string().describe('A JWT for the overlay or the REST routes that take a user token'), expiresAt: z.string() }) },
      },
    },
    async (req) => {
      const { ttlSeconds, ...claims } = req.body;
      const tenantId = tenantOf(req);
      const minted = await app.tokens.mint(tenantId, claims, ttlSeconds);
      // The user is in the directory from now on, so REST calls may name them before they ever connect.
      await app.directory.upsertFromIdentity({
        tenantId,
        userId: claims.sub,
        name: claims.name,
        avatar: claims.avatar,
        roles: claims.roles,
        expertise: claims.expertise,
        perms: claims.perms,
        expiresAt: Date.parse(minted.expiresAt),
      });
      return minted;
    },
  );

  app.get(
    '/me',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'whoAmI',
        tags: ['auth'],
        summary: 'Who the presented credential is',
        response: {
          200: z.object({
            kind: z.enum(['app', 'user']),
            tenantId: z.string(),
            id: z.string(),
            name: z.string(),
            roles: z.array(z.string()).optional(),
          }),
        },
      },
    },
    async (req) => {
      const p = req.principal!;
      return p.kind === 'app'
        ? { kind: p.kind, tenantId: p.tenantId, id: p.keyId, name: p.keyName }
        : { kind: p.kind, tenantId: p.tenantId, id: p.userId, name: p.name, roles: p.roles };
    },
  );

  app.get(
    '/tenants/:tenantId',
    {
      preHandler: app.auth.app,
      schema: {
        operationId: 'getTenant',
        tags: ['auth'],
        summary: "The API key's own tenant",
        params: z.object({ tenantId: z.string().max(63) }),
        response: { 200: z.object({ id: z.string(), name: z.string(), createdAt: z.string() }) },
      },
    },
    async (req) => {
      if (req.params.tenantId !== tenantOf(req)) throw new AppError('wrong_tenant', 'This API key belongs to another tenant');
      const t = await app.tenants.getTenant(req.params.tenantId);
      if (!t) throw new AppError('not_found', 'Tenant not found');
      return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
    },
  );
};
export default authRoutes;
