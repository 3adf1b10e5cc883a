import fp from 'fastify-plugin';
import { createComments, type Comments } from './service.js';
import { commentHandlers } from './socket.js';
import { createCommentStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    comments: Comments;
  }
}

export default fp(
  async function commentsPlugin(app) {
    const comments = createComments({
      db: app.db,
      store: createCommentStore(app.db),
      events: app.events,
      notifications: app.notifications,
      limiter: app.sendLimiter,
      broadcast: app.realtime.broadcast,
      maxChars: app.config.collab.commentMaxChars,
    });
    app.decorate('comments', comments);
    app.realtime.handle(...commentHandlers(comments));
    // The join answer carries `comments`: the room's open threads, for pins on fields.
    app.rooms.onJoin('comments', async ({ caller }) => ({ threads: await comments.list(caller, { includeResolved: false }) }));
  },
  { name: 'comments', dependencies: ['core', 'realtime', 'rooms', 'events', 'notifications', 'chat'] },
);
