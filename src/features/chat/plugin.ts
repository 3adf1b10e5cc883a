import fp from 'fastify-plugin';
import { createSendLimit, type SendLimit } from '../../auth/send-limit.js';
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
    const limiter = createSendLimit(app.redis, { burst: collab.sendBurst, perSecond: collab.sendPerSecond }, app.config.limits.keyPrefix);
    app.addHook('onClose', async () => limiter.close());
    const chat = createChat({
      db: app.db,
      store: createChatStore(app.db),
      events: app.events,
      notifications: app.notifications,
      directory: app.directory,
      limiter,
      broadcast: app.realtime.broadcast,
      limits: { messageMaxChars: collab.messageMaxChars, mentionsMax: collab.mentionsMax, tailSize: collab.tailSize },
      log: app.log.child({ component: 'chat' }),
    });
    app.decorate('chat', chat);
    app.decorate('sendLimiter', limiter);
    app.realtime.handle(...chatHandlers(chat));
    // The join answer carries `chat`: the recent tail, the log head and the caller's unread state.
    app.rooms.onJoin('chat', ({ caller }) => chat.joinState(caller));
  },
  { name: 'chat', dependencies: ['core', 'realtime', 'rooms', 'events', 'notifications'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-author send limits shared by chat and comments. */
    sendLimiter: SendLimit;
  }
}
