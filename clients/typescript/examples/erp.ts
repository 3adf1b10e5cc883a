// An ERP's side of Tandem with the typed client: report saves, hand fields to a colleague,
// verify webhooks, follow the event stream across restarts.
import { createTandemClient, openEventStream, verifyWebhook, WebhookVerificationError, type TandemClient, type TandemEvent, type WebhookHeaders } from '../src/index.js';

export const connectTandem = (baseUrl: string, apiKey: string): TandemClient => createTandemClient({ baseUrl, credential: apiKey });

/** The ERP saved a record: the people on its page see it, and their form re-bases on the saved values. */
export async function recordSaved(tandem: TandemClient, pageKey: string, values: Record<string, string>) {
  const { data, error } = await tandem.POST('/api/v1/records/changed', { body: { pageKey, values, savedBy: 'erp' } });
  if (error) throw new Error(`${error.error.code}: ${error.error.message}`);
  return data.rebased; // the fields whose value changed on the open page
}

/** Alice hands one field of an open page to Bob (the page must have been opened once). */
export async function askBobToCheck(tandem: TandemClient, pageKey: string, field: string) {
  const { data, error, response } = await tandem.POST('/api/v1/delegations', {
    body: { pageKey, fields: [field], assigneeId: 'bob', delegatorId: 'alice', note: 'Please check this with the customer' },
  });
  if (error) throw new Error(`${response.status} ${error.error.code}: ${error.error.message}`);
  return data.delegation; // 201, status "pending" until Bob accepts
}

/** A webhook endpoint, whatever the framework: verify the raw body first, then use the typed event. */
export async function onWebhook(secret: string, rawBody: string, headers: WebhookHeaders): Promise<number> {
  try {
    const event = await verifyWebhook({ secret, body: rawBody, headers });
    if (event.type === 'record.changed') console.log(`${event.pageKey} saved by ${event.data.savedBy}: ${event.data.rebased.join(', ')}`);
    return 204;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return 401; // not from Tandem, tampered, or replayed
    throw err;
  }
}

/** Follows the stream from where the last run stopped; store `stream.lastEventId` durably and pass it next time. */
export function follow(baseUrl: string, apiKey: string, lastEventId: string | undefined, handle: (e: TandemEvent) => Promise<void>) {
  return openEventStream({ baseUrl, apiKey, types: ['record.*', 'delegation.*'], lastEventId, onEvent: handle });
}
