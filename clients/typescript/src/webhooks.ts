import type { components } from './schema.js';

type TandemEvent = components['schemas']['Event'];

/** The headers Tandem signs a delivery with (any casing; a Headers object, Node's IncomingHttpHeaders or a plain record). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: 'missing_signature' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' | 'bad_body',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

const header = (h: WebhookHeaders, name: string): string | undefined => {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const entry = Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(entry) ? entry[0] : entry;
};

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** Constant time for equal lengths, so a guesser learns nothing from timing. */
function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a webhook delivery and returns its event. `body` must be the raw request body exactly as
 * received (parse it after verifying, never re-serialize it first). Refuses a missing or wrong
 * `x-tandem-signature` (HMAC-SHA256 of `<x-tandem-timestamp>.<body>` with the endpoint secret) and
 * a timestamp more than `toleranceSeconds` from `now` (replays). Web Crypto only: Node 20+, Deno, workers.
 */
export async function verifyWebhook(opts: {
  secret: string;
  body: string;
  headers: WebhookHeaders;
  toleranceSeconds?: number;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}): Promise<TandemEvent> {
  const signature = header(opts.headers, 'x-tandem-signature');
  const timestamp = header(opts.headers, 'x-tandem-timestamp');
  if (!signature || !timestamp) throw new WebhookVerificationError('missing_signature', 'No x-tandem-signature or x-tandem-timestamp header');
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('bad_timestamp', 'x-tandem-timestamp is not Unix seconds');
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('stale_timestamp', 'x-tandem-timestamp is too far from this clock (a replay, or a skewed clock)');
  }
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(opts.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const expected = `sha256=${hex(await crypto.subtle.sign('HMAC', key, enc.encode(`${timestamp}.${opts.body}`)))}`;
  if (!equal(expected, signature)) throw new WebhookVerificationError('bad_signature', 'x-tandem-signature does not match this body and secret');
  try {
    return JSON.parse(opts.body) as TandemEvent;
  } catch {
    throw new WebhookVerificationError('bad_body', 'The signed body is not JSON');
  }
}
