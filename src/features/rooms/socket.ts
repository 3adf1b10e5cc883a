import { need } from '../../ports/caller.js';
import { defineHandler } from '../../realtime/pipeline.js';
import { roomJoinSchema, roomLeaveSchema } from './messages.js';
import type { Rooms } from './service.js';

export const roomHandlers = (rooms: Rooms) => [
  defineHandler('room:join', roomJoinSchema, ({ conn }, { context }) => rooms.join(conn, context)),
  defineHandler('room:leave', roomLeaveSchema, async ({ conn, caller }, { roomId }) => {
    need(caller(roomId), 'read');
    await rooms.leave(conn, roomId, 'leave');
  }),
];
