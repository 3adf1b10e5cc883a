import { defineHandler } from '../../realtime/pipeline.js';
import { need } from '../../ports/caller.js';
import { delegateSchema, delegationActSchema, delegationGetSchema, delegationListSchema } from './messages.js';
import type { Delegations } from './service.js';

export const delegationHandlers = (delegations: Delegations) => [
  defineHandler('work:delegate', delegateSchema, async ({ caller }, m) => {
    const c = caller(m.roomId);
    need(c, 'write');
    return { delegation: await delegations.create(c, m) };
  }),
  defineHandler('work:delegation:act', delegationActSchema, async ({ caller }, m) => ({
    delegation: await delegations.transition(caller(), m.id, m.action, { note: m.note, values: m.values }),
  })),
  defineHandler('work:delegation:get', delegationGetSchema, async ({ caller }, m) => ({ delegation: await delegations.get(caller(), m.id) }), { serial: false }),
  defineHandler(
    'work:delegations',
    delegationListSchema,
    async ({ caller, user }, m) => ({ delegations: await delegations.list(caller(), { userId: user.userId, role: m.role, status: m.status, roomId: m.roomId, limit: m.limit }) }),
    { serial: false },
  ),
];
