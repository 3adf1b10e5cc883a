import { need } from '../../ports/caller.js';
import { defineHandler } from '../../realtime/pipeline.js';
import { presenceActivitySchema, presenceCaretSchema, presenceStatusSchema, presenceUpdateSchema, presenceWatchSchema } from './messages.js';
import type { Presence } from './service.js';

export const presenceHandlers = (presence: Presence) => [
  defineHandler('presence:update', presenceUpdateSchema, ({ conn, caller }, msg) => {
    need(caller(msg.roomId), 'read');
    return presence.update(conn, msg);
  }),
  // Caret updates skip the per-connection queue: they are coalesced, not ordered with the rest.
  defineHandler(
    'presence:caret',
    presenceCaretSchema,
    ({ conn, caller }, msg) => {
      need(caller(msg.roomId), 'read');
      return presence.caret(conn, msg);
    },
    { serial: false },
  ),
  defineHandler('presence:activity', presenceActivitySchema, ({ conn }) => presence.activity(conn)),
  defineHandler('presence:status', presenceStatusSchema, ({ conn }, { status }) => presence.setStatus(conn, status)),
  defineHandler('presence:watch', presenceWatchSchema, async ({ conn }, { watch }) => {
    await conn.watchStatuses(watch);
    return { watching: watch };
  }),
];
