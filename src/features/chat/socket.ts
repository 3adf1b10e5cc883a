import { need } from '../../ports/caller.js';
import { defineHandler, type TandemSocket } from '../../realtime/pipeline.js';
import { roomNames } from '../../realtime/rooms.js';
import { deleteSchema, editSchema, historySchema, reactSchema, readSchema, sendSchema, syncSchema, typingSchema } from './messages.js';
import type { Chat } from './service.js';

const TYPING_MIN_INTERVAL_MS = 500;

export const chatHandlers = (chat: Chat) => {
  const lastTyping = new WeakMap<TandemSocket, number>();
  return [
    defineHandler('chat:send', sendSchema, ({ caller }, p) => chat.send(caller(p.roomId), p)),
    defineHandler('chat:edit', editSchema, ({ caller }, p) => chat.edit(caller(p.roomId), p.messageId, p.body)),
    defineHandler('chat:delete', deleteSchema, ({ caller }, p) => chat.remove(caller(p.roomId), p.messageId)),
    defineHandler('chat:react', reactSchema, ({ caller }, p) => chat.react(caller(p.roomId), p.messageId, p.emoji)),
    defineHandler('chat:history', historySchema, ({ caller }, p) => chat.history(caller(p.roomId), p)),
    defineHandler('chat:read', readSchema, ({ caller }, p) => chat.markRead(caller(p.roomId), p.seq)),
    defineHandler('chat:sync', syncSchema, ({ caller }, p) => chat.since(caller(p.roomId), p.afterSeq)),
    defineHandler(
      'chat:typing',
      typingSchema,
      ({ socket, user, caller }, p) => {
        need(caller(p.roomId), 'comment');
        const now = Date.now();
        // Starting to type is throttled; stopping always goes through. Typing is transport-only
        // (nothing is stored), so the handler relays it itself.
        if (p.typing && now - (lastTyping.get(socket) ?? 0) < TYPING_MIN_INTERVAL_MS) return {};
        lastTyping.set(socket, now);
        socket.to(roomNames.page(user.tenantId, p.roomId)).emit('chat:typing', { roomId: p.roomId, userId: user.userId, name: user.name, typing: p.typing });
        return {};
      },
      { serial: false },
    ),
  ];
};
