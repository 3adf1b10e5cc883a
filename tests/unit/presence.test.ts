import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caretDelay, colorFor, type ConnRecord, effectiveStatus, PALETTE, participantOf, participantsOf } from '../../src/features/presence/presence.js';
import { codePointLength, codePointsToUtf16, utf16ToCodePoints } from '../../src/overlay/core/text.js';

const conn = (connId: string, userId: string, rooms: ConnRecord['rooms'], extra: Partial<ConnRecord> = {}): ConnRecord => ({
  connId,
  tenantId: 't',
  userId,
  name: userId,
  avatar: null,
  instanceId: 'i',
  connectedAt: 1,
  disconnectedAt: null,
  rooms,
  ...extra,
});
const entry = (focus: string | null, extra = {}) => ({ pageKey: 'k', joinedAt: 10, focus, typing: false, caret: null, ...extra });

describe('presence rules', () => {
  it('idle turns available into away, never a chosen status; no connection is offline', () => {
    const s = { manual: 'available' as const, lastActive: 0, announced: 'available' as const };
    expect(effectiveStatus(s, true, 999, 1000)).toBe('available');
    expect(effectiveStatus(s, true, 1000, 1000)).toBe('away');
    expect(effectiveStatus({ ...s, manual: 'dnd' }, true, 10_000, 1000)).toBe('dnd');
    expect(effectiveStatus({ ...s, manual: 'busy' }, true, 10_000, 1000)).toBe('busy');
    expect(effectiveStatus(s, false, 0, 1000)).toBe('offline');
  });

  it('gives a user the same palette colour in a room every time', () => {
    expect(colorFor('room-1', 'alice')).toBe(colorFor('room-1', 'alice'));
    expect(PALETTE).toContain(colorFor('room-1', 'alice'));
    const colours = new Set(Array.from({ length: 50 }, (_, i) => colorFor('room-1', `user${i}`)));
    expect(colours.size).toBeGreaterThan(6);
  });

  it('merges tabs into one person: union of focus, carets per tab, tabs in grace add nothing', () => {
    const caret = { field: 'notes', anchor: 1, head: 4, seq: 3 };
    const p = participantOf('r', [
      conn('aaaaaaaaa1', 'alice', { r: entry('email') }),
      conn('bbbbbbbbb2', 'alice', { r: entry('notes', { caret, typing: true }) }, { connectedAt: 5, name: 'Alice M' }),
      conn('ccccccccc3', 'alice', { r: entry('status') }, { disconnectedAt: 7 }),
    ], 'busy', 7)!;
    expect(p).toMatchObject({ userId: 'alice', name: 'Alice M', status: 'busy', focus: ['email', 'notes'], typing: true, tabs: 2, version: 7 });
    expect(p.carets).toEqual([{ sid: 'bbbbbbbb', ...caret }]);
    // Only a tab in its grace period: still present, nothing focused.
    expect(participantOf('r', [conn('c', 'alice', { r: entry('x') }, { disconnectedAt: 7 })], 'available', 1)).toMatchObject({ tabs: 0, focus: [] });
    expect(participantOf('other', [conn('c', 'alice', { r: entry('x') })], 'available', 1)).toBeNull();
  });

  it('lists one participant per person in a room', () => {
    const list = participantsOf('r', [conn('1', 'bob', { r: entry(null) }), conn('2', 'alice', { r: entry(null) }), conn('3', 'bob', { r: entry('a') }), conn('4', 'erin', {})], () => 'available', 5);
    expect(list.map((p) => p.userId)).toEqual(['alice', 'bob']);
    expect(list.map((p) => p.version)).toEqual([5, 5]);
  });

  it('the caret budget spaces broadcasts by 1/rate', () => {
    expect(caretDelay(undefined, 100, 20)).toBe(0);
    expect(caretDelay(100, 120, 20)).toBe(30);
    expect(caretDelay(100, 150, 20)).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 5000 }), (rate, last, dt) => {
        const d = caretDelay(last, last + dt, rate);
        return d >= 0 && last + dt + d >= last + 1000 / rate - 1e-9;
      }),
    );
  });
});

describe('code points ↔ UTF-16 (the overlay converts at the edge)', () => {
  it('counts an emoji as one code point and two UTF-16 units', () => {
    const s = 'a😀b👍🏽c';
    expect(s.length).toBe(9);
    expect(codePointLength(s)).toBe(6);
    expect(utf16ToCodePoints(s, 3)).toBe(2); // after 😀
    expect(codePointsToUtf16(s, 2)).toBe(3);
    expect(codePointsToUtf16(s, 4)).toBe(6); // after 👍
    expect(utf16ToCodePoints(s, 2)).toBe(1); // inside the pair: rounds down
    expect(codePointsToUtf16(s, 99)).toBe(9);
  });

  it('round-trips every code point boundary of random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const n = codePointLength(s);
        expect(n).toBe([...s].length);
        for (let cp = 0; cp <= n; cp++) expect(utf16ToCodePoints(s, codePointsToUtf16(s, cp))).toBe(cp);
      }),
    );
  });
});
