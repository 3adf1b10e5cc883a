/**
 * Pure: how presence status governs notification delivery. The one rule, used both when a
 * notification is created and when a held one is reconsidered after a status change.
 *
 *   dnd + not urgent → 'held'  (stored silently in the inbox, surfaced when the user leaves dnd)
 *   dnd + urgent     → 'live'  (breaks through)
 *   anything else    → 'live'  (available, busy, away, offline or unknown: delivered to any open tab)
 */
export const PRESENCE_STATUSES = ['available', 'busy', 'away', 'dnd', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export type Delivery = 'live' | 'held';

export function deliveryFor(n: { urgent: boolean }, status: string | null | undefined): Delivery {
  if (status === 'dnd' && !n.urgent) return 'held';
  return 'live';
}
