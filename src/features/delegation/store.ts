import type { Database, Queryable } from '../../db/client.js';
import { fieldHold, type DelegationState, type DelegationStatus } from './machine.js';
import type { DelegationView } from './messages.js';
import { iso } from '../../db/rows.js';

/** A delegation row as stored, with the two parties' display names from the directory. */
export interface DelegationRow {
  id: string;
  tenantId: string;
  roomId: string;
  pageKey: string;
  pageUrl: string;
  pageTitle: string;
  delegatorId: string;
  delegatorName: string | null;
  assigneeId: string;
  assigneeName: string | null;
  fields: Array<{ name: string; label: string; kind: string }>;
  valuesAtCreation: Record<string, unknown>;
  submittedValues: Record<string, unknown> | null;
  note: string;
  dueAt: Date | null;
  status: DelegationStatus;
  state: DelegationState;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const SELECT = `SELECT d.id, d.tenant_id AS "tenantId", d.room_id AS "roomId", d.page_key AS "pageKey", d.page_url AS "pageUrl",
  d.page_title AS "pageTitle", d.delegator_id AS "delegatorId", ud.display_name AS "delegatorName",
  d.assignee_id AS "assigneeId", ua.display_name AS "assigneeName", d.fields, d.values_at_creation AS "valuesAtCreation",
  d.submitted_values AS "submittedValues", d.note, d.due_at AS "dueAt", d.status, d.state, d.version,
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"
  FROM delegations d
  LEFT JOIN users ud ON ud.tenant_id = d.tenant_id AND ud.id = d.delegator_id
  LEFT JOIN users ua ON ua.tenant_id = d.tenant_id AND ua.id = d.assignee_id`;


export function toView(r: DelegationRow): DelegationView {
  return {
    id: r.id,
    roomId: r.roomId,
    pageKey: r.pageKey,
    pageUrl: r.pageUrl,
    pageTitle: r.pageTitle,
    delegator: { id: r.delegatorId, name: r.delegatorName ?? r.delegatorId },
    assignee: { id: r.assigneeId, name: r.assigneeName ?? r.assigneeId },
    fields: r.fields,
    valuesAtCreation: r.valuesAtCreation,
    submittedValues: r.submittedValues,
    note: r.note,
    dueAt: iso(r.dueAt),
    status: r.status,
    state: r.state as unknown as Record<string, unknown>,
    hold: fieldHold(r.status),
    version: r.version,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

export interface NewDelegation {
  tenantId: string;
  roomId: string;
  pageKey: string;
  pageUrl: string;
  pageTitle: string;
  delegatorId: string;
  assigneeId: string;
  fields: Array<{ name: string; label: string; kind: string }>;
  values: Record<string, unknown>;
  note: string;
  dueAt: Date | null;
  state: DelegationState;
}

/** Thrown when a field is already held by another open delegation (the partial unique index decided). */
export class FieldAlreadyDelegated extends Error {
  constructor(readonly field: string) {
    super(`field ${field} already delegated`);
  }
}

export function createDelegationStore(db: Database) {
  async function insert(q: Queryable, d: NewDelegation): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO delegations (tenant_id, room_id, page_key, page_url, page_title, delegator_id, assignee_id, fields, values_at_creation, note, due_at, status, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13::jsonb) RETURNING id`,
      [d.tenantId, d.roomId, d.pageKey, d.pageUrl, d.pageTitle, d.delegatorId, d.assigneeId, JSON.stringify(d.fields), JSON.stringify(d.values), d.note, d.dueAt, d.state.status, JSON.stringify(d.state)],
    );
    const id = rows[0]!.id;
    for (const f of d.fields) {
      await q.query('SAVEPOINT hold_field');
      try {
        await q.query(`INSERT INTO delegation_fields (delegation_id, room_id, field) VALUES ($1, $2, $3)`, [id, d.roomId, f.name]);
        await q.query('RELEASE SAVEPOINT hold_field');
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new FieldAlreadyDelegated(f.name);
        throw err;
      }
    }
    return id;
  }

  async function get(q: Queryable, tenantId: string, id: string, lock = false): Promise<DelegationRow | undefined> {
    if (lock) await q.query(`SELECT 1 FROM delegations WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    const { rows } = await q.query<DelegationRow>(`${SELECT} WHERE d.tenant_id = $1 AND d.id = $2`, [tenantId, id]);
    return rows[0];
  }

  async function update(q: Queryable, id: string, next: DelegationState, submittedValues?: Record<string, unknown>): Promise<void> {
    await q.query(
      `UPDATE delegations SET status = $2, state = $3::jsonb, version = version + 1, updated_at = now(),
         submitted_values = COALESCE($4::jsonb, submitted_values) WHERE id = $1`,
      [id, next.status, JSON.stringify(next), submittedValues === undefined ? null : JSON.stringify(submittedValues)],
    );
  }

  async function release(q: Queryable, id: string): Promise<void> {
    await q.query(`UPDATE delegation_fields SET held = false WHERE delegation_id = $1 AND held`, [id]);
  }

  async function holder(q: Queryable, roomId: string, field: string): Promise<{ assigneeId: string; status: string } | undefined> {
    const { rows } = await q.query<{ assigneeId: string; status: string }>(
      `SELECT d.assignee_id AS "assigneeId", d.status FROM delegation_fields f JOIN delegations d ON d.id = f.delegation_id
       WHERE f.room_id = $1 AND f.field = $2 AND f.held`,
      [roomId, field],
    );
    return rows[0];
  }

  /** Open delegations of a room (for badges, locks and the join answer). */
  async function openInRoom(tenantId: string, roomId: string): Promise<DelegationRow[]> {
    const { rows } = await db.query<DelegationRow>(
      `${SELECT} WHERE d.tenant_id = $1 AND d.room_id = $2 AND d.status IN ('pending', 'accepted', 'submitted', 'rejected') ORDER BY d.created_at`,
      [tenantId, roomId],
    );
    return rows;
  }

  async function list(
    tenantId: string,
    f: { userId: string; role: 'given' | 'received' | 'all'; status?: readonly string[] | undefined; roomId?: string | undefined; limit: number },
  ): Promise<DelegationRow[]> {
    const params: unknown[] = [tenantId, f.userId];
    const who =
      f.role === 'given' ? 'd.delegator_id = $2' : f.role === 'received' ? 'd.assignee_id = $2' : '(d.delegator_id = $2 OR d.assignee_id = $2)';
    let where = `d.tenant_id = $1 AND ${who}`;
    if (f.status?.length) {
      params.push(f.status);
      where += ` AND d.status = ANY($${params.length}::text[])`;
    }
    if (f.roomId) {
      params.push(f.roomId);
      where += ` AND d.room_id = $${params.length}`;
    }
    params.push(f.limit);
    const { rows } = await db.query<DelegationRow>(`${SELECT} WHERE ${where} ORDER BY d.updated_at DESC, d.id LIMIT $${params.length}`, params);
    return rows;
  }

  return { insert, get, update, release, holder, openInRoom, list };
}
export type DelegationStore = ReturnType<typeof createDelegationStore>;


/** The held fields of a room with their open delegation (the write guard's source of truth). */
export async function heldFields(q: Queryable, roomId: string) {
  const { rows } = await q.query<{ field: string; delegationId: string; assigneeId: string; assigneeName: string | null; status: DelegationStatus }>(
    `SELECT f.field, d.id AS "delegationId", d.assignee_id AS "assigneeId", u.display_name AS "assigneeName", d.status
     FROM delegation_fields f JOIN delegations d ON d.id = f.delegation_id
     LEFT JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.assignee_id
     WHERE f.room_id = $1 AND f.held`,
    [roomId],
  );
  return rows;
}
