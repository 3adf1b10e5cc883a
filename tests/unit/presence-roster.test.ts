import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Participant } from '../../src/features/presence/messages.js';
import { applyPresence, emptyRoster, mapCarets, type PresenceMessage, presenceMessage, type Roster } from '../../src/overlay/presence/roster.js';

const person = (userId: string, version: number, extra: Partial<Participant> = {}): Participant => ({
  userId,
  name: userId,
  avatar: null,
  color: '#0969da',
  status: 'available',
  focus: [],
  typing: false,
  carets: [],
  tabs: 1,
  since: '2024-01-01T00:00:00.000Z',
  version,
  ...extra,
});
const state = (p: Participant): PresenceMessage => ({ kind: 'state', participant: p });
const left = (userId: string, version: number): PresenceMessage => ({ kind: 'left', userId, version });
const snapshot = (version: number, ...participants: Participant[]): PresenceMessage => ({ kind: 'snapshot', version, participants });
const caret = (userId: string, sid: string, seq: number, head: number, field = 'notes'): PresenceMessage => ({
  kind: 'caret',
  caret: { userId, sid, field, anchor: head, head, seq },
});
const run = (msgs: PresenceMessage[], r: Roster = emptyRoster('me')) => msgs.reduce(applyPresence, r);
const focusOf = (r: Roster) => Object.fromEntries([...r.people].map(([id, p]) => [id, p.focus]));

describe('presence roster: per-participant versions', () => {
  it('keeps a newer update over an older snapshot that arrives after it', () => {
    const r = run([state(person('bob', 12, { focus: ['email'] })), snapshot(10, person('bob', 10), person('carol', 10))]);
    expect(focusOf(r)).toEqual({ bob: ['email'], carol: [] });
    // In the usual order the snapshot comes first and the update still wins.
    expect(focusOf(run([snapshot(10, person('bob', 10)), state(person('bob', 12, { focus: ['email'] }))]))).toEqual({ bob: ['email'] });
  });

  it('lets a newer snapshot replace older news', () => {
    const r = run([state(person('bob', 5, { focus: ['email'] })), snapshot(10, person('bob', 10, { focus: ['notes'] }))]);
    expect(focusOf(r)).toEqual({ bob: ['notes'] });
    // And an older update arriving after it is ignored.
    expect(focusOf(applyPresence(r, state(person('bob', 7, { focus: ['status'] }))))).toEqual({ bob: ['notes'] });
  });

  it('a "left" wins over an older snapshot that still lists the person, in either order', () => {
    expect(focusOf(run([left('bob', 12), snapshot(10, person('bob', 10))]))).toEqual({});
    expect(focusOf(run([snapshot(10, person('bob', 10)), left('bob', 12)]))).toEqual({});
    // A snapshot newer than the "left" (bob came back in between) shows him.
    expect(focusOf(run([left('bob', 12), snapshot(14, person('bob', 14))]))).toEqual({ bob: [] });
  });

  it('shows a person again after a re-join with a higher version; a late older "left" does not hide them', () => {
    const gone = run([snapshot(10, person('bob', 10)), left('bob', 12)]);
    const back = applyPresence(gone, state(person('bob', 13, { focus: ['email'] })));
    expect(focusOf(back)).toEqual({ bob: ['email'] });
    // The re-join overtook the "left": the "left" is older and changes nothing.
    const overtaken = run([snapshot(10, person('bob', 10)), state(person('bob', 13)), left('bob', 12)]);
    expect(focusOf(overtaken)).toEqual({ bob: [] });
    expect(applyPresence(back, left('bob', 12))).toBe(back);
  });

  it('a snapshot drops people it does not list, unless we heard of them since', () => {
    const r = run([state(person('old', 3)), state(person('new', 11)), snapshot(10, person('bob', 10))]);
    expect(focusOf(r)).toEqual({ new: [], bob: [] });
    // A delayed join of someone the snapshot says is gone (joined and left before it) is ignored…
    expect(focusOf(applyPresence(r, state(person('ghost', 8))))).toEqual({ new: [], bob: [] });
    // …a later one is not.
    expect(focusOf(applyPresence(r, state(person('ghost', 15))))).toEqual({ new: [], bob: [], ghost: [] });
  });

  it('handles unknown participants: a state adds them, a "left" remembers them, a caret waits for them', () => {
    const r0 = emptyRoster('me');
    expect(focusOf(applyPresence(r0, state(person('dave', 4))))).toEqual({ dave: [] });
    const gone = applyPresence(r0, left('erin', 9));
    expect(gone.people.size).toBe(0);
    expect(focusOf(applyPresence(gone, state(person('erin', 7))))).toEqual({}); // older than her "left"
    expect(applyPresence(r0, caret('frank', 's1', 1, 3))).toBe(r0); // drawn for nobody: not kept
    // Our own user is never a participant (our other tabs are not "other people").
    expect(applyPresence(r0, state(person('me', 99)))).toBe(r0);
    expect(run([snapshot(10, person('me', 10), person('bob', 10))]).people.has('me')).toBe(false);
  });

  it('orders carets per tab by seq, whichever message carries them', () => {
    const withCaret = (seq: number, head: number) => ({ sid: 's1', field: 'notes', anchor: head, head, seq });
    let r = run([snapshot(10, person('bob', 10, { carets: [withCaret(2, 5)] }))]);
    r = applyPresence(r, caret('bob', 's1', 4, 9));
    expect(r.carets.get('bob|s1')?.head).toBe(9);
    // An older caret event, or a newer participant state carrying an older caret, keeps seq 4.
    expect(applyPresence(r, caret('bob', 's1', 3, 7))).toBe(r);
    r = applyPresence(r, state(person('bob', 11, { focus: ['notes'], carets: [withCaret(3, 7)] })));
    expect(r.carets.get('bob|s1')).toMatchObject({ head: 9, seq: 4 });
    // A newer state without that tab's caret removes it (focus moved away, or the tab closed).
    r = applyPresence(r, state(person('bob', 12, { focus: [] })));
    expect(r.carets.size).toBe(0);
    // "left" removes carets; a later caret of a departed person is not kept.
    r = applyPresence(applyPresence(r, caret('bob', 's1', 5, 1)), left('bob', 13));
    expect(r.carets.size).toBe(0);
    expect(applyPresence(r, caret('bob', 's1', 6, 1))).toBe(r);
  });

  it('moves carets through local text changes without touching the old roster', () => {
    const r = run([snapshot(1, person('bob', 1, { carets: [{ sid: 's1', field: 'notes', anchor: 2, head: 4, seq: 1 }] }))]);
    const moved = mapCarets(r, 'notes', (cp) => cp + 3);
    expect(moved.carets.get('bob|s1')).toMatchObject({ anchor: 5, head: 7 });
    expect(r.carets.get('bob|s1')).toMatchObject({ anchor: 2, head: 4 });
  });

  it('reads socket events and the join answer', () => {
    expect(presenceMessage('presence:leave', { roomId: 'r', userId: 'bob', version: 3 })).toEqual(left('bob', 3));
    expect(presenceMessage('presence:caret', { roomId: 'r', userId: 'bob', sid: 's', field: 'f', anchor: 1, head: 2, seq: 3 })).toEqual({
      kind: 'caret',
      caret: { userId: 'bob', sid: 's', field: 'f', anchor: 1, head: 2, seq: 3 },
    });
    expect(presenceMessage('room:join', { participants: [], self: { color: '#000' }, version: 4 })).toEqual(snapshot(4));
    expect(presenceMessage('presence:status', {})).toBeNull();
  });

  it('ends in the server\'s final state whatever order the messages arrive in', () => {
    // A model server: one counter, each change announced with the next version; a joiner's
    // snapshot taken somewhere in between lists everyone present with its own version.
    const users = ['a', 'b', 'c'];
    const change = fc.record({ user: fc.constantFrom(...users), kind: fc.constantFrom('state', 'left'), focus: fc.constantFrom('x', 'y', 'z') });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 25 }), fc.nat(), fc.integer(), (changes, at, seed) => {
        let v = 100;
        const present = new Map<string, Participant>();
        const msgs: PresenceMessage[] = [];
        const snapAt = at % (changes.length + 1);
        changes.forEach((c, i) => {
          if (i === snapAt) {
            v++;
            msgs.push(snapshot(v, ...[...present.values()].map((p) => ({ ...p, version: v }))));
          }
          v++;
          if (c.kind === 'state') {
            present.set(c.user, person(c.user, v, { focus: [c.focus] }));
            msgs.push(state(present.get(c.user)!));
          } else {
            present.delete(c.user);
            msgs.push(left(c.user, v));
          }
        });
        if (snapAt === changes.length) msgs.push(snapshot(++v, ...[...present.values()].map((p) => ({ ...p, version: v }))));
        const expected = Object.fromEntries([...present].map(([id, p]) => [id, p.focus]));
        const shuffled = fc.sample(fc.shuffledSubarray(msgs, { minLength: msgs.length }), { numRuns: 1, seed })[0]!;
        expect(focusOf(run(shuffled, emptyRoster()))).toEqual(expected);
        expect(focusOf(run(msgs, emptyRoster()))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
