import fp from 'fastify-plugin';
import { createLimiter } from './limiter.js';
import { createChat, type Chat } from './service.js';
import { chatHandlers } from './socket.js';
import { createChatStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    chat: Chat;
  }
}

export default fp(
  async function chatPlugin(app) {
    const { collab } = app.config;
    const limiter = createLimiter({ burst: collab.sendBurst, perSecond: collab.sendPerSecond });
    app.addHook('onClose', async () => limiter.close());
    const chat = createChat({
      db: app.db,
      store: createChatStore(app.db),
      events: app.events,
      notifications: app.notifications,
      directory: app.directory,
      limiter,
      io: () => app.realtime.io,
      limits: { messageMaxChars: collab.messageMaxChars, mentionsMax: collab.mentionsMax, tailSize: collab.tailSize },
      log: app.log.child({ component: 'chat' }),
    });
    app.decorate('chat', chat);
    app.decorate('sendLimiter', limiter);
    app.realtime.handle(...chatHandlers(chat, app.rooms));
    // The join answer carries `chat`: the recent tail, the log head and the caller's unread state.
    app.rooms.onJoin('chat', ({ user, room }) => chat.joinState({ tenantId: user.tenantId, roomId: room.id, pageKey: room.pageKey }, user.userId));
  },
  { name: 'chat', dependencies: ['core', 'realtime', 'rooms', 'events', 'notifications'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-author send limits shared by chat and comments. */
    sendLimiter: ReturnType<typeof createLimiter>;
  }
}
