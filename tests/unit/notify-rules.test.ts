import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryFor, PRESENCE_STATUSES } from '../../src/features/notifications/rules.js';

describe('notification delivery rule (DND)', () => {
  it('holds non-urgent notifications in dnd only', () => {
    expect(deliveryFor({ urgent: false }, 'dnd')).toBe('held');
    expect(deliveryFor({ urgent: true }, 'dnd')).toBe('live');
    for (const s of ['available', 'busy', 'away', 'offline', null, undefined, 'unknown']) {
      expect(deliveryFor({ urgent: false }, s)).toBe('live');
      expect(deliveryFor({ urgent: true }, s)).toBe('live');
    }
  });

  it('urgent always breaks through; held only ever means dnd and not urgent', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom(...PRESENCE_STATUSES, null), (urgent, status) => {
        const d = deliveryFor({ urgent }, status);
        if (urgent) expect(d).toBe('live');
        expect(d === 'held').toBe(status === 'dnd' && !urgent);
      }),
    );
  });

  it('a held notification is released by exactly the statuses that are not dnd', () => {
    // Release asks the same rule about a held (non-urgent) item under the new status.
    const releasedBy = PRESENCE_STATUSES.filter((s) => deliveryFor({ urgent: false }, s) === 'live');
    expect(releasedBy).toEqual(['available', 'busy', 'away', 'offline']);
  });
});
