/**
 * Gap-free counters in stream_seqs, shared by the room logs (events) and the per-user
 * notification streams.
 */
import { sql } from 'drizzle-orm';
import type { Conn } from './client.js';
import { streamSeqs } from './schema/index.js';

/**
 * Next value of a gap-free counter. The row lock is held until the caller's transaction ends,
 * so values commit in order: seeing n means every m < n is visible too.
 */
export async function nextSeq(q: Conn, key: string): Promise<number> {
  const [row] = await q.orm
    .insert(streamSeqs)
    .values({ key, seq: 1 })
    .onConflictDoUpdate({ target: streamSeqs.key, set: { seq: sql`${streamSeqs.seq} + 1` } })
    .returning({ seq: streamSeqs.seq });
  return row!.seq;
}

export const roomSeqKey = (roomId: string) => `r:${roomId}`;
