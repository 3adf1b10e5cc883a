/** The room a REST call addresses, resolved to a Caller with its rights there (chat, comments and others share it). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROOM_RIGHTS, rightsFor } from '../../auth/permissions.js';
import type { Principal } from '../../auth/plugin.js';
import { AppError } from '../../errors.js';
import { appCaller, type Caller, type RoomGrant, userCaller } from '../../ports/caller.js';

export const roomParam = z.object({
  room: z.string().min(1).max(200).describe('A room id, or the page key (URL-encoded), e.g. shop.order:42'),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The authenticated principal as a caller (no room). */
export function callerOf(req: FastifyRequest, room?: RoomGrant): Caller {
  const p: Principal | null = req.principal;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  return p.kind === 'app' ? appCaller(p, room) : userCaller(p, room);
}

/**
 * Resolves `:room` for a REST caller: an API key may use any room of its tenant, a user token
 * only rooms it may read (the service checks the right it needs). With `create`, an app may
 * address a page nobody opened yet. A room the user may not read answers exactly as one that
 * does not exist.
 */
export async function roomCaller(app: FastifyInstance, req: FastifyRequest, room: string, create = false): Promise<Caller> {
  const p = req.principal;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  let row = UUID.test(room) ? await app.rooms.store.get(p.tenantId, room) : await app.rooms.store.getByKey(p.tenantId, room);
  if (!row && create && p.kind === 'app' && !UUID.test(room)) {
    const pageKey = app.rooms.pageKeyOf({ url: '/', title: '', fields: [], pageKey: room });
    row = (await app.rooms.store.upsert(p.tenantId, pageKey, '', '')).room;
  }
  const rights = row ? (p.kind === 'app' ? [...ROOM_RIGHTS] : rightsFor(p.perms, row.pageKey)) : [];
  if (!row || !rights.includes('read')) throw new AppError('not_found', `No room "${room}" in this tenant`);
  return callerOf(req, { roomId: row.id, pageKey: row.pageKey, rights });
}

/** A room named by id or page key in a REST body (work items address pages either way). */
export async function roomOf(app: FastifyInstance, tenantId: string, b: { roomId?: string | undefined; pageKey?: string | undefined }) {
  const room = b.roomId ? await app.rooms.store.get(tenantId, b.roomId) : await app.rooms.store.getByKey(tenantId, b.pageKey!);
  if (!room) throw new AppError('not_found', b.roomId ? 'No such room' : `No room for page "${b.pageKey}" yet (a room exists once someone opened the page)`);
  return room;
}
