import { and, desc, eq, ne } from 'drizzle-orm';
import type { Conn } from '../../db/client.js';
import { iso, sqlState } from '../../db/rows.js';
import { calls } from '../../db/schema/index.js';
import type { CallFacts } from './machine.js';
import type { CallView } from './messages.js';

export interface CallRow {
  id: string;
  tenantId: string;
  roomId: string;
  pageKey: string;
  callerId: string;
  helpRequestId: string | null;
  urgent: boolean;
  facts: CallFacts;
  createdAt: Date;
}

const cols = {
  id: calls.id,
  tenantId: calls.tenantId,
  roomId: calls.roomId,
  pageKey: calls.pageKey,
  callerId: calls.callerId,
  helpRequestId: calls.helpRequestId,
  urgent: calls.urgent,
  facts: calls.facts,
  createdAt: calls.createdAt,
};
const asRow = (r: Record<string, unknown>) => r as unknown as CallRow;

/** When the machine's phase moved, the timestamps columns follow (for listings and retention). */
const phaseColumns = (f: CallFacts) => ({
  status: f.phase.status,
  startedAt: f.phase.status === 'active' ? new Date(f.phase.startedAt) : f.phase.status === 'ended' && f.phase.startedAt !== null ? new Date(f.phase.startedAt) : null,
  endedAt: f.phase.status === 'ended' ? new Date(f.phase.endedAt) : null,
});

export function createCallStore() {
  /** The call, locked for update when `lock` (every change reads it so, in its transaction). */
  async function get(q: Conn, tenantId: string, id: string, lock = false): Promise<CallRow | undefined> {
    const base = q.orm.select(cols).from(calls).where(and(eq(calls.tenantId, tenantId), eq(calls.id, id)));
    const [row] = lock ? await base.for('update') : await base;
    return row ? asRow(row) : undefined;
  }

  /** The room's ringing or active call, if any (at most one, by index). */
  async function live(q: Conn, tenantId: string, roomId: string, lock = false): Promise<CallRow | undefined> {
    const base = q.orm.select(cols).from(calls).where(and(eq(calls.tenantId, tenantId), eq(calls.roomId, roomId), ne(calls.status, 'ended')));
    const [row] = lock ? await base.for('update') : await base;
    return row ? asRow(row) : undefined;
  }

  /** A new live call; null when the room already has one (another instance won the race). */
  async function insert(q: Conn, r: Omit<CallRow, 'id' | 'createdAt'>): Promise<CallRow | null> {
    try {
      const [row] = await q.orm
        .insert(calls)
        .values({ ...r, ...phaseColumns(r.facts) })
        .returning(cols);
      return asRow(row!);
    } catch (err) {
      if (sqlState(err) === '23505') return null;
      throw err;
    }
  }

  async function update(q: Conn, id: string, facts: CallFacts): Promise<void> {
    await q.orm
      .update(calls)
      .set({ facts, ...phaseColumns(facts) })
      .where(eq(calls.id, id));
  }

  async function list(q: Conn, tenantId: string, f: { roomId?: string | undefined; limit: number }): Promise<CallRow[]> {
    const rows = await q.orm
      .select(cols)
      .from(calls)
      .where(and(eq(calls.tenantId, tenantId), f.roomId ? eq(calls.roomId, f.roomId) : undefined))
      .orderBy(desc(calls.createdAt))
      .limit(f.limit);
    return rows.map(asRow);
  }

  return { get, live, insert, update, list };
}
export type CallStore = ReturnType<typeof createCallStore>;

export function toCallView(r: CallRow): CallView {
  const f = r.facts;
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    roomId: r.roomId,
    pageKey: r.pageKey,
    status: f.phase.status,
    callerId: r.callerId,
    helpRequestId: r.helpRequestId,
    urgent: r.urgent,
    legs: f.legs.map((l) => ({ ...l, joinedAt: at(l.joinedAt)! })),
    invitees: f.invitees,
    participants: f.participants,
    version: f.version,
    endReason: f.phase.status === 'ended' ? f.phase.reason : null,
    createdAt: iso(r.createdAt)!,
    startedAt: f.phase.status === 'active' ? at(f.phase.startedAt) : f.phase.status === 'ended' ? at(f.phase.startedAt) : null,
    endedAt: f.phase.status === 'ended' ? at(f.phase.endedAt) : null,
  };
}
