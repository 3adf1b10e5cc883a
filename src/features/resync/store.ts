import type { Queryable } from '../../db/client.js';

/** Where a room stands: each field's version and the position of its last room event (chat, comments…). */
export interface RoomHeads {
  fields: Record<string, number>;
  events: number;
}

/** The heads of many rooms in two statements, whatever their number. */
export async function readHeads(q: Queryable, roomIds: string[]): Promise<Map<string, RoomHeads>> {
  const out = new Map<string, RoomHeads>(roomIds.map((id) => [id, { fields: {}, events: 0 }]));
  if (roomIds.length === 0) return out;
  const [fields, seqs] = await Promise.all([
    q.query<{ room_id: string; field: string; version: number }>(`SELECT room_id, field, version FROM form_fields WHERE room_id = ANY($1::uuid[])`, [roomIds]),
    // The room log's counter (events/store.ts roomSeqKey): `r:<roomId>`.
    q.query<{ key: string; seq: string }>(`SELECT key, seq::text AS seq FROM stream_seqs WHERE key = ANY($1::text[])`, [roomIds.map((id) => `r:${id}`)]),
  ]);
  for (const r of fields.rows) out.get(r.room_id)!.fields[r.field] = r.version;
  for (const r of seqs.rows) out.get(r.key.slice(2))!.events = Number(r.seq);
  return out;
}
