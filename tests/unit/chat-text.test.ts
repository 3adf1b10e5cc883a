import { describe, expect, it } from 'vitest';
import { refund, take } from '../../src/auth/rate.js';
import { bodyProblem, codePointLength, findLinks } from '../../src/features/chat/text.js';

describe('chat text', () => {
  it('recognises http(s) and www links, leaving trailing punctuation out', () => {
    expect(findLinks('see https://example.com/a?b=1. ok')).toEqual([{ start: 4, end: 29, url: 'https://example.com/a?b=1' }]);
    expect(findLinks('(www.example.org)')).toEqual([{ start: 1, end: 16, url: 'https://www.example.org' }]);
    expect(findLinks('https://en.wikipedia.org/wiki/Foo_(bar)')[0]!.url).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
    expect(findLinks('javascript:alert(1) and data:text/html,<b>')).toEqual([]);
    expect(findLinks('<img src=x onerror=alert(1)>')).toEqual([]);
  });

  it('gives UTF-16 offsets the browser can slice with', () => {
    const body = '😀 http://x.test/é';
    const [l] = findLinks(body);
    expect(body.slice(l!.start, l!.end)).toBe('http://x.test/é');
  });

  it('measures length in code points and refuses empty or control characters', () => {
    expect(codePointLength('😀😀')).toBe(2);
    expect(bodyProblem('😀'.repeat(10), 10)).toBeNull();
    expect(bodyProblem('😀'.repeat(11), 10)).toMatch(/at most 10/);
    expect(bodyProblem(' \n ', 10)).toMatch(/empty/);
    expect(bodyProblem('a\u0000b', 10)).toMatch(/control/);
    expect(bodyProblem('line\nbreak\ttab', 100)).toBeNull();
  });
});

describe('send rate (token bucket)', () => {
  const rule = { burst: 3, perSecond: 2 };
  it('allows a burst, then refuses with a retry hint, then refills', () => {
    let b = take(undefined, 0, rule).bucket;
    b = take(b, 0, rule).bucket;
    const third = take(b, 0, rule);
    expect(third.ok).toBe(true);
    const fourth = take(third.bucket, 0, rule);
    expect(fourth.ok).toBe(false);
    if (!fourth.ok) expect(fourth.retryAfterMs).toBe(500);
    expect(take(fourth.bucket, 499, rule).ok).toBe(false);
    expect(take(fourth.bucket, 500, rule).ok).toBe(true);
    expect(refund(fourth.bucket, rule).tokens).toBe(1);
  });
});
