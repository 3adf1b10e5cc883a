/**
 * One writer per room across instances: a room's text ops are accepted by the instance that owns
 * the room (rendezvous hashing over the live instances, src/realtime/peers.ts); the others
 * forward them. The database's compare-and-set stays the safety net for the moments ownership
 * moves (an instance starts, leaves or is killed), when two instances may briefly both write a
 * room: one loses the race and recovers, exactly as without routing.
 */
import { AppError } from '../../errors.js';
import type { Logger } from '../../ports/log.js';
import type { Peers } from '../../ports/peers.js';
import type { OpLog, TextSubmit } from './op-log.js';

/** Longer than a loaded commit takes; past it the op is written here (dedup covers a late commit there). */
const FORWARD_TIMEOUT_MS = 3_000;

interface ReplaceCall {
  tenantId: string;
  roomId: string;
  field: string;
  to: string;
  actor: string;
  actorName: string | null;
}

export type OpWriter = Pick<OpLog, 'submit' | 'replace'>;

export function routeToOwners(opLog: OpLog, peers: Peers, log: Logger): OpWriter {
  peers.serve('fields.submit', (p) => opLog.submit(p as TextSubmit));
  peers.serve('fields.replace', (p) => {
    const r = p as ReplaceCall;
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
