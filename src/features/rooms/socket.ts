import { defineHandler } from '../../realtime/pipeline.js';
import { roomJoinSchema, roomLeaveSchema } from './messages.js';
import type { Rooms } from './service.js';

export const roomHandlers = (rooms: Rooms) => [
  defineHandler('room:join', roomJoinSchema, ({ socket }, { context }) => rooms.join(socket, context)),
  defineHandler('room:leave', roomLeaveSchema, async ({ socket }, { roomId }) => {
    rooms.membership(socket, roomId);
    await rooms.leave(socket, roomId, 'leave');
  }),
];
