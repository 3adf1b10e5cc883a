import { AppError } from '../../errors.js';
import { need } from '../../ports/caller.js';
import { defineHandler } from '../../realtime/pipeline.js';
import { emptySchema, helpActSchema, helpGetSchema, helpSchema } from './messages.js';
import type { Assistance } from './service.js';

export const assistanceHandlers = (assistance: Assistance) => [
  defineHandler('work:help', helpSchema, async ({ caller }, m) => {
    const c = caller(m.roomId);
    need(c, 'read');
    return { request: await assistance.create(c, m) };
  }),
  defineHandler('work:help:act', helpActSchema, async ({ caller }, m) => {
    const request = await assistance.act(caller(), m.id, m.action);
    // The accepting helper is told where to go: the overlay opens the page and joins its room.
    const page = m.action === 'accept' ? { url: request.pageUrl, roomId: request.roomId, pageKey: request.pageKey, field: request.field } : null;
    return { request, page };
  }),
  defineHandler('work:help:get', helpGetSchema, async ({ caller }, m) => ({ request: await assistance.get(caller(), m.id) }), { serial: false }),
  defineHandler('work:inbox', emptySchema, async ({ caller }) => assistance.inbox(caller()), { serial: false }),
  defineHandler(
    'work:queue',
    emptySchema,
    async ({ user, caller }) => {
      if (!assistance.canHelp(user, null)) throw new AppError('forbidden', 'Only helpers see the helper queue');
      return { queue: await assistance.queue(caller()) };
    },
    { serial: false },
  ),
];
