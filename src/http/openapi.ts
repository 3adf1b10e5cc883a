import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROTOCOL_VERSION } from '../realtime/protocol.js';
import { streamQuery } from '../features/stream/messages.js';
import { errorBody } from './schemas.js';

/**
 * The REST contract at /docs/json (OpenAPI 3.1), built from the routes' own zod schemas so it
 * cannot drift from what the handlers validate and serialize. What a route does not say, this
 * adds from what the route *is*: security from its auth preHandler, the error statuses every
 * route may answer. A documented route without an operationId refuses to start.
 */

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  400: 'Invalid input (`validation_failed`, every issue in `details`) or an impossible request (`bad_request`)',
  401: 'No, malformed, unknown, expired or revoked credential (one code each)',
  403: 'Wrong credential kind for the route, a missing right, another tenant',
  404: 'No such route, room, user or item — or one the caller may not see',
  409: 'A conflict: duplicate, already delegated, or a state machine refusing the move',
  413: 'Body over BODY_LIMIT_BYTES, or a value too long',
  429: 'Over a rate limit; see the retry-after header',
  500: 'A bug, logged with the request id; no internals in the body',
  503: 'Postgres or Redis unreachable, or shutting down; retry after retry-after',
};

type Auth = 'app' | 'user' | 'any' | 'none';
const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  app: [{ apiKey: [] }],
  user: [{ userToken: [] }],
  any: [{ apiKey: [] }, { userToken: [] }],
  none: [],
};

/** Error statuses every documented route may answer, by how it authenticates. */
function defaultErrors(auth: Auth, method: string): number[] {
  const base = auth === 'none' ? [400, 404, 500, 503] : [400, 401, 403, 404, 429, 500, 503];
  return ['POST', 'PUT', 'PATCH'].includes(method) ? [...base, 413] : base;
}

const TAGS = [
  ['auth', 'User tokens and who a credential is'],
  ['presence', 'Who is where, now and before'],
  ['fields', 'Record changes from business apps, field history and the conflict log'],
  ['chat', 'Room chat'],
  ['comments', 'Comments anchored to fields'],
  ['notifications', 'User inboxes'],
  ['delegation', 'Form delegation: hand fields of a form to someone'],
  ['assistance', 'Help requests and their routing'],
  ['calls', 'Calls between the people on a page (WebRTC): history and ICE servers'],
  ['webhooks', 'Webhook endpoints and their delivery log'],
  ['stream', 'The service event stream (WebSocket)'],
  ['audit', 'The append-only audit trail'],
  ['development', 'Only with DEV_MODE on: demo users and tokens, no authentication'],
].map(([name, description]) => ({ name: name!, description: description! }));

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const errorResponse = (status: number) => ({ description: STATUS_TEXT[status]!, content: { 'application/json': { schema: ref('Error') } } });

/** The stream is a WebSocket route (@fastify/websocket): described by hand, with its query and frames from the handler's schemas. */
function streamPath() {
  const q = json(streamQuery) as { properties: Record<string, { description?: string }> };
  return {
    get: {
      operationId: 'openEventStream',
      tags: ['stream'],
      summary: 'Open the service event stream (WebSocket upgrade); frames are StreamFrame, resumable with lastEventId',
      description:
        'Connect with a WebSocket client sending `Authorization: Bearer <API key>` on the upgrade. The server sends `StreamFrame`s ' +
        '(`hello` first, then `event`s; `reset` when the resume point is gone), the client may send `StreamClientMessage` (`ping`). ' +
        'Store the last `event.id` and reconnect with `lastEventId` (or `Last-Event-ID`) to resume without gaps within STREAM_RETENTION_SECONDS. ' +
        'A bad query is answered with an `error` frame and close code 1008. See docs/webhooks.md#the-event-stream.',
      security: SECURITY.app,
      parameters: Object.entries(q.properties).map(([name, schema]) => ({ name, in: 'query', required: false, description: schema.description, schema: { ...schema, description: undefined } })),
      responses: {
        101: { description: 'Switching protocols: the WebSocket is open and frames follow' },
        // A plain GET (no upgrade) is refused by @fastify/websocket.
        ...Object.fromEntries([400, 401, 403, 429, 500, 503].map((s) => [s, errorResponse(s)])),
      },
    },
  };
}

const webhooks = {
  event: {
    post: {
      operationId: 'receiveEvent',
      tags: ['webhooks'],
      summary: 'Tandem POSTs each event to your endpoint, signed with its secret',
      description:
        'Verify `x-tandem-signature` (`sha256=` + hex HMAC-SHA256 of `<x-tandem-timestamp>.<raw body>` with the endpoint secret) and refuse ' +
        'timestamps more than 5 minutes off, then answer any 2xx within WEBHOOK_TIMEOUT_MS. Anything else is retried. Deduplicate on the event id.',
      parameters: [
        ['x-tandem-timestamp', 'Unix seconds when this attempt was signed'],
        ['x-tandem-event-id', 'The event id (deduplicate on it)'],
        ['x-tandem-event-type', 'The event type'],
        ['x-tandem-delivery-attempt', '1, 2, …'],
      ].map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } })),
      security: [{ webhookSignature: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: ref('Event') } } },
      responses: { '2XX': { description: 'Received; any other answer, a timeout or a connection error is retried' } },
    },
  },
};

export default fp(
  async function openapi(app) {
    const { config } = app;
    app.addHook('onRoute', (route: RouteOptions) => {
      const schema = route.schema as Record<string, unknown> | undefined;
      if (schema?.hide || route.method === 'HEAD') return;
      if (typeof schema?.operationId !== 'string') throw new Error(`${String(route.method)} ${route.url}: a documented route needs an operationId (src/http/openapi.ts)`);
      const pre = [route.preHandler].flat();
      const auth: Auth = pre.includes(app.auth.app) ? 'app' : pre.includes(app.auth.user) ? 'user' : pre.includes(app.auth.any) ? 'any' : 'none';
      schema.security ??= SECURITY[auth];
      const response = (schema.response ??= {}) as Record<string, unknown>;
      for (const s of defaultErrors(auth, String(route.method))) response[s] ??= errorBody;
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Tandem API',
          version: '1.0.0',
          description:
            `Real-time collaboration for back-office pages: the REST API for business applications, the webhooks Tandem sends and the event stream. ` +
            `The browser overlay speaks Socket.IO protocol version ${PROTOCOL_VERSION} (docs/protocol.md). A typed TypeScript client is in clients/typescript.`,
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
        },
        servers: [{ url: config.publicUrl, description: 'This Tandem (PUBLIC_URL)' }],
        tags: TAGS,
        components: {
          securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'tdm_…', description: 'A tenant API key (`tandem key create`), for business apps' },
            userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token (POST /api/v1/auth/token, or signed by the host app)' },
            webhookSignature: {
              type: 'apiKey',
              in: 'header',
              name: 'x-tandem-signature',
              description: 'How your endpoint authenticates Tandem: sha256=<hex HMAC-SHA256 of "<x-tandem-timestamp>.<raw body>"> with the endpoint secret',
            },
          },
        },
      },
      transform: (input) => {
        const out = jsonSchemaTransform(input);
        // Every response gets a description a reader can use (Swagger's default is "Default Response").
        const response = (out.schema as { response?: Record<string, Record<string, unknown>> } | undefined)?.response;
        for (const [status, r] of Object.entries(response ?? {})) r.description ??= STATUS_TEXT[status] ?? 'OK';
        return out;
      },
      transformObject: (input) => {
        const doc = jsonSchemaTransformObject(input) as ReturnType<typeof jsonSchemaTransformObject> & { components?: { schemas?: Record<string, unknown> } };
        // The type provider lists every registered schema twice (as read and as written); keep the ones something refers to.
        const text = JSON.stringify({ ...doc, components: { ...doc.components, schemas: {} }, webhooks });
        const schemas = Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).filter(([id]) => !id.endsWith('Input') || text.includes(`"#/components/schemas/${id}"`)));
        // Hand-written parts are plain objects the OpenAPI typings cannot check; the linter test does.
        return { ...doc, components: { ...doc.components, schemas }, paths: { ...doc.paths, '/api/v1/stream': streamPath() }, webhooks } as unknown as typeof doc;
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi', dependencies: ['core'] },
);
