/**
 * Pure: when a notification may leave Tandem, and where its link points. No I/O, `now` passed in.
 *
 * A pending delivery, when it comes due, is one of:
 *   read in the app already              → skip (nobody is emailed what they have seen)
 *   urgent                               → send (breaks through dnd and quiet hours, like in-app)
 *   user in do-not-disturb               → hold until they leave it (re-checked every dndRecheckMs)
 *   inside the user's quiet hours        → hold until the quiet hours end, in the user's time zone
 *   otherwise                            → send; everything sent together is one message (a digest)
 */
import type { NotificationType } from '../notifications/messages.js';

export const REACH_CHANNELS = ['in_app', 'email', 'chat'] as const;
export type ReachChannel = (typeof REACH_CHANNELS)[number];
/** The channels that leave the browser, each a row in the outbox. */
export type OutboundChannel = Exclude<ReachChannel, 'in_app'>;

export interface ChannelChoice {
  default: readonly string[];
  byKind: Readonly<Record<string, readonly string[]>>;
}

/** The channels a user wants for one kind of notification: the kind's own list, else their default. */
export function channelsFor(choice: ChannelChoice, type: NotificationType): Set<ReachChannel> {
  const list = choice.byKind[type] ?? choice.default;
  return new Set(list.filter((c): c is ReachChannel => (REACH_CHANNELS as readonly string[]).includes(c)));
}

export interface QuietHours {
  /** 'HH:MM', local to timeZone; start > end spans midnight (22:00–07:00). */
  start: string;
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const isHHMM = (s: string) => HHMM.test(s);
const minutesOf = (hhmm: string) => {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Is this an IANA time zone Intl knows (Europe/Paris, America/New_York, UTC)? */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.length <= 64;
  } catch {
    return false;
  }
}

/** Local wall-clock time of `at` in `timeZone`: minutes since midnight plus the seconds within the minute. */
function localClock(at: number, timeZone: string): { minutes: number; ms: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { minutes: n('hour') * 60 + n('minute'), ms: n('second') * 1000 + (at % 1000) };
}

/** The instant the quiet hours around `now` end, or null when `now` is not inside them. */
export function quietUntil(now: number, quiet: QuietHours | null, timeZone: string): number | null {
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const { minutes, ms } = localClock(now, timeZone);
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!inside) return null;
  const candidate = now - ms + ((end - minutes + 1440) % 1440) * 60_000;
  // A daylight-saving change inside the window moves the local end by an hour: land on it exactly.
  for (const shift of [0, -3_600_000, 3_600_000]) {
    if (localClock(candidate + shift, timeZone).minutes === end) return candidate + shift;
  }
  return candidate;
}

export interface Due {
  id: number;
  urgent: boolean;
  read: boolean;
}

export interface Plan<T extends Due> {
  send: T[];
  skip: T[];
  hold: { rows: T[]; until: number; reason: 'dnd' | 'quiet' } | null;
}

/** Splits the due deliveries of one user and channel by the rules above. */
export function plan<T extends Due>(rows: readonly T[], o: { now: number; status: string | null | undefined; quiet: QuietHours | null; timeZone: string; dndRecheckMs: number }): Plan<T> {
  const skip = rows.filter((r) => r.read);
  const open = rows.filter((r) => !r.read);
  const send = open.filter((r) => r.urgent);
  const rest = open.filter((r) => !r.urgent);
  if (rest.length === 0) return { send, skip, hold: null };
  if (o.status === 'dnd') return { send, skip, hold: { rows: rest, until: o.now + o.dndRecheckMs, reason: 'dnd' } };
  const until = quietUntil(o.now, o.quiet, o.timeZone);
  if (until !== null) return { send, skip, hold: { rows: rest, until, reason: 'quiet' } };
  return { send: [...send, ...rest], skip, hold: null };
}

/**
 * Where a notification's link opens: its own URL, else the room's, as an absolute URL on one of the
 * tenant's host origins (a path is put on the first). Anything else is dropped rather than sent.
 */
export function pageLink(url: string | null | undefined, roomUrl: string | null | undefined, origins: readonly string[]): string | null {
  const raw = url || roomUrl;
  if (!raw) return null;
  if (raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\')) return origins[0] ? new URL(raw, origins[0]).toString() : null;
  try {
    const u = new URL(raw);
    return origins.includes(u.origin) ? u.toString() : null;
  } catch {
    return null;
  }
}
