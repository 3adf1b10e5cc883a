/**
 * One writer per room across instances: a room's text ops are accepted by the instance that owns
 * the room (rendezvous hashing over the live instances, src/realtime/peers.ts); the others
 * forward them. The database's compare-and-set stays the safety net for the moments ownership
 * moves (an instance starts, leaves or is killed), when two instances may briefly both write a
 * room: one loses the race and recovers, exactly as without routing.
 */
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Logger } from '../../ports/log.js';
import type { Peers } from '../../ports/peers.js';
import { fieldOpSchema } from './messages.js';
import type { OpLog } from './op-log.js';

/** Longer than a loaded commit takes; past it the op is written here (dedup covers a late commit there). */
const FORWARD_TIMEOUT_MS = 3_000;

// What a peer forwards, checked like any input: an instance of another version (a rolling
// upgrade) may send another shape. Unreadable calls answer `unavailable`, so the sender writes itself.
const caller = { tenantId: z.string().min(1), actor: z.string().min(1), actorName: z.string().nullable() };
const submitCall = fieldOpSchema.extend(caller);
const replaceCall = fieldOpSchema.pick({ roomId: true, field: true }).extend({ ...caller, to: z.string() });
type ReplaceCall = z.infer<typeof replaceCall>;

function read<T>(schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new AppError('unavailable', 'The owning instance could not read the forwarded call (another version?)');
  return parsed.data;
}

export type OpWriter = Pick<OpLog, 'submit' | 'replace'>;

export function routeToOwners(opLog: OpLog, peers: Peers, log: Logger): OpWriter {
  peers.serve('fields.submit', (p) => opLog.submit(read(submitCall, p)));
  peers.serve('fields.replace', (p) => {
    const r = read(replaceCall, p);
    return opLog.replace(r.tenantId, r.roomId, r.field, r.to, r.actor, r.actorName);
  });
  // Ownership moved: what this instance cached of a room another instance wrote meanwhile is
  // stale, and its first commit would lose the race. Reload on next use instead.
  peers.onChange(() => opLog.forgetIdle());

  async function viaOwner<T>(roomId: string, method: string, payload: unknown, here: () => Promise<T>): Promise<T> {
    const owner = peers.ownerOf(roomId);
    if (owner === null) return here();
    try {
      return await peers.call<T>(owner, method, payload, FORWARD_TIMEOUT_MS);
    } catch (err) {
      // The owner judged the op (refused, conflict, not found): that answer is the client's.
      if (err instanceof AppError && err.code !== 'unavailable') throw err;
      // Outcome unknown (owner gone, too slow, shutting down): write it here. Had the owner
      // committed it after all, the (clientId, seq) dedup answers with that version.
      log.info({ owner, roomId, reason: (err as Error).message }, 'room owner unreachable; writing here');
      return here();
    }
  }

  return {
    submit: (sub) => viaOwner(sub.roomId, 'fields.submit', sub, () => opLog.submit(sub)),
    replace: (tenantId, roomId, field, to, actor, actorName) =>
      viaOwner(roomId, 'fields.replace', { tenantId, roomId, field, to, actor, actorName } satisfies ReplaceCall, () => opLog.replace(tenantId, roomId, field, to, actor, actorName)),
  };
}
