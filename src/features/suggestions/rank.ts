/**
 * Pure: a deterministic, explainable ranking of the people to hand work to (delegation
 * assignees, manual routing of a help request). Every point a suggestion earns comes with
 * the words that explain it.
 *
 *   expertise matching the wanted tags   +40 per tag
 *   presence                             available +30, busy +15, away +5, dnd 0, offline −10
 *   edited this record (co-editing)      +25 within a day, +15 within a week, +5 older
 *   visited this page (presence history) +10 within a day, +5 older
 *   the helper role                      +5 (when no tag is wanted)
 * Order: present people (available, busy, away) first, then do-not-disturb, then offline, so a
 * do-not-disturb expert never outranks an available colleague; within each, higher score, then
 * name, then user id.
 */
import type { UserStatus as PresenceState } from '../presence/messages.js';

export interface SuggestUser {
  userId: string;
  name: string;
  roles: readonly string[];
  expertise: readonly string[];
}

export interface Sighting {
  userId: string;
  /** Epoch ms of the most recent edit or visit. */
  at: number;
}

export interface SuggestInput {
  users: readonly SuggestUser[];
  /** Never suggested (the asking user). */
  exclude: readonly string[];
  /** Expertise wanted, e.g. the request topic; may be empty. */
  tags: readonly string[];
  presence: (userId: string) => PresenceState;
  editors: readonly Sighting[];
  visitors: readonly Sighting[];
  /** How the record is named in reasons: "this order". */
  recordLabel: string;
  helperRole: string;
  now: number;
  limit: number;
}

export interface Suggestion {
  userId: string;
  name: string;
  score: number;
  presence: PresenceState;
  /** One short phrase per reason, best first. */
  reasons: string[];
  /** The reasons as one line: "expert: billing, available · edited this order yesterday". */
  why: string;
}

const DAY = 86_400_000;

const TIER: Record<PresenceState, number> = { available: 0, busy: 0, away: 0, dnd: 1, offline: 2 };
const PRESENCE_POINTS: Record<PresenceState, number> = { available: 30, busy: 15, away: 5, dnd: 0, offline: -10 };
const PRESENCE_WORDS: Record<PresenceState, string> = {
  available: 'available',
  busy: 'busy',
  away: 'away',
  dnd: 'do not disturb',
  offline: 'offline',
};

/** "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago". */
export function ago(ms: number): string {
  const m = Math.floor(Math.max(0, ms) / 60_000);
  if (m < 1) return 'just now';
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.floor(h / 24);
  return d === 1 ? 'yesterday' : `${d} days ago`;
}

/** "shop.order:42" → "this order"; "orderview:42" → "this order"; "/reports/x" → "this page". */
export function recordLabel(pageKey: string): string {
  const m = /^(?:[A-Za-z0-9_]+\.)?([A-Za-z0-9_]+):/.exec(pageKey);
  if (!m) return 'this page';
  const model = m[1]!.toLowerCase().replace(/view$/, '') || m[1]!.toLowerCase();
  return `this ${model}`;
}

function latest(list: readonly Sighting[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of list) if ((out.get(s.userId) ?? -Infinity) < s.at) out.set(s.userId, s.at);
  return out;
}

export function suggest(input: SuggestInput): Suggestion[] {
  const excluded = new Set(input.exclude);
  const edited = latest(input.editors);
  const visited = latest(input.visitors);
  const out: Suggestion[] = [];
  for (const u of input.users) {
    if (excluded.has(u.userId)) continue;
    let score = 0;
    const reasons: string[] = [];
    const presence = input.presence(u.userId);
    const matched = input.tags.filter((t) => u.expertise.includes(t));
    score += PRESENCE_POINTS[presence];
    if (matched.length > 0) {
      score += 40 * matched.length;
      reasons.push(`expert: ${matched.join(', ')}, ${PRESENCE_WORDS[presence]}`);
    } else if (input.tags.length === 0 && u.roles.includes(input.helperRole)) {
      score += 5;
      reasons.push(`helper, ${PRESENCE_WORDS[presence]}`);
    } else {
      reasons.push(PRESENCE_WORDS[presence]);
    }
    const e = edited.get(u.userId);
    if (e !== undefined) {
      const age = input.now - e;
      score += age <= DAY ? 25 : age <= 7 * DAY ? 15 : 5;
      reasons.push(`edited ${input.recordLabel} ${ago(age)}`);
    }
    const v = visited.get(u.userId);
    if (v !== undefined) {
      const age = input.now - v;
      score += age <= DAY ? 10 : 5;
      reasons.push(`visited ${input.recordLabel} ${ago(age)}`);
    }
    out.push({ userId: u.userId, name: u.name, score, presence, reasons, why: reasons.join(' · ') });
  }
  out.sort((a, b) => TIER[a.presence] - TIER[b.presence] || b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  return out.slice(0, input.limit);
}
