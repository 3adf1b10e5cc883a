// The call state machine (pure): who may accept, the mesh limit, and how calls end.
import { describe, expect, it } from 'vitest';
import { type CallFacts, decideCall, type Leg, startCall } from '../../src/features/calls/machine.js';
import { iceServersFor, turnCredential } from '../../src/features/calls/ice.js';

const leg = (userId: string, connId = `c-${userId}`): Leg => ({ connId, userId, name: userId, joinedAt: 0 });
const u = (userId: string) => ({ userId, name: userId });
function ringing(...users: string[]): CallFacts {
  const d = startCall(leg('a'), users.map(u), 4, 1);
  if (!d.ok) throw new Error(d.message);
  return d.next;
}
const apply = (f: CallFacts, ...evs: Parameters<typeof decideCall>[1][]) =>
  evs.reduce((acc, ev) => {
    const d = decideCall(acc, ev, 4, 10);
    if (!d.ok) throw new Error(d.message);
    return d.next;
  }, f);

describe('call machine', () => {
  it('starts only when an invitee accepts; the caller alone hanging up cancels it', () => {
    const f = ringing('b');
    expect(f.phase.status).toBe('ringing');
    const d = decideCall(f, { type: 'accept', leg: leg('b') }, 4, 5);
    expect(d).toMatchObject({ ok: true, started: true, joined: { userId: 'b' }, next: { phase: { status: 'active', startedAt: 5 } } });
    expect(decideCall(f, { type: 'leave', connId: 'c-a' }, 4, 5)).toMatchObject({ ok: true, ended: 'cancelled', next: { invitees: [{ userId: 'b', answer: 'missed' }] } });
  });

  it('refuses people who were not rung, a second tab, and a fifth leg', () => {
    const f = ringing('b', 'c', 'd');
    expect(decideCall(f, { type: 'accept', leg: leg('x') }, 4, 5)).toMatchObject({ ok: false, code: 'forbidden' });
    const full = apply(f, { type: 'accept', leg: leg('b') }, { type: 'accept', leg: leg('c') }, { type: 'accept', leg: leg('d') });
    expect(full.legs).toHaveLength(4);
    expect(decideCall(full, { type: 'accept', leg: leg('b', 'other-tab') }, 4, 5)).toMatchObject({ ok: false, code: 'conflict' });
    expect(decideCall(full, { type: 'invite', connId: 'c-a', users: [u('e')] }, 4, 5)).toMatchObject({ ok: false, code: 'call_full' });
    expect(startCall(leg('a'), ['b', 'c', 'd', 'e'].map(u), 4, 0)).toMatchObject({ ok: false, code: 'call_full' });
    // Someone outside the call cannot invite into it.
    expect(decideCall(full, { type: 'invite', connId: 'c-x', users: [u('e')] }, 4, 5)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('ends when fewer than two legs are left, when everyone declines, or when the ring times out', () => {
    const active = apply(ringing('b', 'c'), { type: 'accept', leg: leg('b') }, { type: 'accept', leg: leg('c') });
    const two = apply(active, { type: 'leave', connId: 'c-b' });
    expect(two.phase.status).toBe('active');
    expect(decideCall(two, { type: 'leave', connId: 'c-c' }, 4, 20)).toMatchObject({ ok: true, ended: 'hung_up', next: { phase: { status: 'ended', startedAt: 10, endedAt: 20 }, legs: [], participants: ['a', 'b', 'c'] } });
    expect(decideCall(apply(ringing('b', 'c'), { type: 'decline', userId: 'b' }), { type: 'decline', userId: 'c' }, 4, 3)).toMatchObject({ ok: true, ended: 'declined' });
    expect(decideCall(ringing('b'), { type: 'timeout' }, 4, 3)).toMatchObject({ ok: true, ended: 'missed', next: { version: 2 } });
    // A timeout after everyone answered changes nothing; an ended call refuses every move.
    expect(decideCall(active, { type: 'timeout' }, 4, 3)).toMatchObject({ ok: true, changed: false, ended: null, next: { version: active.version } });
    expect(active.version).toBe(3);
    const ended = apply(ringing('b'), { type: 'timeout' });
    expect(decideCall(ended, { type: 'accept', leg: leg('b') }, 4, 3)).toMatchObject({ ok: false, code: 'invalid_transition' });
  });

  it('someone who left an active call may come back; someone who declined must be rung again', () => {
    const active = apply(ringing('b', 'c'), { type: 'accept', leg: leg('b') }, { type: 'accept', leg: leg('c') }, { type: 'leave', connId: 'c-c' });
    expect(decideCall(active, { type: 'accept', leg: leg('c', 'reloaded') }, 4, 30)).toMatchObject({ ok: true, joined: { connId: 'reloaded' }, started: false });
    const declined = apply(ringing('b', 'c'), { type: 'accept', leg: leg('b') }, { type: 'decline', userId: 'c' });
    expect(decideCall(declined, { type: 'accept', leg: leg('c') }, 4, 30)).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(decideCall(apply(declined, { type: 'invite', connId: 'c-a', users: [u('c')] }), { type: 'accept', leg: leg('c') }, 4, 30)).toMatchObject({ ok: true });
  });
});

describe('ICE servers', () => {
  const cfg = { iceServers: ['stun:stun.example:3478'], turnUrls: ['turn:turn.example:3478'], turnSecret: 'north', turnTtlSeconds: 600 };
  it('mints TURN credentials in the coturn REST scheme, expiring after the TTL', () => {
    const { iceServers, expiresAt } = iceServersFor(cfg, 'alice', 1_700_000_000_000);
    expect(iceServers[0]).toEqual({ urls: ['stun:stun.example:3478'] });
    // Computed by hand: echo -n "1700000600:alice" | openssl dgst -sha1 -hmac north -binary | base64
    expect(iceServers[1]).toEqual({ urls: ['turn:turn.example:3478'], username: '1700000600:alice', credential: 'gthUwOpcRoLI0MMCziCEBOWYnpo=' });
    expect(expiresAt).toBe(new Date(1_700_000_600_000).toISOString());
    expect(turnCredential('north', 'alice', 1_700_000_600).username).toBe('1700000600:alice');
  });
  it('with nothing configured: no servers (same-network calls)', () => {
    expect(iceServersFor({ iceServers: [], turnUrls: [], turnSecret: undefined, turnTtlSeconds: 600 }, 'a', 0)).toEqual({ iceServers: [], expiresAt: null });
  });
});
