import { and, asc, desc, eq, getTableColumns, inArray, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Conn, Database } from '../../db/client.js';
import { delegationFields, delegations, users } from '../../db/schema/index.js';
import { fieldHold, type DelegationState, type DelegationStatus } from './machine.js';
import type { DelegationView } from './messages.js';
import { iso, sqlState } from '../../db/rows.js';

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

const ud = alias(users, 'ud');
const ua = alias(users, 'ua');
/** A delegation with its parties' display names (null for someone the directory never saw). */
const withNames = (q: Conn) =>
  q.orm
    .select({
      ...getTableColumns(delegations),
      delegatorName: ud.displayName,
      assigneeName: ua.displayName,
    })
    .from(delegations)
    .leftJoin(ud, and(eq(ud.tenantId, delegations.tenantId), eq(ud.id, delegations.delegatorId)))
    .leftJoin(ua, and(eq(ua.tenantId, delegations.tenantId), eq(ua.id, delegations.assigneeId)));

// status and state are the machine's: stored from DelegationState, so read back as one.
const asRows = (rows: Array<typeof delegations.$inferSelect & { delegatorName: string | null; assigneeName: string | null }>) => rows as DelegationRow[];

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
  async function insert(q: Conn, d: NewDelegation): Promise<string> {
    const [row] = await q.orm
      .insert(delegations)
      .values({
        tenantId: d.tenantId,
        roomId: d.roomId,
        pageKey: d.pageKey,
        pageUrl: d.pageUrl,
        pageTitle: d.pageTitle,
        delegatorId: d.delegatorId,
        assigneeId: d.assigneeId,
        fields: d.fields,
        valuesAtCreation: d.values,
        note: d.note,
        dueAt: d.dueAt,
        status: d.state.status,
        state: d.state,
      })
      .returning({ id: delegations.id });
    const id = row!.id;
    for (const f of d.fields) {
      // Raw: a savepoint inside the caller's transaction around each hold.
      await q.query('SAVEPOINT hold_field');
      try {
        await q.orm.insert(delegationFields).values({ delegationId: id, roomId: d.roomId, field: f.name });
        await q.query('RELEASE SAVEPOINT hold_field');
      } catch (err) {
        if (sqlState(err) === '23505') throw new FieldAlreadyDelegated(f.name);
        throw err;
      }
    }
    return id;
  }

  async function get(q: Conn, tenantId: string, id: string, lock = false): Promise<DelegationRow | undefined> {
    const which = and(eq(delegations.tenantId, tenantId), eq(delegations.id, id));
    if (lock) await q.orm.select({ id: delegations.id }).from(delegations).where(which).for('update');
    const [row] = asRows(await withNames(q).where(which));
    return row;
  }

  async function update(q: Conn, id: string, next: DelegationState, submittedValues?: Record<string, unknown>): Promise<void> {
    await q.orm
      .update(delegations)
      .set({
        status: next.status,
        state: next,
        version: sql`${delegations.version} + 1`,
        updatedAt: sql`now()`,
        ...(submittedValues === undefined ? {} : { submittedValues }),
      })
      .where(eq(delegations.id, id));
  }

  async function release(q: Conn, id: string): Promise<void> {
    await q.orm.update(delegationFields).set({ held: false }).where(and(eq(delegationFields.delegationId, id), eq(delegationFields.held, true)));
  }

  async function holder(q: Conn, roomId: string, field: string): Promise<{ assigneeId: string; status: string } | undefined> {
    const [row] = await q.orm
      .select({ assigneeId: delegations.assigneeId, status: delegations.status })
      .from(delegationFields)
      .innerJoin(delegations, eq(delegations.id, delegationFields.delegationId))
      .where(and(eq(delegationFields.roomId, roomId), eq(delegationFields.field, field), eq(delegationFields.held, true)));
    return row;
  }

  /** Open delegations of a room (for badges, locks and the join answer). */
  async function openInRoom(tenantId: string, roomId: string): Promise<DelegationRow[]> {
    return asRows(
      await withNames(db)
        .where(and(eq(delegations.tenantId, tenantId), eq(delegations.roomId, roomId), inArray(delegations.status, ['pending', 'accepted', 'submitted', 'rejected'])))
        .orderBy(asc(delegations.createdAt)),
    );
  }

  async function list(
    tenantId: string,
    f: { userId: string; role: 'given' | 'received' | 'all'; status?: readonly string[] | undefined; roomId?: string | undefined; limit: number },
  ): Promise<DelegationRow[]> {
    const given = eq(delegations.delegatorId, f.userId);
    const received = eq(delegations.assigneeId, f.userId);
    const where = and(
      eq(delegations.tenantId, tenantId),
      f.role === 'given' ? given : f.role === 'received' ? received : or(given, received),
      f.status?.length ? inArray(delegations.status, [...f.status]) : undefined,
      f.roomId ? eq(delegations.roomId, f.roomId) : undefined,
    );
    return asRows(await withNames(db).where(where).orderBy(desc(delegations.updatedAt), asc(delegations.id)).limit(f.limit));
  }

  /** The page rights of these users, from their last token (the directory), read on `q` (a transaction's connection inside one). */
  async function permsOf(q: Conn, tenantId: string, userIds: string[]) {
    if (userIds.length === 0) return [];
    return q.orm.select({ id: users.id, perms: users.perms }).from(users).where(and(eq(users.tenantId, tenantId), inArray(users.id, userIds)));
  }

  return { insert, get, update, release, holder, openInRoom, list, permsOf };
}
export type DelegationStore = ReturnType<typeof createDelegationStore>;

/** The held fields of a room with their open delegation (the write guard's source of truth). */
export async function heldFields(q: Conn, roomId: string) {
  return q.orm
    .select({
      field: delegationFields.field,
      delegationId: delegations.id,
      assigneeId: delegations.assigneeId,
      assigneeName: users.displayName,
      status: sql<DelegationStatus>`${delegations.status}`,
    })
    .from(delegationFields)
    .innerJoin(delegations, eq(delegations.id, delegationFields.delegationId))
    .leftJoin(users, and(eq(users.tenantId, delegations.tenantId), eq(users.id, delegations.assigneeId)))
    .where(and(eq(delegationFields.roomId, roomId), eq(delegationFields.held, true)));
}
