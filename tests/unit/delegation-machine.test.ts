import { describe, expect, it } from 'vitest';
import {
  availableActions,
  decide,
  DELEGATION_ACTIONS,
  DELEGATION_STATUSES,
  type DelegationActor,
  type DelegationAction,
  type DelegationFacts,
  type DelegationState,
  type DelegationStatus,
  fieldHold,
  isOpen,
} from '../../src/features/delegation/machine.js';

const rules = { approverRole: 'approver' };
const T0 = 1_000_000;
const DUE = T0 + 60_000;

const actors = {
  assignee: { kind: 'user', userId: 'bob', roles: ['agent'] },
  delegator: { kind: 'user', userId: 'alice', roles: ['agent'] },
  approver: { kind: 'user', userId: 'vera', roles: ['approver'] },
  stranger: { kind: 'user', userId: 'carol', roles: ['agent'] },
  system: { kind: 'system' },
} satisfies Record<string, DelegationActor>;
type Who = keyof typeof actors;

const stateOf = (s: DelegationStatus): DelegationState => {
  switch (s) {
    case 'pending':
      return { status: 'pending' };
    case 'accepted':
      return { status: 'accepted', acceptedAt: T0 };
    case 'declined':
      return { status: 'declined', at: T0, reason: '' };
    case 'submitted':
      return { status: 'submitted', at: T0, round: 1 };
    case 'approved':
      return { status: 'approved', at: T0, by: 'alice' };
    case 'rejected':
      return { status: 'rejected', at: T0, by: 'alice', reason: 'fix it', round: 1 };
    case 'cancelled':
      return { status: 'cancelled', at: T0, by: 'alice', reason: '' };
    case 'expired':
      return { status: 'expired', at: T0 };
  }
};
const facts = (s: DelegationStatus): DelegationFacts =>
  Object.freeze({ delegatorId: 'alice', assigneeId: 'bob', dueAt: DUE, state: Object.freeze(stateOf(s)) });

// The whole legal table: (from, action) → [to, who may do it].
const reviewers: Who[] = ['delegator', 'approver'];
const legal: Partial<Record<DelegationStatus, Partial<Record<DelegationAction, [DelegationStatus, Who[]]>>>> = {
  pending: { accept: ['accepted', ['assignee']], decline: ['declined', ['assignee']], cancel: ['cancelled', reviewers], expire: ['expired', ['system']] },
  accepted: { submit: ['submitted', ['assignee']], cancel: ['cancelled', reviewers], expire: ['expired', ['system']] },
  submitted: { approve: ['approved', reviewers], reject: ['rejected', reviewers], cancel: ['cancelled', reviewers], expire: ['expired', ['system']] },
  rejected: { submit: ['submitted', ['assignee']], cancel: ['cancelled', reviewers], expire: ['expired', ['system']] },
};

describe('delegation state machine', () => {
  const after = DUE + 1;
  for (const from of DELEGATION_STATUSES) {
    for (const action of DELEGATION_ACTIONS) {
      for (const who of Object.keys(actors) as Who[]) {
        const entry = legal[from]?.[action];
        const allowed = entry !== undefined && entry[1].includes(who);
        it(`${from} --${action}--> by ${who}: ${allowed ? entry![0] : entry ? 'forbidden' : 'invalid_transition'}`, () => {
          const d = facts(from);
          const before = JSON.stringify(d);
          const r = decide(d, { action, note: 'because' }, actors[who], rules, after);
          expect(JSON.stringify(d)).toBe(before); // nothing changed
          if (allowed) {
            expect(r).toMatchObject({ ok: true, from, to: { status: entry![0] } });
          } else {
            expect(r.ok).toBe(false);
            if (!r.ok) {
              expect(r.code).toBe(entry ? 'forbidden' : 'invalid_transition');
              expect(r.message).toMatch(new RegExp(action));
            }
          }
        });
      }
    }
  }

  it('records who approved, rejected or cancelled, with the reason', () => {
    const r = decide(facts('submitted'), { action: 'reject', note: ' wrong VAT ' }, actors.approver, rules, T0 + 5);
    expect(r).toEqual({ ok: true, from: 'submitted', to: { status: 'rejected', at: T0 + 5, by: 'vera', reason: 'wrong VAT', round: 1 } });
    const c = decide(facts('accepted'), { action: 'cancel' }, actors.delegator, rules, T0 + 5);
    expect(c).toMatchObject({ ok: true, to: { status: 'cancelled', by: 'alice', reason: '' } });
  });

  it('counts rework rounds: rejected → submitted is round 2', () => {
    const r = decide(facts('rejected'), { action: 'submit' }, actors.assignee, rules, T0 + 9);
    expect(r).toMatchObject({ ok: true, to: { status: 'submitted', round: 2, at: T0 + 9 } });
  });

  it('refuses a reject without a reason', () => {
    const r = decide(facts('submitted'), { action: 'reject', note: '   ' }, actors.delegator, rules, T0);
    expect(r).toMatchObject({ ok: false, code: 'invalid_transition', message: expect.stringMatching(/reason/) });
  });

  it('expires only once the due time has passed, and never without a due time', () => {
    expect(decide(facts('accepted'), { action: 'expire' }, actors.system, rules, DUE - 1)).toMatchObject({ ok: false, message: expect.stringMatching(/not passed/) });
    expect(decide(facts('accepted'), { action: 'expire' }, actors.system, rules, DUE)).toMatchObject({ ok: true, to: { status: 'expired' } });
    const noDue = { ...facts('pending'), dueAt: null };
    expect(decide(noDue, { action: 'expire' }, actors.system, rules, DUE * 10)).toMatchObject({ ok: false, message: expect.stringMatching(/no due time/) });
  });

  it('an approver who is also the assignee submits as assignee and may still cancel', () => {
    const d = { ...facts('accepted'), assigneeId: 'vera' };
    expect(availableActions(d, actors.approver, rules, T0)).toEqual(['submit', 'cancel']);
  });

  it('offers each party exactly its buttons', () => {
    expect(availableActions(facts('pending'), actors.assignee, rules, T0)).toEqual(['accept', 'decline']);
    expect(availableActions(facts('pending'), actors.delegator, rules, T0)).toEqual(['cancel']);
    expect(availableActions(facts('submitted'), actors.approver, rules, T0)).toEqual(['approve', 'reject', 'cancel']);
    expect(availableActions(facts('submitted'), actors.stranger, rules, T0)).toEqual([]);
    expect(availableActions(facts('approved'), actors.delegator, rules, T0)).toEqual([]);
  });

  it('holds fields for the assignee while accepted or rejected, frozen while submitted, free otherwise', () => {
    const holds = Object.fromEntries(DELEGATION_STATUSES.map((s) => [s, fieldHold(s)]));
    expect(holds).toEqual({
      pending: 'free', accepted: 'assignee', declined: 'free', submitted: 'frozen',
      approved: 'free', rejected: 'assignee', cancelled: 'free', expired: 'free',
    });
    expect(DELEGATION_STATUSES.filter(isOpen)).toEqual(['pending', 'accepted', 'submitted', 'rejected']);
  });
});
