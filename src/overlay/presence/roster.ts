/**
 * Who is in the room, as a client learns it from the join answer's snapshot and the room's
 * presence broadcasts, in whatever order they arrive. Pure: no DOM, no socket; every apply
 * returns a new roster (or the same one when the message changed nothing).
 *
 * Participant states carry a version that increases per (room, user) across instances; a state,
 * a "left" or a snapshot older than what we have for a person is ignored, so a broadcast that
 * overtook the join answer is not undone by the answer's older snapshot. Carets are ordered per
 * tab by their own `seq` (see docs/protocol.md#presence).
 */
import type { Caret, Participant, PresenceCaretEvent, PresenceJoinAnswer, PresenceLeaveEvent } from '../../features/presence/messages.js';

export type RemoteCaret = Caret & { userId: string };

export interface Roster {
  /** Whose messages are ignored: the current user (their own tabs show themselves). */
  readonly self: string | undefined;
  readonly people: ReadonlyMap<string, Participant>;
  /** Highest version applied per person, kept after they left; entries at or below `floor` are dropped. */
  readonly versions: ReadonlyMap<string, number>;
  /** The latest snapshot's version: whoever it did not list was absent as of then. */
  readonly floor: number;
  /** Remote carets by `${userId}|${sid}`. */
  readonly carets: ReadonlyMap<string, RemoteCaret>;
}

export type PresenceMessage =
  | { kind: 'snapshot'; version: number; participants: Participant[] }
  | { kind: 'state'; participant: Participant }
  | { kind: 'left'; userId: string; version: number }
  | { kind: 'caret'; caret: RemoteCaret };

export const emptyRoster = (self?: string): Roster => ({ self, people: new Map(), versions: new Map(), floor: -Infinity, carets: new Map() });

/** The message a presence socket event (or the join answer's `presence` part) stands for. */
export function presenceMessage(event: string, payload: unknown): PresenceMessage | null {
  const e = payload as Record<string, unknown>;
  switch (event) {
    case 'room:join': {
      const a = payload as PresenceJoinAnswer;
      return { kind: 'snapshot', version: a.version, participants: a.participants };
    }
    case 'presence:join':
    case 'presence:update':
      return { kind: 'state', participant: e.participant as Participant };
    case 'presence:leave': {
      const l = payload as PresenceLeaveEvent;
      return { kind: 'left', userId: l.userId, version: l.version };
    }
    case 'presence:caret': {
      const { userId, sid, field, anchor, head, seq } = payload as PresenceCaretEvent;
      return { kind: 'caret', caret: { userId, sid, field, anchor, head, seq } };
    }
    default:
      return null;
  }
}

/**
 * The roster right after a (re-)join: the answer's snapshot, then the room broadcasts that reached
 * us before it (the server puts a joiner in the room before answering). Starts empty: what we knew
 * came over an earlier connection and the snapshot covers it.
 */
export function rosterOnJoin(self: string | undefined, answer: PresenceJoinAnswer | undefined, early: PresenceMessage[]): Roster {
  let r = emptyRoster(self);
  if (answer) r = applyPresence(r, presenceMessage('room:join', answer)!);
  return early.reduce(applyPresence, r);
}

/** Whether news of `userId` at `version` is newer than what the roster has applied. */
export function isNewer(r: Roster, userId: string, version: number): boolean {
  return version > Math.max(r.versions.get(userId) ?? -Infinity, r.floor);
}

export function applyPresence(r: Roster, msg: PresenceMessage): Roster {
  switch (msg.kind) {
    case 'state':
      return applyState(r, msg.participant);
    case 'left':
      return applyLeft(r, msg.userId, msg.version);
    case 'caret':
      return applyCaret(r, msg.caret);
    case 'snapshot':
      return applySnapshot(r, msg.version, msg.participants);
  }
}

function applyState(r: Roster, p: Participant): Roster {
  if (p.userId === r.self || !isNewer(r, p.userId, p.version)) return r;
  const people = new Map(r.people).set(p.userId, p);
  const versions = new Map(r.versions).set(p.userId, p.version);
  // The state lists the person's carets now; a tab's caret we already have from a newer move stays.
  const carets = new Map(r.carets);
  for (const [k, c] of r.carets) if (c.userId === p.userId) carets.delete(k);
  for (const c of p.carets) {
    const key = `${p.userId}|${c.sid}`;
    const had = r.carets.get(key);
    carets.set(key, had && had.seq > c.seq ? had : { userId: p.userId, ...c });
  }
  return { ...r, people, versions, carets };
}

function applyLeft(r: Roster, userId: string, version: number): Roster {
  if (userId === r.self || !isNewer(r, userId, version)) return r;
  const people = new Map(r.people);
  people.delete(userId);
  return { ...r, people, versions: new Map(r.versions).set(userId, version), carets: withoutCaretsOf(r.carets, userId) };
}

function applyCaret(r: Roster, c: RemoteCaret): Roster {
  // A caret of someone not (or no longer) here would be drawn for nobody; their next state brings it.
  if (c.userId === r.self || !r.people.has(c.userId)) return r;
  const key = `${c.userId}|${c.sid}`;
  const had = r.carets.get(key);
  if (had && had.seq >= c.seq) return r;
  return { ...r, carets: new Map(r.carets).set(key, c) };
}

function applySnapshot(r: Roster, version: number, participants: Participant[]): Roster {
  let next = r;
  for (const p of participants) next = applyState(next, p);
  const listed = new Set(participants.map((p) => p.userId));
  const people = new Map(next.people);
  let carets = next.carets;
  for (const id of next.people.keys()) {
    // Not listed: gone as of the snapshot, unless we heard of them since.
    if (listed.has(id) || (next.versions.get(id) ?? -Infinity) >= version) continue;
    people.delete(id);
    carets = withoutCaretsOf(carets, id);
  }
  const floor = Math.max(next.floor, version);
  const versions = new Map([...next.versions].filter(([, v]) => v > floor));
  return { ...next, people, versions, floor, carets };
}

function withoutCaretsOf(carets: ReadonlyMap<string, RemoteCaret>, userId: string): ReadonlyMap<string, RemoteCaret> {
  const out = new Map(carets);
  for (const [k, c] of carets) if (c.userId === userId) out.delete(k);
  return out;
}

/** Moves every caret in `field` through a local text change (positions in code points). */
export function mapCarets(r: Roster, field: string, map: (cp: number) => number): Roster {
  const carets = new Map([...r.carets].map(([k, c]) => [k, c.field === field ? { ...c, anchor: map(c.anchor), head: map(c.head) } : c]));
  return { ...r, carets };
}
