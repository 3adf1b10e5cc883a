import { describe, expect, it } from 'vitest';
import { channelsFor, pageLink, plan, quietUntil } from '../../src/features/reach/rules.js';

const at = (iso: string) => Date.parse(iso);

describe('reach rules', () => {
  it('quiet hours span midnight in the user time zone and end at their local end', () => {
    const quiet = { start: '22:00', end: '07:00' };
    // 23:30 in Paris (winter, UTC+1) = 22:30 UTC; the quiet hours end at 07:00 Paris = 06:00 UTC.
    expect(quietUntil(at('2026-01-10T22:30:15Z'), quiet, 'Europe/Paris')).toBe(at('2026-01-11T06:00:00Z'));
    // 06:59 in Paris: still quiet, one minute left.
    expect(quietUntil(at('2026-01-11T05:59:00Z'), quiet, 'Europe/Paris')).toBe(at('2026-01-11T06:00:00Z'));
    // 07:00 and noon in Paris: not quiet.
    expect(quietUntil(at('2026-01-11T06:00:00Z'), quiet, 'Europe/Paris')).toBeNull();
    expect(quietUntil(at('2026-01-11T11:00:00Z'), quiet, 'Europe/Paris')).toBeNull();
    // The same instant is 07:30 in Tokyo: not quiet there.
    expect(quietUntil(at('2026-01-10T22:30:00Z'), quiet, 'Asia/Tokyo')).toBeNull();
    expect(quietUntil(at('2026-01-10T22:30:00Z'), null, 'UTC')).toBeNull();
  });

  it('a daylight-saving change inside the quiet hours still ends them at the local end', () => {
    // Paris springs forward on 2026-03-29 at 02:00 → 03:00: 23:00 local (22:00 UTC) to 07:00 local (05:00 UTC).
    expect(quietUntil(at('2026-03-28T22:00:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Paris')).toBe(at('2026-03-29T05:00:00Z'));
    // And falls back on 2026-10-25 at 03:00 → 02:00: 23:00 local (21:00 UTC) to 07:00 local (06:00 UTC).
    expect(quietUntil(at('2026-10-24T21:00:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Paris')).toBe(at('2026-10-25T06:00:00Z'));
  });

  it('plan: read ones are skipped, urgent ones sent, the rest held by dnd or quiet hours, else sent together', () => {
    const rows = [
      { id: 1, urgent: false, read: true },
      { id: 2, urgent: true, read: false },
      { id: 3, urgent: false, read: false },
      { id: 4, urgent: false, read: false },
    ];
    const base = { now: at('2026-01-10T12:00:00Z'), status: 'available', quiet: null, timeZone: 'UTC', dndRecheckMs: 60_000 };
    expect(plan(rows, base)).toEqual({ skip: [rows[0]], send: [rows[1], rows[2], rows[3]], hold: null });
    expect(plan(rows, { ...base, status: 'dnd' })).toEqual({ skip: [rows[0]], send: [rows[1]], hold: { rows: [rows[2], rows[3]], until: base.now + 60_000, reason: 'dnd' } });
    expect(plan(rows, { ...base, quiet: { start: '11:00', end: '13:30' } })).toEqual({ skip: [rows[0]], send: [rows[1]], hold: { rows: [rows[2], rows[3]], until: at('2026-01-10T13:30:00Z'), reason: 'quiet' } });
  });

  it('links open on the tenant host origins only', () => {
    const origins = ['https://admin.example.com'];
    expect(pageLink('/admin/shop/order/42/change/', null, origins)).toBe('https://admin.example.com/admin/shop/order/42/change/');
    expect(pageLink(undefined, '/orderview/edit/7', origins)).toBe('https://admin.example.com/orderview/edit/7');
    expect(pageLink('https://admin.example.com/x?y=1', null, origins)).toBe('https://admin.example.com/x?y=1');
    expect(pageLink('https://evil.example.net/x', null, origins)).toBeNull();
    expect(pageLink('//evil.example.net/x', null, origins)).toBeNull();
    expect(pageLink('/x', null, [])).toBeNull();
    expect(pageLink(null, null, origins)).toBeNull();
  });

  it('per-kind channels override the default list', () => {
    const choice = { default: ['in_app'], byKind: { mention: ['in_app', 'email'], assistance: ['chat'] } };
    expect([...channelsFor(choice, 'mention')]).toEqual(['in_app', 'email']);
    expect([...channelsFor(choice, 'assistance')]).toEqual(['chat']);
    expect([...channelsFor(choice, 'comment')]).toEqual(['in_app']);
  });
});
