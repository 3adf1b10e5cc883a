import { describe, expect, it } from 'vitest';
import { type PresenceState, rankTier, route, type RoutingCandidate, type RoutingInput } from '../../src/features/assistance/routing.js';

const policy = { helperRole: 'helper', fallbackRole: 'admin' };
const u = (userId: string, expertise: string[] = [], roles: string[] = []): RoutingCandidate => ({ userId, expertise, roles });

function input(over: Partial<RoutingInput> & { status?: Record<string, PresenceState>; loads?: Record<string, number> }): RoutingInput {
  const status = over.status ?? {};
  const loads = over.loads ?? {};
  return {
    requesterId: 'carol',
    topic: 'billing',
    urgent: false,
    candidates: [],
    presence: (id) => status[id] ?? 'available',
    load: (id) => loads[id] ?? 0,
    pastHelpers: [],
    tried: [],
    cursors: {},
    policy,
    ...over,
  };
}
const pick = (i: RoutingInput) => {
  const d = route(i);
  return d.kind === 'offer' ? `${d.tier}:${d.helperId}` : 'queue';
};

describe('routing policy', () => {
  it('matches the expertise tag; the requester is never a candidate', () => {
    const candidates = [u('alice', ['shipping']), u('bob', ['billing']), u('carol', ['billing'])];
    expect(pick(input({ candidates }))).toBe('expert:bob');
    const d = route(input({ candidates }));
    expect(d.kind === 'offer' && d.reason).toBe('expert: billing, available, 0 open requests');
  });

  it('prefers available over busy', () => {
    const candidates = [u('a', ['billing']), u('b', ['billing'])];
    expect(pick(input({ candidates, status: { a: 'busy', b: 'available' } }))).toBe('expert:b');
    expect(pick(input({ candidates, status: { a: 'busy', b: 'busy' } }))).toBe('expert:a');
  });

  it('skips away and do-not-disturb unless urgent, and never offers to offline users', () => {
    const candidates = [u('a', ['billing']), u('b', ['billing']), u('c', ['billing'])];
    const status = { a: 'dnd', b: 'away', c: 'offline' } as const;
    expect(pick(input({ candidates, status }))).toBe('queue');
    expect(pick(input({ candidates, status, urgent: true }))).toBe('expert:b'); // away before dnd
    expect(pick(input({ candidates, status: { a: 'dnd', b: 'offline', c: 'offline' }, urgent: true }))).toBe('expert:a');
    expect(rankTier(input({ candidates, status, urgent: true }), 'expert').map((c) => c.userId)).toEqual(['b', 'a']);
  });

  it('prefers the least loaded, then whoever helped on this record before', () => {
    const candidates = [u('a', ['billing']), u('b', ['billing']), u('c', ['billing'])];
    expect(pick(input({ candidates, loads: { a: 2, b: 1, c: 3 } }))).toBe('expert:b');
    expect(pick(input({ candidates, loads: { a: 1, b: 1, c: 1 }, pastHelpers: ['c', 'b'] }))).toBe('expert:c');
    expect(pick(input({ candidates, loads: { a: 1, b: 1, c: 0 }, pastHelpers: ['a'] }))).toBe('expert:c'); // load first
    // presence beats load
    expect(pick(input({ candidates, status: { a: 'busy' }, loads: { a: 0, b: 5, c: 6 } }))).toBe('expert:b');
  });

  it('breaks ties fairly: round robin after the persisted cursor, wrapping around', () => {
    const candidates = [u('d', ['billing']), u('b', ['billing']), u('c', ['billing'])];
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 6; i++) {
      const d = route(input({ candidates, cursors: { expert: cursor } }));
      if (d.kind !== 'offer') throw new Error('expected an offer');
      seen.push(d.helperId);
      cursor = d.helperId;
    }
    expect(seen).toEqual(['b', 'c', 'd', 'b', 'c', 'd']);
  });

  it('escalates in order: next candidate, then the helper role, then the fallback role, then the queue', () => {
    const candidates = [u('x1', ['billing']), u('x2', ['billing']), u('h1', [], ['helper']), u('f1', [], ['admin']), u('z', ['sales'])];
    const order: string[] = [];
    const tried: string[] = [];
    for (;;) {
      const d = route(input({ candidates, tried, loads: { x2: 1 } }));
      if (d.kind === 'queue') {
        order.push('queue');
        expect(d.reason).toMatch(/4 tried/);
        break;
      }
      order.push(`${d.tier}:${d.helperId}`);
      tried.push(d.helperId);
    }
    expect(order).toEqual(['expert:x1', 'expert:x2', 'helper:h1', 'fallback:f1', 'queue']);
  });

  it('without a topic starts with the helper role', () => {
    const candidates = [u('x1', ['billing']), u('h1', [], ['helper']), u('f1', [], ['admin'])];
    expect(pick(input({ candidates, topic: null }))).toBe('helper:h1');
    expect(pick(input({ candidates, topic: null, status: { h1: 'dnd' } }))).toBe('fallback:f1');
  });

  it('falls back to the queue when nobody is reachable', () => {
    expect(route(input({ candidates: [] }))).toEqual({ kind: 'queue', reason: 'no reachable helper; waiting in the helper queue' });
  });

  it('agrees with the full ranking on random inputs (seeded)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const states: PresenceState[] = ['available', 'busy', 'away', 'dnd', 'offline'];
    for (let round = 0; round < 200; round++) {
      const candidates = Array.from({ length: 12 }, (_, i) => u(`u${i}`, rnd() < 0.5 ? ['billing'] : [], rnd() < 0.3 ? ['helper'] : []));
      const status = Object.fromEntries(candidates.map((c) => [c.userId, states[Math.floor(rnd() * 5)]!]));
      const loads = Object.fromEntries(candidates.map((c) => [c.userId, Math.floor(rnd() * 3)]));
      const i = input({ candidates, status, loads, urgent: rnd() < 0.5, cursors: { expert: `u${Math.floor(rnd() * 12)}` }, pastHelpers: ['u3'] });
      const ranked = rankTier(i, 'expert');
      const d = route(i);
      if (ranked.length > 0) expect(d.kind === 'offer' && d.helperId).toBe(ranked[0]!.userId);
    }
  });
});
