import { z } from 'zod';
import { AppError } from '../../errors.js';
import { need } from '../../ports/caller.js';
import { defineHandler, type TandemSocket } from '../../realtime/pipeline.js';
import type { Assistance } from '../assistance/service.js';
import { emptySchema, helpActSchema, helpGetSchema, helpSchema } from '../assistance/messages.js';
import type { Rooms } from '../rooms/service.js';
import type { Suggestions } from '../suggestions/service.js';
import { delegateSchema, delegationActSchema, delegationGetSchema, delegationListSchema } from './messages.js';
import type { Delegations } from './service.js';

export const suggestSchema = z
  .object({ roomId: z.uuid(), tags: z.array(z.string().min(1).max(64)).max(10).default([]), limit: z.number().int().min(1).max(50).default(8) })
  .strict();

/** The socket user as a work actor. */
export const userActor = (socket: TandemSocket) => {
  const u = socket.data.user;
  return { type: 'user' as const, id: u.userId, name: u.name, roles: u.roles, expertise: u.expertise, perms: u.perms };
};

export const workHandlers = (rooms: Rooms, delegations: Delegations, assistance: Assistance, suggestions: Suggestions) => [
  defineHandler('work:delegate', delegateSchema, async ({ socket, user, caller }, m) => {
    need(caller(m.roomId), 'write');
    return { delegation: await delegations.create(user.tenantId, userActor(socket), m) };
  }),
  defineHandler('work:delegation:act', delegationActSchema, async ({ socket, user }, m) => ({
    delegation: await delegations.transition(user.tenantId, m.id, m.action, userActor(socket), { note: m.note, values: m.values }),
  })),
  defineHandler('work:delegation:get', delegationGetSchema, async ({ user }, m) => ({ delegation: await delegations.get(user.tenantId, m.id, user) }), { serial: false }),
  defineHandler(
    'work:delegations',
    delegationListSchema,
    async ({ user }, m) => ({ delegations: await delegations.list(user.tenantId, { userId: user.userId, role: m.role, status: m.status, roomId: m.roomId, limit: m.limit }, user) }),
    { serial: false },
  ),
  defineHandler(
    'work:suggest',
    suggestSchema,
    async ({ user, caller }, m) => {
      const membership = need(caller(m.roomId), 'read');
      return { suggestions: await suggestions.forRoom(user.tenantId, { id: m.roomId, pageKey: membership.pageKey }, { exclude: [user.userId], tags: m.tags, limit: m.limit }) };
    },
    { serial: false },
  ),
  defineHandler('work:help', helpSchema, async ({ socket, user, caller }, m) => {
    need(caller(m.roomId), 'read');
    return { request: await assistance.create(user.tenantId, userActor(socket), m) };
  }),
  defineHandler('work:help:act', helpActSchema, async ({ socket, user }, m) => {
    const request = await assistance.act(user.tenantId, m.id, m.action, userActor(socket));
    // The accepting helper is told where to go: the overlay opens the page and joins its room.
    const page = m.action === 'accept' ? { url: request.pageUrl, roomId: request.roomId, pageKey: request.pageKey, field: request.field } : null;
    return { request, page };
  }),
  defineHandler('work:help:get', helpGetSchema, async ({ socket, user }, m) => ({ request: await assistance.get(user.tenantId, m.id, userActor(socket)) }), { serial: false }),
  defineHandler('work:inbox', emptySchema, async ({ socket, user }) => assistance.inbox(user.tenantId, userActor(socket)), { serial: false }),
  defineHandler(
    'work:queue',
    emptySchema,
    async ({ socket, user }) => {
      if (!assistance.canHelp(user, null)) throw new AppError('forbidden', 'Only helpers see the helper queue');
      return { queue: await assistance.queue(user.tenantId, userActor(socket)) };
    },
    { serial: false },
  ),
];
