/**
 * Pure: who gets an assistance request next. One policy, no I/O.
 *
 * Tiers, in escalation order: experts (a matching expertise tag, when the request has a
 * topic), then users with the helper role, then users with the fallback role; when every
 * tier is exhausted the request waits in the queue every helper sees.
 *
 * Inside a tier candidates rank by, in order:
 *   1. presence: available < busy; away and do-not-disturb are skipped unless the request is
 *      urgent (then they come last, away before dnd); offline users are never offered;
 *   2. load: fewer open requests held (offered or accepted) first;
 *   3. continuity: whoever helped on this record before (most recent first);
 *   4. fairness: round robin — the first user id after the tier's cursor (the last user that
 *      tier offered to), wrapping around.
 * The requester and everyone already tried (declined or timed out) are excluded.
 */
import type { RoutingTier } from './machine.js';

export type PresenceState = 'available' | 'busy' | 'away' | 'dnd' | 'offline';

export interface RoutingCandidate {
  userId: string;
  roles: readonly string[];
  expertise: readonly string[];
}

export interface RoutingPolicy {
  helperRole: string;
  fallbackRole: string;
}

export interface RoutingInput {
  requesterId: string;
  topic: string | null;
  urgent: boolean;
  candidates: Iterable<RoutingCandidate>;
  presence: (userId: string) => PresenceState;
  /** Open requests (offered or accepted) a user holds now. */
  load: (userId: string) => number;
  /** Users who helped on this record before, most recent first. */
  pastHelpers: readonly string[];
  tried: ReadonlySet<string> | readonly string[];
  /** Round-robin cursor per tier: the user that tier last offered a request to. */
  cursors: Partial<Record<RoutingTier, string | null>>;
  policy: RoutingPolicy;
}

export interface RankedCandidate {
  userId: string;
  tier: RoutingTier;
  presence: PresenceState;
  load: number;
  /** Index in pastHelpers, or -1. */
  helpedBefore: number;
  reason: string;
}

export type RoutingDecision =
  | { kind: 'offer'; helperId: string; tier: RoutingTier; reason: string; candidate: RankedCandidate }
  | { kind: 'queue'; reason: string };

const PRESENCE_RANK: Record<PresenceState, number> = { available: 0, busy: 1, away: 2, dnd: 3, offline: 9 };

export function tiersFor(topic: string | null): RoutingTier[] {
  return topic ? ['expert', 'helper', 'fallback'] : ['helper', 'fallback'];
}

function inTier(c: RoutingCandidate, tier: RoutingTier, topic: string | null, policy: RoutingPolicy): boolean {
  switch (tier) {
    case 'expert':
      return topic !== null && c.expertise.includes(topic);
    case 'helper':
      return c.roles.includes(policy.helperRole);
    case 'fallback':
      return c.roles.includes(policy.fallbackRole);
  }
}

export function reachable(p: PresenceState, urgent: boolean): boolean {
  switch (p) {
    case 'available':
    case 'busy':
      return true;
    case 'away':
    case 'dnd':
      return urgent;
    case 'offline':
      return false;
  }
}

/** Negative when a ranks before b. */
function compare(a: RankedCandidate, b: RankedCandidate, cursor: string | null): number {
  const p = PRESENCE_RANK[a.presence] - PRESENCE_RANK[b.presence];
  if (p !== 0) return p;
  if (a.load !== b.load) return a.load - b.load;
  const ha = a.helpedBefore < 0 ? Number.MAX_SAFE_INTEGER : a.helpedBefore;
  const hb = b.helpedBefore < 0 ? Number.MAX_SAFE_INTEGER : b.helpedBefore;
  if (ha !== hb) return ha - hb;
  // Round robin: ids after the cursor first, in order, then wrap around.
  const wa = cursor !== null && a.userId <= cursor ? 1 : 0;
  const wb = cursor !== null && b.userId <= cursor ? 1 : 0;
  if (wa !== wb) return wa - wb;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

function describe(c: Omit<RankedCandidate, 'reason'>, topic: string | null): string {
  const what = c.tier === 'expert' ? `expert: ${topic}` : c.tier === 'helper' ? 'helper' : 'fallback';
  const parts = [what, c.presence === 'dnd' ? 'do not disturb (urgent)' : c.presence, `${c.load} open request${c.load === 1 ? '' : 's'}`];
  if (c.helpedBefore >= 0) parts.push('helped on this record before');
  return parts.join(', ');
}

/** Every reachable candidate of one tier, best first (for tests, suggestions and manual routing). */
export function rankTier(input: RoutingInput, tier: RoutingTier): RankedCandidate[] {
  const out = collect(input, tier);
  const cursor = input.cursors[tier] ?? null;
  return out.sort((a, b) => compare(a, b, cursor));
}

function collect(input: RoutingInput, tier: RoutingTier): RankedCandidate[] {
  const tried = input.tried instanceof Set ? input.tried : new Set(input.tried as readonly string[]);
  const out: RankedCandidate[] = [];
  for (const c of input.candidates) {
    const r = candidateIn(input, tier, c, tried);
    if (r) out.push(r);
  }
  return out;
}

function candidateIn(input: RoutingInput, tier: RoutingTier, c: RoutingCandidate, tried: ReadonlySet<string>): RankedCandidate | null {
  if (c.userId === input.requesterId || tried.has(c.userId)) return null;
  if (!inTier(c, tier, input.topic, input.policy)) return null;
  const presence = input.presence(c.userId);
  if (!reachable(presence, input.urgent)) return null;
  const base = { userId: c.userId, tier, presence, load: input.load(c.userId), helpedBefore: input.pastHelpers.indexOf(c.userId) };
  return { ...base, reason: describe(base, input.topic) };
}

/**
 * The next helper to offer the request to, or the queue. One linear pass per tier (no sort,
 * no allocation per candidate), so a decision over 10,000 users stays well under a millisecond.
 */
export function route(input: RoutingInput): RoutingDecision {
  const tried = input.tried instanceof Set ? input.tried : new Set(input.tried as readonly string[]);
  const candidates = Array.isArray(input.candidates) ? (input.candidates as RoutingCandidate[]) : [...input.candidates];
  const past = new Map(input.pastHelpers.map((id, i) => [id, i] as const));
  for (const tier of tiersFor(input.topic)) {
    const cursor = input.cursors[tier] ?? null;
    // The best so far as plain numbers: no allocation per candidate.
    let best: RoutingCandidate | null = null;
    let bp = 0, bl = 0, bh = 0, bw = 0;
    let bPresence: PresenceState = 'offline';
    for (const c of candidates) {
      if (c.userId === input.requesterId || tried.has(c.userId) || !inTier(c, tier, input.topic, input.policy)) continue;
      const presence = input.presence(c.userId);
      if (!reachable(presence, input.urgent)) continue;
      const p = PRESENCE_RANK[presence];
      const l = input.load(c.userId);
      const h = past.get(c.userId) ?? Number.MAX_SAFE_INTEGER;
      const w = cursor !== null && c.userId <= cursor ? 1 : 0;
      if (best !== null && (p > bp || (p === bp && (l > bl || (l === bl && (h > bh || (h === bh && (w > bw || (w === bw && c.userId >= best.userId))))))))) continue;
      best = c;
      bp = p;
      bl = l;
      bh = h;
      bw = w;
      bPresence = presence;
    }
    if (best) {
      const base = { userId: best.userId, tier, presence: bPresence, load: bl, helpedBefore: bh === Number.MAX_SAFE_INTEGER ? -1 : bh };
      const candidate = { ...base, reason: describe(base, input.topic) };
      return { kind: 'offer', helperId: best.userId, tier, reason: candidate.reason, candidate };
    }
  }
  const why = tried.size > 0 ? `no reachable helper left after ${tried.size} tried` : 'no reachable helper';
  return { kind: 'queue', reason: `${why}; waiting in the helper queue` };
}
