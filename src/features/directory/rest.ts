import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { type UserCaller, userCaller } from '../../ports/caller.js';

/**
 * The acting user of a REST call: the token's user, or — for a business app's API key — the user
 * named in the body, with their directory roles and page rights (from their last token), so the
 * same rules apply as in the overlay; the app is kept as `via` for the audit.
 */
export async function actingUser(app: FastifyInstance, req: FastifyRequest, named: string | undefined, what: string): Promise<UserCaller> {
  const p = req.principal;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  if (p.kind === 'user') {
    if (named !== undefined && named !== p.userId) throw new AppError('forbidden', `With a user token you act as yourself; drop ${what}`);
    return userCaller(p);
  }
  if (!named) throw new AppError('validation_failed', `An API key acts on behalf of a user: give ${what}`);
  const u = await app.directory.get(p.tenantId, named);
  if (!u) throw new AppError('not_found', `No user "${named}" in this tenant`);
  const user = { tenantId: p.tenantId, userId: u.id, name: u.displayName, avatar: u.avatarUrl ?? undefined, roles: u.roles, expertise: u.expertise, perms: u.perms, expiresAt: 0 };
  return { ...userCaller(user), via: `app:${p.keyId}` };
}
