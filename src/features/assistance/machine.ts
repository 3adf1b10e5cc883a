/**
 * Pure: the lifecycle of an assistance request. No I/O; `now` is a parameter.
 *
 *   open ──offer(helper)──▶ offered ──accept──▶ accepted ──resolve──▶ resolved
 *     ▲                        │
 *     └──── decline / timeout ─┘        (the helper joins `tried`; routing runs again)
 *   open ──queue──▶ queued   (routing found nobody; every helper sees it and may accept)
 *   open | offered | queued | accepted ──cancel (requester)──▶ cancelled
 *
 * A helper may also take a request straight from the queue (or one still being routed).
 */
import { assertNever } from '../../never.js';

export const AssistanceStatus = {
  open: 'open',
  offered: 'offered',
  queued: 'queued',
  accepted: 'accepted',
  resolved: 'resolved',
  cancelled: 'cancelled',
} as const;
export type AssistanceStatus = (typeof AssistanceStatus)[keyof typeof AssistanceStatus];
export const ASSISTANCE_STATUSES = Object.values(AssistanceStatus) as AssistanceStatus[];

export type AssistanceState =
  | { status: 'open' }
  | { status: 'offered'; helperId: string; tier: RoutingTier; offeredAt: number; deadline: number }
  | { status: 'queued'; queuedAt: number }
  | { status: 'accepted'; helperId: string; acceptedAt: number }
  | { status: 'resolved'; helperId: string; resolvedAt: number; by: string }
  | { status: 'cancelled'; at: number };

export type RoutingTier = 'expert' | 'helper' | 'fallback';

export interface AssistanceFacts {
  requesterId: string;
  state: AssistanceState;
  /** Helpers who declined or let an offer time out; routing skips them. */
  tried: readonly string[];
}

export type AssistanceEvent =
  | { type: 'offer'; helperId: string; tier: RoutingTier; deadline: number }
  | { type: 'queue' }
  | { type: 'accept' }
  | { type: 'decline' }
  | { type: 'timeout' }
  | { type: 'resolve' }
  | { type: 'cancel' };
export type AssistanceEventType = AssistanceEvent['type'];
export const USER_ASSISTANCE_ACTIONS = ['accept', 'decline', 'resolve', 'cancel'] as const;

/** `canHelp`: whether the actor may take requests from the queue (has the helper/fallback role or a matching expertise). */
export type AssistanceActor = { kind: 'user'; userId: string; canHelp: boolean } | { kind: 'system' };

export type AssistanceDecision =
  | { ok: true; from: AssistanceStatus; to: AssistanceState; tried: string[] }
  | { ok: false; code: 'invalid_transition' | 'forbidden'; message: string };

export const isActive = (s: AssistanceStatus) => s === 'open' || s === 'offered' || s === 'queued' || s === 'accepted';

export function decideAssistance(r: AssistanceFacts, ev: AssistanceEvent, actor: AssistanceActor, now: number): AssistanceDecision {
  const s = r.state;
  const from = s.status;
  const refuse = (message: string): AssistanceDecision => ({ ok: false, code: 'invalid_transition', message });
  const forbid = (message: string): AssistanceDecision => ({ ok: false, code: 'forbidden', message });
  const isUser = (id?: string) => actor.kind === 'user' && (id === undefined || actor.userId === id);
  const ok = (to: AssistanceState, tried: string[] = [...r.tried]): AssistanceDecision => ({ ok: true, from, to, tried });

  switch (ev.type) {
    case 'offer':
      if (actor.kind !== 'system') return forbid('Only routing offers requests');
      if (s.status !== 'open') return refuse(`Cannot offer a request that is ${from}`);
      if (ev.helperId === r.requesterId) return refuse('A requester cannot be offered their own request');
      return ok({ status: 'offered', helperId: ev.helperId, tier: ev.tier, offeredAt: now, deadline: ev.deadline });
    case 'queue':
      if (actor.kind !== 'system') return forbid('Only routing queues requests');
      if (s.status !== 'open') return refuse(`Cannot queue a request that is ${from}`);
      return ok({ status: 'queued', queuedAt: now });
    case 'accept':
      switch (s.status) {
        case 'offered':
          if (!isUser(s.helperId)) return forbid('This request is offered to someone else');
          return ok({ status: 'accepted', helperId: s.helperId, acceptedAt: now });
        case 'open':
        case 'queued':
          if (actor.kind !== 'user' || !actor.canHelp) return forbid('Only helpers may take requests from the queue');
          if (actor.userId === r.requesterId) return forbid('You cannot help yourself');
          return ok({ status: 'accepted', helperId: actor.userId, acceptedAt: now });
        case 'accepted':
        case 'resolved':
        case 'cancelled':
          return refuse(`Cannot accept a request that is ${from}`);
        default:
          return assertNever(s);
      }
    case 'decline':
    case 'timeout':
      if (s.status !== 'offered') return refuse(`Cannot ${ev.type} a request that is ${from}`);
      if (ev.type === 'decline' && !isUser(s.helperId)) return forbid('Only the helper it is offered to may decline it');
      if (ev.type === 'timeout') {
        if (actor.kind !== 'system') return forbid('Only the offer timer times out an offer');
        if (now < s.deadline) return refuse('The offer has not timed out yet');
      }
      return ok({ status: 'open' }, r.tried.includes(s.helperId) ? [...r.tried] : [...r.tried, s.helperId]);
    case 'resolve':
      if (s.status !== 'accepted') return refuse(`Cannot resolve a request that is ${from}`);
      if (!isUser(s.helperId) && !isUser(r.requesterId)) return forbid('Only the helper or the requester may resolve it');
      return ok({ status: 'resolved', helperId: s.helperId, resolvedAt: now, by: actor.kind === 'user' ? actor.userId : 'system' });
    case 'cancel':
      if (!isActive(from)) return refuse(`Cannot cancel a request that is ${from}`);
      if (!isUser(r.requesterId)) return forbid('Only the requester may cancel a request');
      return ok({ status: 'cancelled', at: now });
    default:
      return assertNever(ev);
  }
}

/** The helper currently holding (offered or accepted) the request, if any. */
export function holderOf(s: AssistanceState): string | null {
  switch (s.status) {
    case 'offered':
    case 'accepted':
    case 'resolved':
      return s.helperId;
    case 'open':
    case 'queued':
    case 'cancelled':
      return null;
    default:
      return assertNever(s);
  }
}
