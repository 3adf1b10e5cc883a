import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCaretQueue, type SentCaret } from '../../src/features/presence/carets.js';

describe('caret queue (one connection)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function queue(perSecond = 10) {
    const sent: Array<[string, SentCaret]> = [];
    let flushes = 0;
    const q = createCaretQueue({ perSecond, now: () => Date.now(), send: (room, c) => void sent.push([room, c]), sent: () => void flushes++ });
    return { q, sent, flushes: () => flushes };
  }

  it('sends the first caret at once, then at most perSecond, the latest position per room winning', () => {
    const { q, sent } = queue(10);
    expect(q.post('r1', { field: 'a', anchor: 1, head: 1 })).toEqual({ queued: false });
    expect(q.post('r1', { field: 'a', anchor: 2, head: 2 })).toEqual({ queued: true });
    expect(q.post('r1', { field: 'a', anchor: 3, head: 3 })).toEqual({ queued: true });
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([
      ['r1', { field: 'a', anchor: 1, head: 1, seq: 1 }],
      ['r1', { field: 'a', anchor: 3, head: 3, seq: 2 }],
    ]);
  });

  it('forgets a dropped room and sends nothing after stop', () => {
    const { q, sent, flushes } = queue(10);
    q.post('r1', { field: 'a', anchor: 0, head: 0 });
    q.post('r1', { field: 'a', anchor: 5, head: 5 });
    q.post('r2', { field: 'b', anchor: 1, head: 1 });
    q.drop('r1');
    vi.advanceTimersByTime(100);
    expect(sent.map(([r, c]) => `${r}:${c.anchor}:${c.seq}`)).toEqual(['r1:0:1', 'r2:1:2']);
    q.post('r2', { field: 'b', anchor: 9, head: 9 });
    q.stop();
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(2);
    expect(flushes()).toBe(2);
  });
});
