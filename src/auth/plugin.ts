import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import type { AppIdentity, UserIdentity } from './identity.js';

export type Principal = ({ kind: 'app' } & AppIdentity) | ({ kind: 'user' } & UserIdentity);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandlers: which credentials a route accepts. */
    auth: {
      app: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
      user: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
      any: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    };
  }
}

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h) throw new AppError('unauthorized', 'Send an API key or user token as "Authorization: Bearer …"');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new AppError('unauthorized', 'Authorization header must be "Bearer <credential>"');
  return m[1]!;
}

/** Who is calling: an API key (`tdm_…`) is a business app, anything else must be a user JWT. */
export default fp(
  async function auth(app) {
    app.decorateRequest('principal', null);

    const identify = async (req: FastifyRequest): Promise<Principal> => {
      const credential = bearer(req);
      if (credential.startsWith('tdm_')) return { kind: 'app', ...(await app.tenants.verifyApiKey(credential)) };
      return { kind: 'user', ...(await app.tokens.verify(credential)) };
    };
    /**
     * Authenticate first, then limit: a valid credential counts against its tenant + principal
     * (however many tokens or addresses it uses); a missing or bad one counts against the client
     * address, which is refused before any verification once it is over.
     */
    const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<Principal> => {
      await app.limits.authFailures.check(req.ip);
      let p: Principal;
      try {
        p = await identify(req);
      } catch (err) {
        if (err instanceof AppError && err.status === 401) await app.limits.authFailures.hit(req.ip);
        throw err;
      }
      const s = await app.limits.principal.hit(principalKey(p));
      reply.header('x-ratelimit-limit', s.limit).header('x-ratelimit-remaining', s.remaining).header('x-ratelimit-reset', s.resetSeconds);
      return p;
    };
    const require = (kinds: Principal['kind'][]) => async (req: FastifyRequest, reply: FastifyReply) => {
      const p = await authenticate(req, reply);
      if (!kinds.includes(p.kind)) {
        throw new AppError('forbidden', kinds[0] === 'app' ? 'This endpoint needs an API key' : 'This endpoint needs a user token');
      }
      req.principal = p;
    };
    app.decorate('auth', { app: require(['app']), user: require(['user']), any: require(['app', 'user']) });
  },
  { name: 'auth', dependencies: ['core'] },
);

/** One rate-limit bucket per principal of a tenant: an API key, or a user (whatever tokens they hold). */
export const principalKey = (p: Principal) => `${p.tenantId}\u0000${p.kind === 'app' ? `app:${p.keyId}` : `user:${p.userId}`}`;

/** The tenant of an authenticated request; throws if a route forgot its preHandler. */
export function tenantOf(req: FastifyRequest): string {
  if (!req.principal) throw new AppError('unauthorized', 'Not authenticated');
  return req.principal.tenantId;
}

export function actorOf(req: FastifyRequest): { type: 'user' | 'app'; id: string } {
  if (!req.principal) throw new AppError('unauthorized', 'Not authenticated');
  return req.principal.kind === 'app' ? { type: 'app', id: req.principal.keyId } : { type: 'user', id: req.principal.userId };
}
