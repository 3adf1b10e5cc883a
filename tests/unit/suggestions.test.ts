import { describe, expect, it } from 'vitest';
import type { PresenceState } from '../../src/features/assistance/routing.js';
import { ago, recordLabel, suggest, type SuggestInput } from '../../src/features/suggestions/rank.js';

const NOW = Date.UTC(2026, 0, 10, 12);
const H = 3_600_000;
const users = [
  { userId: 'alice', name: 'Alice', roles: ['approver'], expertise: ['billing'] },
  { userId: 'bob', name: 'Bob', roles: [], expertise: ['shipping'] },
  { userId: 'dave', name: 'Dave', roles: ['helper'], expertise: ['billing', 'tax'] },
  { userId: 'erin', name: 'Erin', roles: [], expertise: [] },
];
const base = (over: Partial<SuggestInput> & { status?: Record<string, PresenceState> } = {}): SuggestInput => ({
  users,
  exclude: ['alice'],
  tags: [],
  presence: (id) => over.status?.[id] ?? 'offline',
  editors: [],
  visitors: [],
  recordLabel: 'this order',
  helperRole: 'helper',
  now: NOW,
  limit: 10,
  ...over,
});

describe('participant suggestions', () => {
  it('ranks experts first and says why', () => {
    const s = suggest(base({ tags: ['billing'], status: { dave: 'available', bob: 'available' } }));
    expect(s.map((x) => x.userId)).toEqual(['dave', 'bob', 'erin']);
    expect(s[0]!.why).toBe('expert: billing, available');
    expect(s.find((x) => x.userId === 'alice')).toBeUndefined(); // excluded
  });

  it('credits recent editors and visitors of the record, with relative time', () => {
    const s = suggest(
      base({
        status: { bob: 'busy', erin: 'busy', dave: 'busy' },
        editors: [{ userId: 'bob', at: NOW - 30 * H }, { userId: 'bob', at: NOW - 100 * H }],
        visitors: [{ userId: 'erin', at: NOW - 5 * 60_000 }],
      }),
    );
    expect(s[0]).toMatchObject({ userId: 'bob', reasons: ['busy', 'edited this order yesterday'] });
    expect(s[1]).toMatchObject({ userId: 'erin', why: 'busy · visited this order 5 minutes ago' });
  });

  it('is deterministic: equal scores order by name then id, whatever the input order', () => {
    const a = suggest(base({ status: { bob: 'available', erin: 'available' } }));
    const b = suggest(base({ users: [...users].reverse(), status: { bob: 'available', erin: 'available' } }));
    expect(a).toEqual(b);
    expect(a.map((x) => x.userId)).toEqual(['bob', 'erin', 'dave']); // dave offline despite the helper bonus
  });

  it('names records and ages in plain words', () => {
    expect(recordLabel('shop.order:42')).toBe('this order');
    expect(recordLabel('orderview:42')).toBe('this order');
    expect(recordLabel('/reports/weekly')).toBe('this page');
    expect([ago(10_000), ago(60_000), ago(2 * H), ago(25 * H), ago(72 * H)]).toEqual(['just now', '1 minute ago', '2 hours ago', 'yesterday', '3 days ago']);
  });

  it('ranks do-not-disturb after everyone present, whatever their expertise, and offline last', () => {
    const s = suggest(base({ tags: ['billing', 'tax'], status: { dave: 'dnd', bob: 'away', erin: 'available' } }));
    // Dave matches both tags (+80) but is in do-not-disturb: after the available and the away colleague.
    expect(s.map((x) => [x.userId, x.presence])).toEqual([['erin', 'available'], ['bob', 'away'], ['dave', 'dnd']]);
    const off = suggest(base({ status: { erin: 'dnd' } }));
    expect(off.map((x) => x.presence)).toEqual(['dnd', 'offline', 'offline']);
  });

  it('honours the limit', () => {
    expect(suggest(base({ limit: 1 }))).toHaveLength(1);
  });
});
