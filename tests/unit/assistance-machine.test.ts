import { describe, expect, it } from 'vitest';
import { type AssistanceActor, type AssistanceFacts, type AssistanceState, decideAssistance, holderOf } from '../../src/features/assistance/machine.js';

const T = 5_000;
const sys: AssistanceActor = { kind: 'system' };
const user = (userId: string, canHelp = false): AssistanceActor => ({ kind: 'user', userId, canHelp });
const req = (state: AssistanceState, tried: string[] = []): AssistanceFacts => Object.freeze({ requesterId: 'carol', state: Object.freeze(state), tried: Object.freeze(tried) });
const offered: AssistanceState = { status: 'offered', helperId: 'dave', tier: 'expert', offeredAt: T, deadline: T + 1000 };
const accepted: AssistanceState = { status: 'accepted', helperId: 'dave', acceptedAt: T };

describe('assistance state machine', () => {
  it('open → offered → accepted → resolved', () => {
    const a = decideAssistance(req({ status: 'open' }), { type: 'offer', helperId: 'dave', tier: 'expert', deadline: T + 1000 }, sys, T);
    expect(a).toEqual({ ok: true, from: 'open', to: offered, tried: [] });
    const b = decideAssistance(req(offered), { type: 'accept' }, user('dave'), T + 10);
    expect(b).toMatchObject({ ok: true, to: { status: 'accepted', helperId: 'dave', acceptedAt: T + 10 } });
    const c = decideAssistance(req(accepted), { type: 'resolve' }, user('carol'), T + 20);
    expect(c).toMatchObject({ ok: true, to: { status: 'resolved', helperId: 'dave', by: 'carol', resolvedAt: T + 20 } });
    expect(decideAssistance(req(accepted), { type: 'resolve' }, user('dave'), T + 20)).toMatchObject({ ok: true });
  });

  it('decline and timeout return to routing and remember who was tried', () => {
    expect(decideAssistance(req(offered, ['erin']), { type: 'decline' }, user('dave'), T)).toEqual({ ok: true, from: 'offered', to: { status: 'open' }, tried: ['erin', 'dave'] });
    expect(decideAssistance(req(offered), { type: 'timeout' }, sys, T + 1000)).toMatchObject({ ok: true, to: { status: 'open' }, tried: ['dave'] });
    expect(decideAssistance(req(offered), { type: 'timeout' }, sys, T + 999)).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(decideAssistance(req(offered), { type: 'timeout' }, user('dave'), T + 5000)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('only the offered helper accepts or declines an offer', () => {
    expect(decideAssistance(req(offered), { type: 'accept' }, user('erin', true), T)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideAssistance(req(offered), { type: 'decline' }, user('carol'), T)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('a helper takes a queued request; a non-helper or the requester cannot', () => {
    const q: AssistanceState = { status: 'queued', queuedAt: T };
    expect(decideAssistance(req(q), { type: 'accept' }, user('erin', true), T + 1)).toMatchObject({ ok: true, to: { status: 'accepted', helperId: 'erin' } });
    expect(decideAssistance(req(q), { type: 'accept' }, user('bob', false), T + 1)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideAssistance(req(q), { type: 'accept' }, user('carol', true), T + 1)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideAssistance(req({ status: 'open' }), { type: 'queue' }, sys, T)).toMatchObject({ ok: true, to: { status: 'queued' } });
    expect(decideAssistance(req({ status: 'open' }), { type: 'queue' }, user('dave', true), T)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('only the requester cancels, from any active state', () => {
    for (const s of [{ status: 'open' }, offered, { status: 'queued', queuedAt: T }, accepted] as AssistanceState[]) {
      expect(decideAssistance(req(s), { type: 'cancel' }, user('carol'), T)).toMatchObject({ ok: true, to: { status: 'cancelled', at: T } });
      expect(decideAssistance(req(s), { type: 'cancel' }, user('dave', true), T)).toMatchObject({ ok: false, code: 'forbidden' });
    }
  });

  it('refuses every move out of a finished request, and an offer to the requester', () => {
    const done: AssistanceState[] = [{ status: 'resolved', helperId: 'dave', resolvedAt: T, by: 'dave' }, { status: 'cancelled', at: T }];
    for (const s of done) {
      for (const ev of [{ type: 'accept' }, { type: 'decline' }, { type: 'resolve' }, { type: 'cancel' }] as const) {
        expect(decideAssistance(req(s), ev, user('carol', true), T)).toMatchObject({ ok: false, code: 'invalid_transition' });
      }
      expect(decideAssistance(req(s), { type: 'offer', helperId: 'x', tier: 'helper', deadline: T }, sys, T)).toMatchObject({ ok: false });
    }
    expect(decideAssistance(req({ status: 'open' }), { type: 'offer', helperId: 'carol', tier: 'helper', deadline: T }, sys, T)).toMatchObject({ ok: false });
    expect(decideAssistance(req(offered), { type: 'resolve' }, user('dave'), T)).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(decideAssistance(req(accepted), { type: 'resolve' }, user('erin', true), T)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('knows who holds a request', () => {
    expect(holderOf(offered)).toBe('dave');
    expect(holderOf({ status: 'queued', queuedAt: T })).toBeNull();
  });
});
