import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** /admin/api: the console's data, behind the ops credential (OPS_TOKEN), never a tenant's key or a user token. */
export default async function consoleRoutes(app: FastifyInstance) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const expected = app.config.opsToken ? digest(app.config.opsToken) : null;

  const requireOps = async (req: FastifyRequest) => {
    if (!expected) throw new AppError('not_found', 'The admin console is off: set OPS_TOKEN to turn it on');
    const address = app.clientAddress(req.raw);
    await app.limits.authFailures.check(address);
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) {
      await app.limits.authFailures.hit(address);
      throw new AppError('unauthorized', 'The admin console needs the ops token (Authorization: Bearer <OPS_TOKEN>)');
    }
  };

  api.get('/admin/api/overview', { preHandler: requireOps, schema: { hide: true } }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return app.console.overview();
  });

  api.post(
    '/admin/api/webhooks/deliveries/:tenantId/:deliveryId/retry',
    { preHandler: requireOps, schema: { hide: true, params: z.object({ tenantId: z.string().min(1).max(200), deliveryId: z.string().regex(/^\d{1,18}$/, 'a delivery id') }) } },
    async (req) => {
      await app.webhooks.retry(req.params.tenantId, req.params.deliveryId);
      return { retried: true };
    },
  );
}
