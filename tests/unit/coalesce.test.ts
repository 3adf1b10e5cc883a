// The room coalescer: a busy room's events share frames, in order, within one window; a quiet
// room's event is never held. Clock and timers are the test's.
import { describe, expect, it } from 'vitest';
import { createCoalescer } from '../../src/realtime/coalesce.js';

function setup(windowMs = 20) {
  let t = 0;
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  const sent: Array<{ room: string; event: string; payload: any; except?: string | undefined }> = [];
  const c = createCoalescer({
    windowMs,
    now: () => t,
    schedule: (fn, ms) => {
      const timer = { at: t + ms, fn, live: true };
      timers.push(timer);
      return () => void (timer.live = false);
    },
    emit: (room, event, payload, except) => void sent.push({ room, event, payload, except }),
  });
  const advance = (ms: number) => {
    t += ms;
    for (const timer of timers.filter((x) => x.live && x.at <= t)) {
      timer.live = false;
      timer.fn();
    }
  };
  return { c, sent, advance };
}

const ops = (...versions: number[]) => ({ roomId: 'r', ops: versions.map((version) => ({ field: 'f', version })) });

describe('room coalescer', () => {
  it('sends to a quiet room at once', () => {
    const { c, sent, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    expect(sent).toHaveLength(1);
    advance(25);
    c.post('a', 'field:ops', ops(2));
    expect(sent.map((s) => s.payload.ops.map((o: any) => o.version))).toEqual([[1], [2]]);
  });

  it('joins a busy room\'s field:ops into one message at the end of its window, in version order', () => {
    const { c, sent, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    advance(5);
    c.post('a', 'field:ops', ops(2, 3));
    c.post('a', 'field:ops', ops(4));
    expect(sent).toHaveLength(1);
    expect(c.heldRooms).toBe(1);
    advance(14);
    expect(sent).toHaveLength(1);
    advance(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.payload).toEqual(ops(2, 3, 4));
    expect(c.heldRooms).toBe(0);
  });

  it('keeps other events in order behind held ops, each with its own audience', () => {
    const { c, sent, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    c.post('a', 'field:ops', ops(2));
    c.post('a', 'presence:caret', { field: 'f' }, 'sender');
    c.post('a', 'field:ops', ops(3));
    c.post('a', 'field:ops', ops(4));
    advance(20);
    expect(sent.map((s) => [s.event, s.except, s.payload.ops?.map((o: any) => o.version)])).toEqual([
      ['field:ops', undefined, [1]],
      ['field:ops', undefined, [2]],
      ['presence:caret', 'sender', undefined],
      ['field:ops', undefined, [3, 4]],
    ]);
  });

  it('holds rooms independently', () => {
    const { c, sent, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    c.post('a', 'field:ops', ops(2));
    c.post('b', 'field:ops', ops(7));
    expect(sent.map((s) => s.room)).toEqual(['a', 'b']);
    advance(20);
    expect(sent.map((s) => s.room)).toEqual(['a', 'b', 'a']);
  });

  it('flush sends what a room holds now, and flushAll every room', () => {
    const { c, sent, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    c.post('a', 'field:ops', ops(2));
    c.post('b', 'x', 1);
    c.post('b', 'x', 2);
    c.flush('a');
    expect(sent.map((s) => [s.room, s.event])).toEqual([['a', 'field:ops'], ['b', 'x'], ['a', 'field:ops']]);
    c.flushAll();
    expect(sent).toHaveLength(4);
    advance(100); // the cancelled timers send nothing twice
    expect(sent).toHaveLength(4);
  });

  it('never holds with a window of 0', () => {
    const { c, sent } = setup(0);
    for (let v = 1; v <= 5; v++) c.post('a', 'field:ops', ops(v));
    expect(sent).toHaveLength(5);
  });

  it('does not change the payloads it was given when joining them', () => {
    const { c, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    const second = ops(2);
    c.post('a', 'field:ops', second);
    c.post('a', 'field:ops', ops(3));
    advance(20);
    expect(second).toEqual(ops(2));
  });
});

describe('room coalescer: room events', () => {
  it("joins a busy room's room:events into one room:events message, in order", () => {
    const { c, sent, advance } = setup();
    const ev = (seq: number) => ({ roomId: 'r', seq, type: 'chat.message.created' });
    c.post('a', 'room:event', ev(1));
    c.post('a', 'room:event', ev(2));
    c.post('a', 'room:event', ev(3));
    advance(20);
    expect(sent.map((s) => s.event)).toEqual(['room:event', 'room:events']);
    expect(sent[1]!.payload).toEqual({ roomId: 'r', events: [ev(2), ev(3)] });
  });

  it('sends a lone held room event as it is', () => {
    const { c, sent, advance } = setup();
    c.post('a', 'field:ops', ops(1));
    c.post('a', 'room:event', { roomId: 'r', seq: 1 });
    advance(20);
    expect(sent.map((s) => s.event)).toEqual(['field:ops', 'room:event']);
  });
});
