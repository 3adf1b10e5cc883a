import { inArray } from 'drizzle-orm';
import type { Conn } from '../../db/client.js';
import { formFields, streamSeqs } from '../../db/schema/index.js';

/** Where a room stands: each field's version and the position of its last room event (chat, comments…). */
export interface RoomHeads {
  fields: Record<string, number>;
  events: number;
}

/** The heads of many rooms in two statements, whatever their number. */
export async function readHeads(q: Conn, roomIds: string[]): Promise<Map<string, RoomHeads>> {
  const out = new Map<string, RoomHeads>(roomIds.map((id) => [id, { fields: {}, events: 0 }]));
  if (roomIds.length === 0) return out;
  const [fields, seqs] = await Promise.all([
    q.orm.select({ roomId: formFields.roomId, field: formFields.field, version: formFields.version }).from(formFields).where(inArray(formFields.roomId, roomIds)),
    // The room log's counter (events/store.ts roomSeqKey): `r:<roomId>`.
    q.orm.select().from(streamSeqs).where(inArray(streamSeqs.key, roomIds.map((id) => `r:${id}`))),
  ]);
  for (const r of fields) out.get(r.roomId)!.fields[r.field] = r.version;
  for (const r of seqs) out.get(r.key.slice(2))!.events = r.seq;
  return out;
}
