// The cluster bench's plan: editors of a document spread round-robin over the instances, and the
// report's small arithmetic. No servers, no timing.
import { describe, expect, it } from 'vitest';
import { collapseNotes, instanceOfEditor, logTally, parseInstanceCounts, perThousand, routingMode } from '../../bench/cluster-plan.js';

describe('instanceOfEditor', () => {
  it("puts editor k of each document on instance k mod N (document = n % rooms, as CoeditLoad does)", () => {
    const rooms = 10;
    const perRoom = 6;
    for (const instances of [1, 2, 3]) {
      for (let doc = 0; doc < rooms; doc++) {
        const of = Array.from({ length: perRoom }, (_, k) => instanceOfEditor(k * rooms + doc, rooms, instances));
        expect(of).toEqual(Array.from({ length: perRoom }, (_, k) => k % instances));
      }
    }
  });

  it('spreads every instance evenly when editors per document are a multiple of N', () => {
    const counts = [0, 0, 0];
    for (let n = 0; n < 60; n++) counts[instanceOfEditor(n, 10, 3)]!++;
    expect(counts).toEqual([20, 20, 20]);
  });
});

describe('parseInstanceCounts', () => {
  it('reads a comma-separated list', () => expect(parseInstanceCounts('1, 2,3')).toEqual([1, 2, 3]));
  it('refuses zero, fractions and words', () => {
    for (const bad of ['0', '1,2.5', 'two', '']) expect(() => parseInstanceCounts(bad)).toThrow(/positive integers/);
  });
});

describe('perThousand', () => {
  it('scales to 1,000 ops', () => expect(perThousand(3, 1500)).toBe(2));
  it('is NaN without ops, so no target can pass on an empty run', () => expect(perThousand(0, 0)).toBeNaN());
});

describe('collapseNotes', () => {
  it('counts repeats and keeps first-seen order', () => {
    expect(collapseNotes(['a', 'b', 'a', 'c', 'a'])).toEqual(['a (×3)', 'b', 'c']);
  });
});

describe('routingMode', () => {
  it('names the value passed through, or the server default when unset', () => {
    expect(routingMode(undefined)).toMatch(/unset/);
    expect(routingMode('')).toMatch(/unset/);
    expect(routingMode('false')).toBe('FIELD_OWNER_ROUTING=false');
  });
});

describe('logTally', () => {
  it('counts warnings and errors by message and cause, across chunk boundaries, skipping info and non-JSON lines', () => {
    const t = logTally();
    const warn = JSON.stringify({ level: 40, msg: 'op-log recovery failed', err: { message: 'Failed query: select …\nparams: 3a49,notes: deadlock detected' } });
    const err = JSON.stringify({ level: 50, msg: 'broadcast after commit failed' });
    const info = JSON.stringify({ level: 30, msg: 'cluster members changed' });
    const redis = JSON.stringify({ level: 40, msg: 'redis error', err: 'Connection is closed.', client: 'pub' });
    const all = `  Tandem demo: http://127.0.0.1:1/demo/\n${warn}\n${info}\n${warn}\n${err}\n${redis}\n`;
    t.push(all.slice(0, 50));
    t.push(all.slice(50));
    expect(t.lines()).toEqual(['warn: op-log recovery failed (deadlock detected) ×2', 'error: broadcast after commit failed ×1', 'warn: redis error (Connection is closed.) ×1']);
  });
});
