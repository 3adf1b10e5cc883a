import { defineHandler } from '../../realtime/pipeline.js';
import type { Rooms } from '../rooms/service.js';
import { roomNames } from '../../realtime/rooms.js';
import { presenceActivitySchema, presenceCaretSchema, presenceStatusSchema, presenceUpdateSchema, presenceWatchSchema } from './messages.js';
import type { Presence } from './service.js';

export const presenceHandlers = (presence: Presence, rooms: Rooms) => [
  defineHandler('presence:update', presenceUpdateSchema, ({ socket }, msg) => {
    rooms.membership(socket, msg.roomId, 'read');
    return presence.update(socket, msg);
  }),
  // Caret updates skip the per-connection queue: they are coalesced, not ordered with the rest.
  defineHandler(
    'presence:caret',
    presenceCaretSchema,
    ({ socket }, msg) => {
      rooms.membership(socket, msg.roomId, 'read');
      return presence.caret(socket, msg);
    },
    { serial: false },
  ),
  defineHandler('presence:activity', presenceActivitySchema, ({ socket }) => presence.activity(socket)),
  defineHandler('presence:status', presenceStatusSchema, ({ socket }, { status }) => presence.setStatus(socket, status)),
  defineHandler('presence:watch', presenceWatchSchema, async ({ socket, user }, { watch }) => {
    const room = roomNames.statusWatchers(user.tenantId);
    await (watch ? socket.join(room) : socket.leave(room));
    return { watching: watch };
  }),
];
