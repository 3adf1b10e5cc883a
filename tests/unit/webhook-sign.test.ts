import { describe, expect, it } from 'vitest';
import { nextDelay } from '../../src/outbound/retry.js';
import { sign, typeMatches, verify } from '../../src/features/webhooks/sign.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret_value';
  it('verifies its own signature and nothing else', () => {
    const body = '{"id":"1"}';
    const sig = sign(secret, 1_700_000_000, body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(secret, { signature: sig, timestamp: '1700000000' }, body, 1_700_000_010)).toBe(true);
    expect(verify(secret, { signature: sig, timestamp: '1700000000' }, body + ' ', 1_700_000_010)).toBe(false);
    expect(verify('other', { signature: sig, timestamp: '1700000000' }, body, 1_700_000_010)).toBe(false);
    expect(verify(secret, { signature: sig, timestamp: '1700000001' }, body, 1_700_000_010)).toBe(false);
    expect(verify(secret, { signature: sig, timestamp: '1700000000' }, body, 1_700_001_000)).toBe(false);
    expect(verify(secret, { signature: undefined, timestamp: '1700000000' }, body, 1_700_000_000)).toBe(false);
  });

  it('follows the retry schedule, then gives up', () => {
    const s = [1, 5, 30];
    expect([1, 2, 3, 4].map((n) => nextDelay(s, n))).toEqual([1, 5, 30, null]);
  });

  it('matches exact types, prefixes and *', () => {
    expect(typeMatches(['chat.*'], 'chat.message.created')).toBe(true);
    expect(typeMatches(['chat.*'], 'chatter.x')).toBe(false);
    expect(typeMatches(['record.saved'], 'record.saved')).toBe(true);
    expect(typeMatches(['record.saved'], 'record.saved.x')).toBe(false);
    expect(typeMatches(['*'], 'anything')).toBe(true);
    expect(typeMatches([], 'anything')).toBe(false);
  });
});
