import fp from 'fastify-plugin';
import { createSuggestions, type Suggestions } from './service.js';
import { suggestionHandlers } from './socket.js';

declare module 'fastify' {
  interface FastifyInstance {
    suggestions: Suggestions;
  }
}

/** Participant suggestions: who to hand work to on a page. */
export default fp(
  async function suggestionsPlugin(app) {
    const suggestions = createSuggestions({
      directory: app.directory,
      // Everyone in the directory is ranked: one call for the tenant's online users is cheaper.
      presence: {
        async statuses(tenantId) {
          return new Map((await app.presence.online(tenantId)).map((u) => [u.userId, u.status]));
        },
      },
      helperRole: app.config.work.helperRole,
      editors: (roomId) => app.fields.recentEditors(roomId),
      visitors: async (tenantId, roomId) =>
        (await app.presence.visits.list(tenantId, { roomId }, 200)).map((v) => ({ userId: v.userId, at: new Date(v.endedAt ?? v.startedAt).getTime() })),
    });
    app.decorate('suggestions', suggestions);
    app.realtime.handle(...suggestionHandlers(suggestions));
  },
  { name: 'suggestions', dependencies: ['core', 'realtime', 'presence', 'fields'] },
);
