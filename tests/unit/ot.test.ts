import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextFieldClient } from '../../src/ot/client.js';
import { apply, checkTextOp, cpLength, cpToUtf16, diff, type TextOp, transformCaret, transformOverHistory, utf16ToCp } from '../../src/ot/text.js';

const alphabet = ['a', 'b', ' ', 'é', '😀', '👍🏽', '中', '\n'];
const textArb = fc.array(fc.constantFrom(...alphabet), { maxLength: 20 }).map((xs) => xs.join(''));

describe('code points and UTF-16', () => {
  it('converts positions both ways around astral characters', () => {
    const s = 'a😀b👍🏽c';
    expect(cpLength(s)).toBe(6);
    expect(cpToUtf16(s, 2)).toBe(3);
    expect(utf16ToCp(s, 3)).toBe(2);
    expect(utf16ToCp(s, 2)).toBe(1); // inside the surrogate pair: rounds down
    fc.assert(
      fc.property(textArb, fc.nat(), (t, n) => {
        const cp = n % (cpLength(t) + 1);
        expect(utf16ToCp(t, cpToUtf16(t, cp))).toBe(cp);
      }),
    );
  });

  it('diff turns any text into any other, and the caret hint picks the typed position', () => {
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        expect(apply(a, diff(a, b))).toBe(b);
      }),
    );
    expect(diff('aa', 'aaa', 1)).toEqual(['a']); // typed at the start: insert at 0
    expect(diff('aa', 'aaa', 3)).toEqual([2, 'a']);
    expect(diff('x😀y', 'x😀😀y', 3)).toEqual([2, '😀']);
  });

  it('checks op shape and length', () => {
    expect(checkTextOp([3, 'x'], 3, 10)).toBeNull();
    expect(checkTextOp([4, 'x'], 3, 10)).toMatch(/only 3 characters/);
    expect(checkTextOp([1, 1, 'x'], 3, 10)).toMatch(/malformed/);
    expect(checkTextOp(['x'.repeat(11)], 0, 10)).toMatch(/limit is 10/);
    expect(checkTextOp(['\ud800'], 0, 10)).toMatch(/surrogate/);
    expect(checkTextOp([{ d: 4 }], 3, 10)).toMatch(/only 3/);
  });
});

/** A tiny in-memory server with the real algorithm: transform over each committed op in turn. */
function server(initial: string) {
  const log: Array<{ op: TextOp; clientId: string; seq: number }> = [];
  let text = initial;
  return {
    get text() {
      return text;
    },
    log,
    submit(o: { baseVersion: number; op: TextOp; clientId: string; seq: number }): number {
      const dup = log.findIndex((l) => l.clientId === o.clientId && l.seq === o.seq);
      if (dup >= 0) return dup + 1;
      const op = transformOverHistory(o.op, log.slice(o.baseVersion).map((l) => l.op));
      text = apply(text, op);
      log.push({ op, clientId: o.clientId, seq: o.seq });
      return log.length;
    },
  };
}

function randomOp(r: () => number, text: string): TextOp {
  const n = cpLength(text);
  if (n > 0 && r() < 0.4) {
    const at = Math.floor(r() * n);
    const len = 1 + Math.floor(r() * Math.min(3, n - at));
    return at ? [at, { d: len }] : [{ d: len }];
  }
  const at = Math.floor(r() * (n + 1));
  const s = alphabet[Math.floor(r() * alphabet.length)]!;
  return at ? [at, s] : [s];
}

describe('TextFieldClient against the server algorithm (seeded property)', () => {
  it('converges for any interleaving of edits, acks and deliveries (out of order included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.array(fc.double({ min: 0, max: 0.9999, noNaN: true }), { minLength: 200, maxLength: 400 }), (n, rs) => {
        let i = 0;
        const r = () => rs[i++ % rs.length]!;
        const srv = server('start 🙂');
        const clients = Array.from({ length: n }, (_, k) => new TextFieldClient({ clientId: `c${k}`, text: 'start 🙂', version: 0 }));
        // Per client: committed versions not yet delivered, delivered in a random order.
        const inbox = clients.map(() => [] as number[]);
        const step = () => {
          const c = clients[Math.floor(r() * n)]!;
          const k = clients.indexOf(c);
          const x = r();
          if (x < 0.45) c.applyLocal(randomOp(r, c.text));
          else if (x < 0.7) {
            const out = c.takeOutgoing() ?? (r() < 0.2 ? c.resendInflight() : null);
            if (out) {
              const v = srv.submit(out);
              clients.forEach((_, j) => j !== k && inbox[j]!.push(v));
              // The ack may be lost (resent later) or arrive now.
              if (r() < 0.8) c.ack(v, out.seq);
            }
          } else if (inbox[k]!.length > 0) {
            const at = Math.floor(r() * inbox[k]!.length);
            const v = inbox[k]!.splice(at, 1)[0]!;
            const l = srv.log[v - 1]!;
            c.receive({ version: v, op: l.op, clientId: l.clientId, seq: l.seq });
          }
        };
        for (let s = 0; s < 300; s++) step();
        // Drain: deliver everything, resend what is in flight, until quiet.
        for (let round = 0; round < 50; round++) {
          clients.forEach((c, k) => {
            for (let v = c.version + 1; v <= srv.log.length; v++) {
              const l = srv.log[v - 1]!;
              c.receive({ version: v, op: l.op, clientId: l.clientId, seq: l.seq });
            }
            inbox[k] = [];
            const out = c.resendInflight() ?? c.takeOutgoing();
            if (out) {
              const v = srv.submit(out);
              for (let w = c.version + 1; w <= v; w++) {
                const l = srv.log[w - 1]!;
                c.receive({ version: w, op: l.op, clientId: l.clientId, seq: l.seq });
              }
            }
          });
        }
        for (const c of clients) {
          expect(c.hasUnacked).toBe(false);
          expect(c.text).toBe(srv.text);
          expect(c.serverText).toBe(srv.text);
        }
      }),
      { numRuns: 60 },
    );
  });

  /** Two clients on one server; `sync(c)` sends c's edit and delivers everything to both. */
  const twoClients = (text: string) => {
    const srv = server(text);
    const a = new TextFieldClient({ clientId: 'a', text, version: 0 });
    const b = new TextFieldClient({ clientId: 'b', text, version: 0 });
    const sync = (c: TextFieldClient) => {
      const out = c.takeOutgoing();
      if (out) c.ack(srv.submit(out), out.seq);
      for (const d of [a, b]) for (let v = d.version + 1; v <= srv.log.length; v++) d.receive({ version: v, op: srv.log[v - 1]!.op, clientId: srv.log[v - 1]!.clientId, seq: srv.log[v - 1]!.seq });
    };
    return { a, b, sync };
  };

  it('undo removes only our own change, transformed over others', () => {
    const { a, b, sync } = twoClients('hello');
    a.applyLocal([5, ' world']);
    sync(a);
    b.applyLocal(['Say: ']);
    sync(b);
    expect(a.text).toBe('Say: hello world');
    a.undo();
    sync(a);
    expect(a.text).toBe('Say: hello');
    expect(b.text).toBe('Say: hello');
    a.redo();
    sync(a);
    expect(b.text).toBe('Say: hello world');
  });

  it('one undo takes back a whole typed run (merged edits), even with a colleague typing in between', () => {
    const { a, b, sync } = twoClients('hello');
    a.applyLocal([5, ' w']);
    sync(a);
    b.applyLocal(['>']);
    sync(b);
    a.applyLocal([8, 'o'], { merge: true });
    a.applyLocal([9, 'r'], { merge: true });
    sync(a);
    expect(a.text).toBe('>hello wor');
    a.undo();
    sync(a);
    expect(a.text).toBe('>hello');
    expect(b.text).toBe('>hello');
    a.redo();
    sync(a);
    expect(b.text).toBe('>hello wor');
  });

  it('a restored client (after a reload) resends its op exactly once', () => {
    const srv = server('');
    const a = new TextFieldClient({ clientId: 'a', text: '', version: 0 });
    a.applyLocal(['x😀']);
    const out = a.takeOutgoing()!;
    srv.submit(out); // committed, but the ack is lost with the tab
    const saved = JSON.parse(JSON.stringify(a.snapshot()));
    const again = new TextFieldClient({ state: saved });
    // Catch up: our own op comes back as the ack.
    again.receive({ version: 1, op: srv.log[0]!.op, clientId: 'a', seq: out.seq });
    expect(again.hasUnacked).toBe(false);
    expect(again.text).toBe('x😀');
    expect(srv.log).toHaveLength(1);
  });

  it('carets: a remote insert before the caret moves it, after it does not', () => {
    expect(transformCaret(3, [1, 'ab'])).toBe(5);
    expect(transformCaret(1, [3, 'ab'])).toBe(1);
    expect(transformCaret(3, [1, { d: 1 }])).toBe(2);
  });
});
