/**
 * Pure: the one state machine of a form delegation. No I/O; `now` is a parameter.
 *
 *   pending ──accept──▶ accepted ──submit──▶ submitted ──approve──▶ approved
 *      │                    ▲                    │
 *      └─decline─▶ declined │                    └─reject──▶ rejected ──submit──▶ submitted
 *   any open state (pending, accepted, submitted, rejected) ──cancel──▶ cancelled
 *                                                          ──expire──▶ expired (due time passed)
 *
 * Who may act is part of the machine: the assignee accepts, declines and submits; the
 * delegator, or a user with the approver role, approves, rejects and cancels; only the
 * system (the durable timer) expires. An illegal move is a typed refusal; nothing changes.
 */
import { assertNever } from '../../never.js';

export const DelegationStatus = {
  pending: 'pending',
  accepted: 'accepted',
  declined: 'declined',
  submitted: 'submitted',
  approved: 'approved',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
} as const;
export type DelegationStatus = (typeof DelegationStatus)[keyof typeof DelegationStatus];
export const DELEGATION_STATUSES = Object.values(DelegationStatus) as DelegationStatus[];

export const DelegationAction = {
  accept: 'accept',
  decline: 'decline',
  submit: 'submit',
  approve: 'approve',
  reject: 'reject',
  cancel: 'cancel',
  expire: 'expire',
} as const;
export type DelegationAction = (typeof DelegationAction)[keyof typeof DelegationAction];
export const DELEGATION_ACTIONS = Object.values(DelegationAction) as DelegationAction[];
/** Actions a person may ask for; `expire` belongs to the timer. */
export const USER_DELEGATION_ACTIONS = ['accept', 'decline', 'submit', 'approve', 'reject', 'cancel'] as const;

/** The lifecycle as a discriminated union: each state carries exactly what it knows. */
export type DelegationState =
  | { status: 'pending' }
  | { status: 'accepted'; acceptedAt: number }
  | { status: 'declined'; at: number; reason: string }
  | { status: 'submitted'; at: number; round: number }
  | { status: 'approved'; at: number; by: string }
  | { status: 'rejected'; at: number; by: string; reason: string; round: number }
  | { status: 'cancelled'; at: number; by: string; reason: string }
  | { status: 'expired'; at: number };

/** The parts of a delegation the rules need. */
export interface DelegationFacts {
  delegatorId: string;
  assigneeId: string;
  /** Epoch ms, or null when there is no due time. */
  dueAt: number | null;
  state: DelegationState;
}

export type DelegationActor = { kind: 'user'; userId: string; roles: readonly string[] } | { kind: 'system' };

export interface DelegationRules {
  /** Users with this role may approve, reject and cancel any delegation of their tenant. */
  approverRole: string;
}

export type DelegationCommand = { action: DelegationAction; note?: string | undefined };

export type Refusal = { ok: false; code: 'invalid_transition' | 'forbidden'; message: string };
export type Decision = { ok: true; from: DelegationStatus; to: DelegationState } | Refusal;

const OPEN: ReadonlySet<DelegationStatus> = new Set(['pending', 'accepted', 'submitted', 'rejected']);
export const isOpen = (s: DelegationStatus): boolean => OPEN.has(s);

/**
 * Who holds the delegated fields in a state: the assignee writes them (`assignee`), nobody
 * writes them while the work is under review (`frozen`), or they are free (`free`).
 * pending: not yet taken, the form stays as it was; accepted and rejected: the assignee
 * works on them; submitted: frozen so the reviewer approves exactly what was submitted.
 */
export type FieldHold = 'assignee' | 'frozen' | 'free';
export function fieldHold(s: DelegationStatus): FieldHold {
  switch (s) {
    case 'accepted':
    case 'rejected':
      return 'assignee';
    case 'submitted':
      return 'frozen';
    case 'pending':
    case 'declined':
    case 'approved':
    case 'cancelled':
    case 'expired':
      return 'free';
    default:
      return assertNever(s);
  }
}

type Party = 'assignee' | 'reviewer' | 'system';

function partyOk(party: Party, d: DelegationFacts, actor: DelegationActor, rules: DelegationRules): boolean {
  switch (party) {
    case 'system':
      return actor.kind === 'system';
    case 'assignee':
      return actor.kind === 'user' && actor.userId === d.assigneeId;
    case 'reviewer':
      return actor.kind === 'user' && (actor.userId === d.delegatorId || actor.roles.includes(rules.approverRole));
    default:
      return assertNever(party);
  }
}

const PARTY: Record<DelegationAction, Party> = {
  accept: 'assignee',
  decline: 'assignee',
  submit: 'assignee',
  approve: 'reviewer',
  reject: 'reviewer',
  cancel: 'reviewer',
  expire: 'system',
};

const WHO: Record<Party, string> = {
  assignee: 'the assignee',
  reviewer: 'the delegator or an approver',
  system: 'the expiry timer',
};

/** The state `action` leads to from `s`, or null when the lifecycle has no such move. */
function target(s: DelegationState, cmd: DelegationCommand, d: DelegationFacts, now: number): DelegationState | null {
  const note = (cmd.note ?? '').trim();
  switch (s.status) {
    case 'pending':
      switch (cmd.action) {
        case 'accept':
          return { status: 'accepted', acceptedAt: now };
        case 'decline':
          return { status: 'declined', at: now, reason: note };
        default:
          return common(cmd, d, now, note);
      }
    case 'accepted':
      return cmd.action === 'submit' ? { status: 'submitted', at: now, round: 1 } : common(cmd, d, now, note);
    case 'submitted':
      switch (cmd.action) {
        case 'approve':
          return { status: 'approved', at: now, by: '' };
        case 'reject':
          return { status: 'rejected', at: now, by: '', reason: note, round: s.round };
        default:
          return common(cmd, d, now, note);
      }
    case 'rejected':
      return cmd.action === 'submit' ? { status: 'submitted', at: now, round: s.round + 1 } : common(cmd, d, now, note);
    case 'declined':
    case 'approved':
    case 'cancelled':
    case 'expired':
      return null;
    default:
      return assertNever(s);
  }
}

/** cancel and expire, legal from every open state. */
function common(cmd: DelegationCommand, d: DelegationFacts, now: number, note: string): DelegationState | null {
  switch (cmd.action) {
    case 'cancel':
      return { status: 'cancelled', at: now, by: '', reason: note };
    case 'expire':
      return d.dueAt !== null && now >= d.dueAt ? { status: 'expired', at: now } : null;
    case 'accept':
    case 'decline':
    case 'submit':
    case 'approve':
    case 'reject':
      return null;
    default:
      return assertNever(cmd.action);
  }
}

/** Decides one move. Never throws, never mutates: the caller stores `to` or reports the refusal. */
export function decide(d: DelegationFacts, cmd: DelegationCommand, actor: DelegationActor, rules: DelegationRules, now: number): Decision {
  const from = d.state.status;
  const next = target(d.state, cmd, d, now);
  if (next === null) {
    const why =
      cmd.action === 'expire' && isOpen(from)
        ? d.dueAt === null
          ? 'it has no due time'
          : 'its due time has not passed'
        : `it is ${from}`;
    return { ok: false, code: 'invalid_transition', message: `Cannot ${cmd.action} this delegation: ${why}` };
  }
  const party = PARTY[cmd.action];
  if (!partyOk(party, d, actor, rules)) {
    return { ok: false, code: 'forbidden', message: `Only ${WHO[party]} may ${cmd.action} this delegation` };
  }
  if (cmd.action === 'reject' && (cmd.note ?? '').trim() === '') {
    return { ok: false, code: 'invalid_transition', message: 'Rejecting needs a reason for the assignee' };
  }
  const by = actor.kind === 'user' ? actor.userId : 'system';
  switch (next.status) {
    case 'approved':
    case 'rejected':
    case 'cancelled':
      return { ok: true, from, to: { ...next, by } };
    case 'pending':
    case 'accepted':
    case 'declined':
    case 'submitted':
    case 'expired':
      return { ok: true, from, to: next };
    default:
      return assertNever(next);
  }
}

/** Which actions `actor` could take now (for the overlay's buttons). */
export function availableActions(d: DelegationFacts, actor: DelegationActor, rules: DelegationRules, now: number): DelegationAction[] {
  return DELEGATION_ACTIONS.filter((action) => {
    const note = action === 'reject' ? 'x' : undefined;
    return decide(d, { action, note }, actor, rules, now).ok;
  });
}
