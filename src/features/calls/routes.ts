import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { callerOf } from '../rooms/rest.js';
import { callListQuery, callViewSchema } from './messages.js';

const iceServer = z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() });

/** Calls over REST: the call history of a tenant or a page, and a user's ICE servers. */
const callRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/calls',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'listCalls',
        tags: ['calls'],
        summary: 'Calls, newest first: who rang whom, who joined, how they ended (a user sees the pages they may read)',
        querystring: callListQuery,
        response: { 200: z.object({ calls: z.array(callViewSchema) }) },
      },
    },
    async (req) => ({ calls: await app.calls.history(callerOf(req), req.query) }),
  );
  app.get(
    '/calls/ice-servers',
    {
      preHandler: app.auth.any,
      schema: {
        operationId: 'callIceServers',
        tags: ['calls'],
        summary: "The STUN/TURN servers for the caller's browser, with TURN credentials minted for this user (coturn REST scheme)",
        response: { 200: z.object({ iceServers: z.array(iceServer), expiresAt: z.string().nullable() }) },
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind !== 'user') throw new AppError('forbidden', 'TURN credentials are minted for users: call this with a user token');
      return app.calls.iceServers(p.userId);
    },
  );
};
export default callRoutes;
