/**
 * Pure presence rules: no I/O, `now` passed in. Connection records are what the live store
 * holds; participants are what clients see (one per person, all their tabs merged).
 */
import type { Caret, OnlineUser, Participant, PresenceStatus, UserStatus } from './messages.js';

export interface RoomEntry {
  pageKey: string;
  joinedAt: number;
  focus: string | null;
  typing: boolean;
  /** `seq`: the tab's caret sequence number (see Caret.seq). */
  caret: { field: string; anchor: number; head: number; seq: number } | null;
}

/** One connection (tab), as stored in the live store (Redis or memory). */
export interface ConnRecord {
  connId: string;
  tenantId: string;
  userId: string;
  name: string;
  avatar: string | null;
  instanceId: string;
  connectedAt: number;
  /** Set when the socket dropped: the grace period is running. */
  disconnectedAt: number | null;
  rooms: Record<string, RoomEntry>;
}

/** A user's presence status across the tenant. */
export interface UserState {
  /** What the user chose (presence:status); `available` by default. */
  manual: PresenceStatus;
  /** Last activity the client reported, epoch ms. */
  lastActive: number;
  /** The last status announced to everyone; compared-and-set so exactly one instance announces a change. */
  announced: UserStatus;
}

export const defaultUserState = (now: number): UserState => ({ manual: 'available', lastActive: now, announced: 'offline' });

/** available → away after `idleMs` without activity; busy, dnd and a chosen away stay as chosen. */
export function effectiveStatus(state: UserState, connected: boolean, now: number, idleMs: number): UserStatus {
  if (!connected) return 'offline';
  if (state.manual === 'available' && now - state.lastActive >= idleMs) return 'away';
  return state.manual;
}

// Distinct, readable on white, and distinguishable for the common colour-vision deficiencies.
export const PALETTE = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#bf3989', '#0a7f8f', '#6e7781', '#4d2d00', '#953800', '#116329', '#3e1f79'] as const;

/** FNV-1a over the code units: the same colour for a user in a room, on every instance, forever. */
export function colorFor(roomId: string, userId: string): string {
  let h = 0x811c9dc5;
  const s = `${roomId}\u0000${userId}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

export const shortSid = (connId: string) => connId.slice(0, 8);

/**
 * One participant from all of a user's connections in a room. Connections in their grace
 * period keep the person present but contribute no focus, caret or typing. `version` is taken
 * from the live store after the change was written and before `conns` were read.
 */
export function participantOf(roomId: string, conns: ConnRecord[], status: PresenceStatus, version: number): Participant | null {
  const inRoom = conns.filter((c) => c.rooms[roomId]);
  if (inRoom.length === 0) return null;
  const live = inRoom.filter((c) => c.disconnectedAt === null);
  const newest = inRoom.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
  const focus = [...new Set(live.map((c) => c.rooms[roomId]!.focus).filter((f): f is string => f !== null))].sort();
  const carets: Caret[] = [];
  for (const c of live) {
    const caret = c.rooms[roomId]!.caret;
    // Records written before carets had a sequence number count as the oldest.
    if (caret) carets.push({ sid: shortSid(c.connId), ...caret, seq: caret.seq ?? 0 });
  }
  return {
    userId: newest.userId,
    name: newest.name,
    avatar: newest.avatar,
    color: colorFor(roomId, newest.userId),
    status,
    focus,
    typing: live.some((c) => c.rooms[roomId]!.typing),
    carets,
    tabs: live.length,
    since: new Date(Math.min(...inRoom.map((c) => c.rooms[roomId]!.joinedAt))).toISOString(),
    version,
  };
}

/** Every participant of a room, ordered by arrival. */
export function participantsOf(
  roomId: string,
  conns: ConnRecord[],
  statusOf: (userId: string) => PresenceStatus,
  version: number,
): Participant[] {
  const byUser = new Map<string, ConnRecord[]>();
  for (const c of conns) {
    if (!c.rooms[roomId]) continue;
    const list = byUser.get(c.userId);
    if (list) list.push(c);
    else byUser.set(c.userId, [c]);
  }
  const out: Participant[] = [];
  for (const [userId, list] of byUser) {
    const p = participantOf(roomId, list, statusOf(userId), version);
    if (p) out.push(p);
  }
  return out.sort((a, b) => a.since.localeCompare(b.since) || a.userId.localeCompare(b.userId));
}

/** Distinct rooms a user is in across all their connections. */
export const roomsOf = (conns: ConnRecord[]): string[] => [...new Set(conns.flatMap((c) => Object.keys(c.rooms)))].sort();

/**
 * The caret budget: how long to wait before the next caret update may go out. 0 = now.
 * Updates arriving meanwhile replace each other (latest wins) and go out when the wait ends.
 */
export function caretDelay(lastSentAt: number | undefined, now: number, perSecond: number): number {
  if (lastSentAt === undefined) return 0;
  const interval = 1000 / perSecond;
  return Math.max(0, Math.ceil(lastSentAt + interval - now));
}

/** Pure. Who is online in a tenant, from its connections: each person once, named as in their newest tab, by name. */
export function onlineUsers(conns: ConnRecord[], statusOf: (userId: string) => PresenceStatus): OnlineUser[] {
  const byUser = new Map<string, ConnRecord[]>();
  for (const c of conns) byUser.set(c.userId, [...(byUser.get(c.userId) ?? []), c]);
  return [...byUser]
    .map(([userId, list]) => ({
      userId,
      name: list.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a)).name,
      status: statusOf(userId),
      rooms: roomsOf(list),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/** Pure. How many people are in each room, busiest first. */
export function roomCounts(conns: ConnRecord[]): Array<{ roomId: string; participants: number }> {
  const people = new Map<string, Set<string>>();
  for (const c of conns) {
    for (const roomId of Object.keys(c.rooms)) {
      let s = people.get(roomId);
      if (!s) people.set(roomId, (s = new Set()));
      s.add(c.userId);
    }
  }
  return [...people].map(([roomId, s]) => ({ roomId, participants: s.size })).sort((a, b) => b.participants - a.participants || a.roomId.localeCompare(b.roomId));
}
