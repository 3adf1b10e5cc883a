import { describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/realtime/rendezvous.js';

const rooms = Array.from({ length: 3000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('rendezvous ownership of rooms', () => {
  it('every instance computes the same owner whatever order it lists the members in', () => {
    for (const r of rooms.slice(0, 200)) expect(ownerOf(r, ['a', 'b', 'c'])).toBe(ownerOf(r, ['c', 'a', 'b']));
    expect(ownerOf('room', [])).toBeUndefined();
  });

  it('spreads rooms about evenly, and when a member leaves only its rooms move', () => {
    const three = ['i-1', 'i-2', 'i-3'];
    const counts = new Map<string, number>();
    for (const r of rooms) counts.set(ownerOf(r, three)!, (counts.get(ownerOf(r, three)!) ?? 0) + 1);
    for (const m of three) expect(counts.get(m)!).toBeGreaterThan(800);
    let moved = 0;
    for (const r of rooms) {
      const before = ownerOf(r, three)!;
      const after = ownerOf(r, ['i-1', 'i-3'])!;
      if (before !== 'i-2') expect(after).toBe(before);
      else moved++;
    }
    expect(moved).toBe(counts.get('i-2'));
  });
});
