/**
 * Tandem's typed client for business applications: the REST API (generated from /docs/json with
 * openapi-typescript, called through openapi-fetch), webhook verification and the resumable event
 * stream. Usage: docs/api.md#the-typescript-client.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths, webhooks } from './schema.js';

export type { components, paths, webhooks } from './schema.js';
export { verifyWebhook, WebhookVerificationError, type WebhookHeaders } from './webhooks.js';
export { openEventStream, type EventStream, type EventStreamOptions } from './stream.js';

/** An event as webhooks deliver it and the stream sends it; narrow on `type` to type `data`. */
export type TandemEvent = components['schemas']['Event'];
export type TandemEventType = TandemEvent['type'];
/** The one error body of every non-2xx answer; `code` is the stable part. */
export type TandemError = components['schemas']['Error']['error'];
export type ErrorCode = TandemError['code'];

export type TandemClient = Client<paths>;

export interface TandemClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where Tandem runs, e.g. https://tandem.example.com (without /api/v1). */
  baseUrl: string;
  /** An API key (tdm_…) for a business app, or a user token (JWT) for a person. */
  credential: string;
}

/**
 * A client whose every call is typed by path and method: `client.POST('/api/v1/records/changed', { body })`
 * resolves to `{ data }` on success or `{ error }` (a TandemError body) otherwise, with `response` for the status.
 */
export function createTandemClient(opts: TandemClientOptions): TandemClient {
  const { baseUrl, credential, headers, ...rest } = opts;
  return createClient<paths>({
    ...rest,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(headers as Record<string, string> | undefined), authorization: `Bearer ${credential}` },
  });
}

/** The body Tandem POSTs to a webhook endpoint (the same TandemEvent). */
export type WebhookEvent = NonNullable<webhooks['event']['post']['requestBody']>['content']['application/json'];
