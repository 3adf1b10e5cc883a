import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import authPlugin from './auth/plugin.js';
import authRoutes from './auth/routes.js';
import type { Config } from './config.js';
import core from './core.js';
import type { Database } from './db/client.js';
import type { Fields } from './features/fields/service.js';
import type { FieldStore } from './features/fields/store.js';
import type { Broadcast } from './ports/broadcast.js';
import devRoutes from './dev/demo.js';
import widgetRoutes from './dev/widgets.js';
import streamRoutes from './features/stream/routes.js';
import http from './http/http.js';
import gateway from './realtime/gateway.js';
import rooms from './features/rooms/plugin.js';
import delegation from './features/delegation/plugin.js';
import delegationRoutes from './features/delegation/routes.js';
import assistance from './features/assistance/plugin.js';
import assistanceRoutes from './features/assistance/routes.js';
import suggestions from './features/suggestions/plugin.js';
import calls from './features/calls/plugin.js';
import callRoutes from './features/calls/routes.js';
import suggestionRoutes from './features/suggestions/routes.js';
import fields from './features/fields/plugin.js';
import fieldRoutes from './features/fields/routes.js';
import presence from './features/presence/plugin.js';
import presenceRoutes from './features/presence/routes.js';
import timers from './features/timers/plugin.js';
import events from './features/events/plugin.js';
import notifications from './features/notifications/plugin.js';
import notificationRoutes from './features/notifications/routes.js';
import chat from './features/chat/plugin.js';
import chatRoutes from './features/chat/routes.js';
import webhooks from './features/webhooks/plugin.js';
import webhookRoutes from './features/webhooks/routes.js';
import reach from './features/reach/plugin.js';
import reachRoutes from './features/reach/routes.js';
import comments from './features/comments/plugin.js';
import resync from './features/resync/plugin.js';
import opsMetrics from './ops/metrics.js';
import consolePlugin from './features/console/plugin.js';
import auditRoutes from './features/audit/routes.js';
import commentRoutes from './features/comments/routes.js';

export interface AppOverrides {
  /** An already open database (tests share one PGlite); the app will not close it. */
  db?: Database;
  logger?: FastifyServerOptions['logger'];
  /** Ports replaced while the app is built (tests inject deliberately broken variants here). */
  seams?: Seams;
  /** Root-level hooks a test adds before any route exists (tests/helpers/contract.ts checks every answer against /docs/json). */
  instrument?: (app: FastifyInstance) => void;
}

/**
 * Where a test may wrap one of the app's ports once, at build time: nothing is looked up per
 * message, and no broken behaviour lives in src. Each wrapper gets the real port and returns
 * the one to use.
 */
export interface Seams {
  fieldStore?: (real: FieldStore, db: Database) => FieldStore;
  fields?: (real: Fields) => Fields;
  broadcast?: (real: Broadcast) => Broadcast;
  /** The clock notification delivery reads (quiet hours, digest windows, retries): tests move it. */
  reachClock?: (real: () => number) => () => number;
}

declare module 'fastify' {
  interface FastifyInstance {
    seams: Seams;
  }
}

export const publicDir = fileURLToPath(new URL('../public', import.meta.url));

/**
 * The composition root: infrastructure, then our shared services, then features, in a
 * fixed order. Returns a ready instance and never listens.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: overrides.logger ?? { level: config.logLevel },
    bodyLimit: config.limits.bodyBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // Forwarded headers name the client only when a configured proxy sent them (else anyone could pick their rate-limit bucket).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    forceCloseConnections: 'idle',
    // Starting waits for the database (migrations on the embedded PGlite take seconds on a busy
    // core): avvio's 10 s default failed start-up with "Plugin did not start in time".
    pluginTimeout: 120_000,
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('seams', overrides.seams ?? {});
  await app.register(core, { config, ...(overrides.db ? { db: overrides.db } : {}) });
  await app.register(http);
  overrides.instrument?.(app);
  await app.register(authPlugin);
  await app.register(websocket, { options: { maxPayload: config.limits.socketMessageBytes, perMessageDeflate: false } });
  await app.register(gateway);

  // Features, each one folder. Later features may depend on earlier ones.
  await app.register(rooms);
  await app.register(presence);
  await app.register(timers);
  await app.register(events);
  await app.register(fields);
  await app.register(notifications);
  await app.register(chat);
  await app.register(webhooks);
  await app.register(reach);
  await app.register(comments);
  // Work items come last: they use presence, fields, events and notifications.
  await app.register(delegation);
  await app.register(assistance);
  await app.register(suggestions);
  await app.register(calls);
  await app.register(resync);
  await app.register(opsMetrics);
  await app.register(consolePlugin);

  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(streamRoutes);
      await api.register(delegationRoutes);
      await api.register(assistanceRoutes);
      await api.register(callRoutes);
      await api.register(suggestionRoutes);
      await api.register(fieldRoutes);
      await api.register(presenceRoutes);
      await api.register(notificationRoutes);
      await api.register(chatRoutes);
      await api.register(webhookRoutes);
      await api.register(reachRoutes);
      await api.register(commentRoutes);
      await api.register(auditRoutes);
      if (config.devMode) await api.register(devRoutes);
    },
    { prefix: '/api/v1' },
  );

  if (existsSync(publicDir)) {
    // The overlay bundle is public; the demo pages exist only in development mode.
    await app.register(fastifyStatic, {
      root: publicDir,
      allowedPath: (path) => config.devMode || !path.startsWith('/demo'),
    });
    if (config.devMode) app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect('/demo/'));
    if (config.devMode) await app.register(widgetRoutes);
  }

  await app.ready();
  return app;
}
