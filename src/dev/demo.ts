import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UserClaims } from '../auth/identity.js';
import { AppError } from '../errors.js';

export const DEMO_TENANT = 'demo';
/** Known only in development mode, so the docs' curl examples work out of the box. */
export const DEV_API_KEY = 'tdm_dev_local_only_do_not_use_in_production';

const everything = { '*': ['read', 'write', 'comment'] } as UserClaims['perms'];

export const demoUsers: Record<string, Omit<UserClaims, 'tenant'>> = {
  alice: { sub: 'alice', name: 'Alice Martin', roles: ['admin', 'approver'], expertise: ['billing', 'refunds'], perms: everything },
  bob: { sub: 'bob', name: 'Bob Okafor', roles: ['agent'], expertise: ['shipping'], perms: everything },
  carol: { sub: 'carol', name: 'Carol Lindqvist', roles: ['agent'], expertise: ['sales'], perms: everything },
  dave: { sub: 'dave', name: 'Dave Nguyen', roles: ['agent', 'helper'], expertise: ['billing', 'tax'], perms: everything },
  erin: {
    sub: 'erin',
    name: 'Erin Reader',
    roles: ['viewer'],
    expertise: [],
    perms: { 'shop.order:*': ['read'], 'orderview:*': ['read'] },
  },
};

/** Creates the demo tenant, its dev API key and directory entries, once. */
export async function seedDemo(app: Parameters<FastifyPluginAsyncZod>[0]): Promise<void> {
  if (!(await app.tenants.getTenant(DEMO_TENANT))) {
    await app.tenants.createTenant({ id: DEMO_TENANT, name: 'Demo company' });
  }
  const keys = await app.tenants.listApiKeys(DEMO_TENANT);
  if (!keys.some((k) => k.name === 'dev' && !k.revokedAt)) await app.tenants.createApiKey(DEMO_TENANT, 'dev', DEV_API_KEY);
  for (const u of Object.values(demoUsers)) {
    await app.directory.upsertFromIdentity({
      tenantId: DEMO_TENANT,
      userId: u.sub,
      name: u.name,
      avatar: u.avatar,
      roles: u.roles,
      expertise: u.expertise,
      perms: u.perms,
      expiresAt: 0,
    });
  }
}

/** Development mode only: demo tokens without a host application. */
const devRoutes: FastifyPluginAsyncZod = async (app) => {
  await seedDemo(app);
  app.log.info({ tenant: DEMO_TENANT, apiKey: DEV_API_KEY, users: Object.keys(demoUsers) }, 'development mode: demo tenant ready');

  app.get(
    '/dev/token',
    {
      schema: {
        operationId: 'devToken',
        tags: ['development'],
        summary: 'A token for a demo user (development mode only)',
        querystring: z.object({ user: z.string().max(64).default('alice') }),
        response: { 200: z.object({ token: z.string(), expiresAt: z.string(), user: z.object({ id: z.string(), name: z.string() }) }) },
      },
    },
    async (req) => {
      const u = demoUsers[req.query.user];
      if (!u) throw new AppError('not_found', `No demo user "${req.query.user}"; try ${Object.keys(demoUsers).join(', ')}`);
      return { ...(await app.tokens.mint(DEMO_TENANT, u)), user: { id: u.sub, name: u.name } };
    },
  );
  app.get('/dev/users', {
      schema: {
        operationId: 'devUsers',
        tags: ['development'],
        summary: 'The demo users',
        response: { 200: z.array(z.object({ id: z.string(), name: z.string(), roles: z.array(z.string()), expertise: z.array(z.string()) })) },
      },
    }, async () =>
    Object.values(demoUsers).map((u) => ({ id: u.sub, name: u.name, roles: u.roles, expertise: u.expertise })),
  );
};
export default devRoutes;
