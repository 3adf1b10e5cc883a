import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Pure: webhook signatures. A receiver recomputes HMAC-SHA256 over `${timestamp}.${rawBody}` with
 * the endpoint's secret and compares it with the `x-tandem-signature` header (`sha256=<hex>`),
 * and refuses timestamps (`x-tandem-timestamp`, Unix seconds) too far from its clock (replays).
 */
export const SIGNATURE_HEADER = 'x-tandem-signature';
export const TIMESTAMP_HEADER = 'x-tandem-timestamp';
export const EVENT_ID_HEADER = 'x-tandem-event-id';

export function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function verify(secret: string, header: { signature: string | undefined; timestamp: string | undefined }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (!header.signature || !header.timestamp || !/^\d{1,12}$/.test(header.timestamp)) return false;
  const ts = Number(header.timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(header.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export { typeMatches } from '../events/types.js';
