import type { UserIdentity } from '../../auth/identity.js';
import type { RoomRight } from '../../auth/permissions.js';
import { defineHandler, type TandemSocket } from '../../realtime/pipeline.js';
import { roomNames } from '../../realtime/rooms.js';
import type { Rooms } from '../rooms/service.js';
import { deleteSchema, editSchema, historySchema, reactSchema, readSchema, sendSchema, syncSchema, typingSchema } from './messages.js';
import type { Author, Chat, RoomRef } from './service.js';

export const userAuthor = (u: UserIdentity): Author => ({ type: 'user', id: u.userId, name: u.name });

/** Every room-scoped handler starts with the caller's membership and the right it needs. */
export function roomRef(rooms: Rooms, socket: TandemSocket, roomId: string, right: RoomRight): RoomRef {
  const m = rooms.membership(socket, roomId, right);
  return { tenantId: socket.data.user.tenantId, roomId, pageKey: m.pageKey };
}

const TYPING_MIN_INTERVAL_MS = 500;

export const chatHandlers = (chat: Chat, rooms: Rooms) => {
  const lastTyping = new WeakMap<TandemSocket, number>();
  return [
    defineHandler('chat:send', sendSchema, ({ socket, user }, p) => chat.send(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p)),
    defineHandler('chat:edit', editSchema, ({ socket, user }, p) => chat.edit(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.messageId, p.body)),
    defineHandler('chat:delete', deleteSchema, ({ socket, user }, p) => chat.remove(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.messageId)),
    defineHandler('chat:react', reactSchema, ({ socket, user }, p) => chat.react(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.messageId, p.emoji)),
    defineHandler('chat:history', historySchema, ({ socket }, p) => chat.history(roomRef(rooms, socket, p.roomId, 'read'), p)),
    defineHandler('chat:read', readSchema, ({ socket, user }, p) => chat.markRead(roomRef(rooms, socket, p.roomId, 'read'), user.userId, p.seq)),
    defineHandler('chat:sync', syncSchema, ({ socket }, p) => chat.since(roomRef(rooms, socket, p.roomId, 'read'), p.afterSeq)),
    defineHandler(
      'chat:typing',
      typingSchema,
      ({ socket, user }, p) => {
        roomRef(rooms, socket, p.roomId, 'comment');
        const now = Date.now();
        // Starting to type is throttled; stopping always goes through.
        if (p.typing && now - (lastTyping.get(socket) ?? 0) < TYPING_MIN_INTERVAL_MS) return {};
        lastTyping.set(socket, now);
        socket.to(roomNames.page(user.tenantId, p.roomId)).emit('chat:typing', { roomId: p.roomId, userId: user.userId, name: user.name, typing: p.typing });
        return {};
      },
      { serial: false },
    ),
  ];
};
