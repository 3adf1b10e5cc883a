import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { AppError, isAppError, isDependencyUnavailable, RETRY_AFTER_MS, unavailable, validationError } from '../errors.js';
import { inputProblem } from '../input.js';
import { pingRedis } from '../realtime/redis.js';
import openapi from './openapi.js';

/** HTTP infrastructure: one error shape, CORS, security headers, OpenAPI at /docs (openapi.ts; limits: auth/plugin.ts, after authentication). */
export default fp(
  async function http(app) {
    const { config } = app;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);

    app.setErrorHandler((err: FastifyError, req, reply) => {
      let e: AppError;
      if (isAppError(err)) e = err;
      else if (hasZodFastifySchemaValidationErrors(err)) {
        e = validationError(
          err.validation.map((v) => ({ path: [v.instancePath.replace(/^\//, '').replaceAll('/', '.')], message: v.message ?? 'invalid' })),
          `request ${err.validationContext ?? ''}`.trim(),
        );
      } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new AppError('payload_too_large', `Request body exceeds ${config.limits.bodyBytes} bytes`);
      else if (err.statusCode === 429) e = new AppError('rate_limited', err.message);
      else if (isDependencyUnavailable(err)) e = unavailable(isDependencyUnavailable(err)!);
      else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) e = new AppError(err.statusCode === 404 ? 'not_found' : err.statusCode === 413 ? 'payload_too_large' : 'bad_request', err.message);
      else e = new AppError('internal', 'Internal server error');
      app.metrics.errors.inc({ surface: 'rest', code: e.code });
      // An outage is expected and retried by clients (warn); anything else is a bug (error).
      if (e.code === 'unavailable') req.log.warn({ err: err.message }, 'request failed: dependency unavailable');
      else if (e.status >= 500) req.log.error({ err }, 'request failed');
      if (e.code === 'rate_limited' && !reply.hasHeader('retry-after')) {
        const ms = (e.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
        reply.header('retry-after', String(ms ? Math.max(1, Math.ceil(ms / 1000)) : 60));
      }
      if (e.code === 'unavailable' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_MS / 1000));
      return reply.status(e.status).send({ error: e.toBody() });
    });
    // Before any route schema: what no schema states (NUL characters, absurd nesting) never reaches a handler.
    app.addHook('preValidation', async (req) => {
      for (const [part, value] of [['params', req.params], ['querystring', req.query], ['body', req.body]] as const) {
        const problem = inputProblem(value);
        if (problem) throw validationError([problem], `request ${part}`);
      }
    });
    app.setNotFoundHandler((req, reply) =>
      reply.status(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` } }),
    );

    await app.register(cors, {
      // Never `*`: only the configured origins, with credentials.
      origin: (origin, cb) => cb(null, origin === undefined ? false : config.allowedOrigins.includes(origin)),
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
    });
    await app.register(helmet, {
      // The demo and docs pages load our own script and Swagger UI's inline styles.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'https:'],
          connectSrc: ["'self'", 'ws:', 'wss:', ...config.allowedOrigins],
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    });
    await app.register(openapi);

    // Shutting down: responses to requests that were already in flight close their connection,
    // so a keep-alive socket does not hold the process open until keepAliveTimeout.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_req, reply) => {
      if (closing) reply.header('connection', 'close');
    });

    app.addHook('onResponse', async (req, reply) => {
      app.metrics.httpDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
      const checks: Record<string, 'ok' | string> = {};
      await Promise.all([
        app.db.ping().then(() => (checks.database = 'ok'), (e: Error) => (checks.database = e.message)),
        app.redis
          ? pingRedis(app.redis).then(() => (checks.redis = 'ok'), (e: Error) => (checks.redis = e.message))
          : Promise.resolve((checks.redis = 'not configured')),
      ]);
      const ready = checks.database === 'ok' && (checks.redis === 'ok' || checks.redis === 'not configured');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
      reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics()),
    );
  },
  { name: 'http', dependencies: ['core'] },
);
