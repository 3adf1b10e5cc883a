/**
 * The event log's row as every consumer sees it. The events feature writes the log; the webhook
 * outbox reads events with their deliveries, so the shape lives here rather than in either store.
 */
import { iso } from './rows.js';
import type { events } from './schema/index.js';

export interface EventActor {
  type: 'user' | 'app' | 'system';
  id: string;
}

/** An event as every consumer sees it (webhook body, stream frame, room log entry). */
export interface TandemEvent {
  /** Stable: the same id on every delivery and resend, so receivers can deduplicate. */
  id: string;
  type: string;
  tenantId: string;
  roomId: string | null;
  pageKey: string | null;
  /** Position in the room's log (gap-free per room), null outside rooms. */
  roomSeq: number | null;
  actor: EventActor;
  data: Record<string, unknown>;
  createdAt: string;
}

export type EventRow = typeof events.$inferSelect;

/** The raw statements' event columns, named as the table's row shape so toEvent reads both. */
export const EVENT_COLUMNS = `id, type, tenant_id AS "tenantId", room_id AS "roomId", page_key AS "pageKey", room_seq AS "roomSeq", actor_type AS "actorType", actor_id AS "actorId", data, created_at AS "createdAt"`;

/** A row (from the query builder, or a raw statement's EVENT_COLUMNS, whose bigints are strings) as every consumer sees it. */
export function toEvent(r: Omit<EventRow, 'tx'>): TandemEvent {
  return {
    id: String(r.id),
    type: r.type,
    tenantId: r.tenantId,
    roomId: r.roomId,
    pageKey: r.pageKey,
    roomSeq: r.roomSeq === null ? null : Number(r.roomSeq),
    actor: { type: r.actorType as EventActor['type'], id: r.actorId },
    data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
    createdAt: iso(r.createdAt)!,
  };
}

