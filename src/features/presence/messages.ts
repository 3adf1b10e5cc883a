import { z } from 'zod';

export const PRESENCE_STATUSES = ['available', 'busy', 'away', 'dnd'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];
/** What getStatus answers: a presence status, or offline when the user has no live connection. */
export type UserStatus = PresenceStatus | 'offline';

const roomId = z.uuid();
const fieldName = z.string().min(1).max(200);
/** Caret positions count Unicode code points, like ot-text-unicode. */
const position = z.number().int().min(0).max(10_000_000);

// Client → server
export const presenceUpdateSchema = z
  .object({
    roomId,
    focus: fieldName.nullable().optional(),
    typing: z.boolean().optional(),
  })
  .strict();
export const presenceCaretSchema = z
  .object({ roomId, field: fieldName, anchor: position, head: position })
  .strict();
export const presenceStatusSchema = z.object({ status: z.enum(PRESENCE_STATUSES) }).strict();
export const presenceActivitySchema = z.object({}).strict().optional();

export type PresenceUpdate = z.infer<typeof presenceUpdateSchema>;
export type PresenceCaret = z.infer<typeof presenceCaretSchema>;

// Server → client (and REST)
export const caretSchema = z.object({
  /** A short id of the tab (connection) the caret is in. */
  sid: z.string(),
  field: z.string(),
  anchor: z.number(),
  head: z.number(),
  /**
   * Per tab, increasing with every caret move of that tab (no shared counter: only the tab's own
   * instance moves it). A client keeps the highest per (user, sid), whatever message it came in.
   */
  seq: z.number().int(),
});
export type Caret = z.infer<typeof caretSchema>;

/** One person in a room: all their tabs merged. */
export const participantSchema = z.object({
  userId: z.string(),
  name: z.string(),
  avatar: z.string().nullable(),
  /** Stable for this user in this room. */
  color: z.string(),
  status: z.enum(PRESENCE_STATUSES),
  /** Fields in focus, the union over the person's tabs. */
  focus: z.array(z.string()),
  typing: z.boolean(),
  carets: z.array(caretSchema),
  /** Live tabs (connections) in this room; 0 while inside the reconnect grace period. */
  tabs: z.number().int(),
  since: z.string(),
  /**
   * Orders this person's states in this room, across instances: a state with a higher version
   * has seen every change an older one had. Clients keep the highest and ignore older ones.
   */
  version: z.number().int(),
});
export type Participant = z.infer<typeof participantSchema>;

export interface PresenceJoinEvent { roomId: string; participant: Participant }
export interface PresenceUpdateEvent { roomId: string; participant: Participant }
export interface PresenceLeaveEvent { roomId: string; userId: string; version: number }
export interface PresenceCaretEvent extends Caret { roomId: string; userId: string }
export interface PresenceStatusEvent { userId: string; status: UserStatus; previous: UserStatus }
/**
 * The join answer's `presence` part. `version`: the snapshot's version; anyone not listed is
 * absent as of that version (a client drops people it knows only from older messages).
 */
export interface PresenceJoinAnswer { participants: Participant[]; self: { color: string }; version: number }

// REST
export const onlineUserSchema = z.object({
  userId: z.string(),
  name: z.string(),
  status: z.enum(PRESENCE_STATUSES),
  rooms: z.array(z.string()),
});
export type OnlineUser = z.infer<typeof onlineUserSchema>;

/** Opt in (or out) to every status change in the tenant: dashboards, helper consoles. */
export const presenceWatchSchema = z.object({ watch: z.boolean() }).strict();
