import { randomBytes } from 'node:crypto';
import type { Logger } from '../../ports/log.js';
import { AppError } from '../../errors.js';
import type { Events } from '../events/service.js';
import { createLoop } from '../../loop.js';
import { checkEndpointUrl, type Lookup, postPinned, RefusedTarget, systemLookup, type TargetPolicy } from '../../outbound/deliver.js';
import { nextDelay } from '../../outbound/retry.js';
import { EVENT_ID_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign.js';
import type { Claimed, EndpointRow, WebhookStore } from './store.js';

export type Webhooks = ReturnType<typeof createWebhooks>;

export const publicEndpoint = (r: EndpointRow) => ({
  id: r.id,
  url: r.url,
  eventTypes: r.eventTypes,
  description: r.description,
  createdAt: r.createdAt.toISOString(),
});

const BATCH = 32;

/**
 * Webhooks: endpoints per tenant, and the dispatcher that drains the outbox the event log fills
 * (events/store.ts writes one pending delivery per subscribed endpoint in the event's transaction).
 * Delivery is at least once: a claim is a lease, so a crash mid-request retries after it expires.
 */
export function createWebhooks(deps: {
  store: WebhookStore;
  events: Events;
  retrySchedule: number[];
  timeoutMs: number;
  /** false: only public addresses, checked at registration and again at every delivery (SSRF). */
  allowPrivateNetworks: boolean;
  log: Logger;
  lookup?: Lookup;
}) {
  const { store, log } = deps;
  const policy: TargetPolicy = { allowPrivate: deps.allowPrivateNetworks, lookup: deps.lookup ?? systemLookup };
  const leaseSeconds = Math.ceil(deps.timeoutMs / 1000) + 30;
  const inFlight = new Set<AbortController>();

  async function attempt(c: Claimed) {
    const body = JSON.stringify(c.event);
    const ts = Math.floor(Date.now() / 1000);
    const started = performance.now();
    const ctl = new AbortController();
    inFlight.add(ctl);
    const timer = setTimeout(() => ctl.abort(), deps.timeoutMs);
    let status: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      status = await postPinned(c.endpoint.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tandem-Webhooks/1',
          [EVENT_ID_HEADER]: c.event.id,
          'x-tandem-event-type': c.event.type,
          'x-tandem-delivery-attempt': String(c.attempts + 1),
          [TIMESTAMP_HEADER]: String(ts),
          [SIGNATURE_HEADER]: sign(c.endpoint.secret, ts, body),
        },
        body,
        signal: ctl.signal,
        policy,
      });
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      refused = err instanceof RefusedTarget;
      error = refused ? (err as Error).message : ctl.signal.aborted ? `timed out after ${deps.timeoutMs} ms` : (err as Error).message || 'request failed';
    } finally {
      clearTimeout(timer);
      inFlight.delete(ctl);
    }
    const ok = error === null;
    await store.recordAttempt({
      deliveryId: c.deliveryId,
      ok,
      status,
      error,
      durationMs: Math.round(performance.now() - started),
      // A refused endpoint fails at once: retrying cannot make it allowed.
      retryInSeconds: ok || refused ? null : nextDelay(deps.retrySchedule, c.attempts + 1),
    });
    if (refused) log.warn({ deliveryId: c.deliveryId, endpointId: c.endpoint.id, url: c.endpoint.url, error }, 'webhook delivery refused: endpoint is not on a public network');
    else if (!ok) log.info({ deliveryId: c.deliveryId, url: c.endpoint.url, error, attempt: c.attempts + 1 }, 'webhook delivery failed');
  }

  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = createLoop(
    async () => {
      const claimed = await store.claimDue(BATCH, leaseSeconds);
      await Promise.all(claimed.map(attempt));
      if (claimed.length === BATCH) return true;
      // Wake for the next retry that comes due before the poll tick would.
      const ms = await store.nextDueInMs();
      clearTimeout(retryTimer);
      if (ms !== null && !stopped) {
        retryTimer = setTimeout(() => loop.wake(), Math.min(ms + 5, 60_000));
        retryTimer.unref();
      }
      return false;
    },
    log,
    'webhooks',
  );
  const off = deps.events.onWake(() => loop.wake());
  loop.wake(); // anything left over from before a restart

  return {
    async register(tenantId: string, input: { url: string; eventTypes: string[]; description?: string | undefined; secret?: string | undefined }) {
      const row = await store.createEndpoint({
        tenantId,
        url: await checkEndpointUrl(input.url, policy, { what: 'webhook URL', mustResolve: false }),
        eventTypes: [...new Set(input.eventTypes)],
        description: input.description ?? '',
        secret: input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
      });
      return { ...publicEndpoint(row), secret: row.secret };
    },
    list: async (tenantId: string) => (await store.listEndpoints(tenantId)).map(publicEndpoint),
    async remove(tenantId: string, id: string) {
      if (!(await store.removeEndpoint(tenantId, id))) throw new AppError('not_found', 'No such webhook endpoint');
    },
    async deliveries(tenantId: string, endpointId: string, o: { status?: string | undefined; beforeId?: number | undefined; limit: number }) {
      if (!(await store.getEndpoint(tenantId, endpointId))) throw new AppError('not_found', 'No such webhook endpoint');
      return store.deliveries(tenantId, endpointId, o);
    },
    /** An operator's retry of a delivery that failed for good (console). */
    async retry(tenantId: string, deliveryId: string) {
      if (!/^\d{1,18}$/.test(deliveryId) || !(await store.retryFailed(tenantId, deliveryId))) throw new AppError('not_found', 'No failed delivery with that id');
      loop.wake();
    },
    kick: () => loop.wake(),
    async close() {
      stopped = true;
      off();
      clearTimeout(retryTimer);
      for (const c of inFlight) c.abort();
      await loop.stop();
    },
  };
}
