/**
 * Pure: the one state machine of a call. No I/O; `now` is a parameter.
 *
 *   ringing ──first accept──▶ active ──fewer than two legs left──▶ ended (hung_up)
 *      │ caller hangs up ──▶ ended (cancelled)
 *      │ every invitee declined ──▶ ended (declined)
 *      └ ring timeout, nobody answered ──▶ ended (missed)
 *
 * A leg is one connection (one browser tab) in the call. A call never starts without a callee
 * accepting: until then only the caller's leg exists and nothing but the ring reaches anyone.
 * Only invitees accept; at most `max` legs (a full mesh: each leg sends to every other).
 * An illegal move is a typed refusal; nothing changes.
 */
import { assertNever } from '../../never.js';

export const END_REASONS = ['hung_up', 'cancelled', 'declined', 'missed'] as const;
export type EndReason = (typeof END_REASONS)[number];
export const CALL_STATUSES = ['ringing', 'active', 'ended'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export type CallPhase =
  | { status: 'ringing'; since: number }
  | { status: 'active'; startedAt: number }
  | { status: 'ended'; endedAt: number; reason: EndReason; startedAt: number | null };

export interface Leg {
  connId: string;
  userId: string;
  name: string;
  joinedAt: number;
}
export type Answer = 'ringing' | 'joined' | 'declined' | 'missed' | 'left';
export interface Invitee {
  userId: string;
  name: string;
  answer: Answer;
}

export interface CallFacts {
  phase: CallPhase;
  callerId: string;
  legs: Leg[];
  invitees: Invitee[];
  /** Everyone who was ever in the call (the audit's participants). */
  participants: string[];
  /** One more per change: clients keep the newest state whatever order updates and acks arrive in. */
  version: number;
}

export type CallEvent =
  | { type: 'invite'; connId: string; users: Array<{ userId: string; name: string }> }
  | { type: 'accept'; leg: Leg }
  | { type: 'decline'; userId: string }
  | { type: 'leave'; connId: string }
  | { type: 'timeout' };

export type Refusal = { ok: false; code: 'invalid_transition' | 'call_full' | 'forbidden' | 'conflict' | 'not_found'; message: string };
export type CallDecision =
  | { ok: true; next: CallFacts; joined: Leg | null; left: Leg | null; started: boolean; ended: EndReason | null; changed: boolean }
  | Refusal;

const refuse = (code: Refusal['code'], message: string): Refusal => ({ ok: false, code, message });

/** A new call: the caller's leg, ringing its invitees. */
export function startCall(caller: Leg, invitees: Array<{ userId: string; name: string }>, max: number, now: number): CallDecision {
  if (invitees.length === 0) return refuse('invalid_transition', 'A call needs someone to ring');
  if (invitees.length + 1 > max) return refuse('call_full', `A call has at most ${max} participants; ${invitees.length + 1} were asked`);
  const next: CallFacts = {
    phase: { status: 'ringing', since: now },
    callerId: caller.userId,
    legs: [caller],
    invitees: invitees.map((u) => ({ ...u, answer: 'ringing' })),
    participants: [caller.userId],
    version: 1,
  };
  return { ok: true, next, joined: caller, left: null, started: false, ended: null, changed: true };
}

function end(f: CallFacts, reason: EndReason, now: number): CallFacts {
  const startedAt = f.phase.status === 'active' ? f.phase.startedAt : null;
  return {
    ...f,
    phase: { status: 'ended', endedAt: now, reason, startedAt },
    legs: [],
    invitees: f.invitees.map((i) => (i.answer === 'ringing' ? { ...i, answer: 'missed' } : i.answer === 'joined' ? { ...i, answer: 'left' } : i)),
  };
}

const ok = (next: CallFacts, extra: Partial<Omit<Extract<CallDecision, { ok: true }>, 'ok' | 'next'>> = {}): CallDecision => ({
  ok: true,
  next,
  joined: null,
  left: null,
  started: false,
  ended: next.phase.status === 'ended' ? next.phase.reason : null,
  changed: true,
  ...extra,
});

export function decideCall(f: CallFacts, ev: CallEvent, max: number, now: number): CallDecision {
  const d = decide(f, ev, max, now);
  return d.ok && d.changed ? { ...d, next: { ...d.next, version: f.version + 1 } } : d;
}

function decide(f: CallFacts, ev: CallEvent, max: number, now: number): CallDecision {
  if (f.phase.status === 'ended') return refuse('invalid_transition', 'This call has ended');
  switch (ev.type) {
    case 'invite': {
      if (!f.legs.some((l) => l.connId === ev.connId)) return refuse('forbidden', 'Only someone in the call invites others to it');
      const fresh = ev.users.filter((u) => !f.legs.some((l) => l.userId === u.userId));
      if (fresh.length === 0) return refuse('invalid_transition', 'Everyone asked is already in the call');
      const ringing = f.invitees.filter((i) => i.answer === 'ringing' && !fresh.some((u) => u.userId === i.userId)).length;
      if (f.legs.length + ringing + fresh.length > max) {
        return refuse('call_full', `A call has at most ${max} participants; it has ${f.legs.length} and ${ringing} more are being rung`);
      }
      const others = f.invitees.filter((i) => !fresh.some((u) => u.userId === i.userId));
      return ok({ ...f, invitees: [...others, ...fresh.map((u) => ({ ...u, answer: 'ringing' as const }))] });
    }
    case 'accept': {
      const me = f.invitees.find((i) => i.userId === ev.leg.userId);
      if (!me) return refuse('forbidden', 'You were not invited to this call');
      if (f.legs.some((l) => l.userId === ev.leg.userId)) return refuse('conflict', 'You are already in this call (in another tab)');
      if (me.answer !== 'ringing' && !(me.answer === 'left' && f.phase.status === 'active')) {
        return refuse('invalid_transition', `You cannot join this call now (you ${me.answer === 'declined' ? 'declined it' : 'missed it'}); ask to be rung again`);
      }
      if (f.legs.length >= max) return refuse('call_full', `This call already has ${max} participants, the most a call can have`);
      const started = f.phase.status === 'ringing';
      const next: CallFacts = {
        ...f,
        phase: started ? { status: 'active', startedAt: now } : f.phase,
        legs: [...f.legs, ev.leg],
        invitees: f.invitees.map((i) => (i.userId === ev.leg.userId ? { ...i, answer: 'joined' } : i)),
        participants: f.participants.includes(ev.leg.userId) ? f.participants : [...f.participants, ev.leg.userId],
      };
      return ok(next, { joined: ev.leg, started });
    }
    case 'decline': {
      const me = f.invitees.find((i) => i.userId === ev.userId);
      if (!me || me.answer !== 'ringing') return refuse('invalid_transition', 'You are not being rung for this call');
      const next: CallFacts = { ...f, invitees: f.invitees.map((i) => (i === me ? { ...i, answer: 'declined' } : i)) };
      const nobodyLeft = f.phase.status === 'ringing' && !next.invitees.some((i) => i.answer === 'ringing');
      return ok(nobodyLeft ? end(next, 'declined', now) : next);
    }
    case 'leave': {
      const leg = f.legs.find((l) => l.connId === ev.connId);
      if (!leg) return refuse('not_found', 'You are not in this call');
      const legs = f.legs.filter((l) => l !== leg);
      const next: CallFacts = { ...f, legs, invitees: f.invitees.map((i) => (i.userId === leg.userId && i.answer === 'joined' ? { ...i, answer: 'left' } : i)) };
      if (f.phase.status === 'ringing') return ok(end(next, 'cancelled', now), { left: leg });
      return ok(legs.length < 2 ? end(next, 'hung_up', now) : next, { left: leg });
    }
    case 'timeout': {
      if (!f.invitees.some((i) => i.answer === 'ringing')) return ok(f, { changed: false });
      const next: CallFacts = { ...f, invitees: f.invitees.map((i) => (i.answer === 'ringing' ? { ...i, answer: 'missed' } : i)) };
      return ok(f.phase.status === 'ringing' ? end(next, 'missed', now) : next);
    }
    default:
      return assertNever(ev);
  }
}
