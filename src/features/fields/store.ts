/**
 * SQL of the form document. Raw SQL through the `Queryable` both drivers share (Postgres and
 * PGlite run the same text); the op-log batch is one statement per group commit.
 */
import type { Database, Queryable } from '../../db/client.js';
import type { TextOp } from '../../ot/text.js';
import type { FieldValue } from './messages.js';

export interface FieldHead {
  field: string;
  kind: string;
  readOnly: boolean;
  version: number;
  value: unknown;
  valueVersion: number;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface DocumentRow {
  roomId: string;
  tenantId: string;
  base: Record<string, FieldValue>;
  dirty: boolean;
  savedBy: string | null;
  savedByName: string | null;
  savedAt: Date | null;
  activeAt: Date;
}

export interface OpRow {
  field: string;
  version: number;
  kind: 'text' | 'set';
  op: unknown;
  clientId: string;
  seq: number;
  actor: string;
  actorName: string | null;
  at: Date;
}

/** One text op of a group-commit batch. */
export interface BatchOp {
  tenantId: string;
  roomId: string;
  field: string;
  version: number;
  op: TextOp;
  clientId: string;
  seq: number;
  actor: string;
  actorName: string | null;
}

/** One field's compare-and-set in a batch: old → new version, and a fresh snapshot when due. */
export interface BatchHead {
  roomId: string;
  field: string;
  oldVersion: number;
  newVersion: number;
  actor: string;
  snapshot: { text: string; version: number } | null;
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

const headOf = (r: Record<string, unknown>): FieldHead => ({
  field: r.field as string,
  kind: r.kind as string,
  readOnly: r.read_only as boolean,
  version: Number(r.version),
  value: r.value,
  valueVersion: Number(r.value_version),
  updatedBy: (r.updated_by as string | null) ?? null,
  updatedAt: toDate(r.updated_at),
});

const opOf = (r: Record<string, unknown>): OpRow => ({
  field: r.field as string,
  version: Number(r.version),
  kind: r.kind as 'text' | 'set',
  op: r.op,
  clientId: r.client_id as string,
  seq: Number(r.seq),
  actor: r.actor as string,
  actorName: (r.actor_name as string | null) ?? null,
  at: toDate(r.created_at),
});

const docOf = (r: Record<string, unknown>): DocumentRow => ({
  roomId: r.room_id as string,
  tenantId: r.tenant_id as string,
  base: (r.base ?? {}) as Record<string, FieldValue>,
  dirty: r.dirty as boolean,
  savedBy: (r.saved_by as string | null) ?? null,
  savedByName: (r.saved_by_name as string | null) ?? null,
  savedAt: r.saved_at ? toDate(r.saved_at) : null,
  activeAt: toDate(r.active_at),
});

const HEAD_COLS = 'field, kind, read_only, version, value, value_version, updated_by, updated_at';
const OP_COLS = 'field, version, kind, op, client_id, seq, actor, actor_name, created_at';

export function createFieldStore(db: Database) {
  async function getDocument(q: Queryable, roomId: string): Promise<DocumentRow | null> {
    const { rows } = await q.query(`SELECT * FROM form_documents WHERE room_id = $1`, [roomId]);
    return rows[0] ? docOf(rows[0]) : null;
  }

  async function heads(q: Queryable, roomId: string, fields?: string[]): Promise<FieldHead[]> {
    const { rows } = fields
      ? await q.query(`SELECT ${HEAD_COLS} FROM form_fields WHERE room_id = $1 AND field = ANY($2::text[]) ORDER BY field`, [roomId, fields])
      : await q.query(`SELECT ${HEAD_COLS} FROM form_fields WHERE room_id = $1 ORDER BY field`, [roomId]);
    return rows.map(headOf);
  }

  async function head(q: Queryable, roomId: string, field: string, lock = false): Promise<FieldHead | null> {
    const { rows } = await q.query(`SELECT ${HEAD_COLS} FROM form_fields WHERE room_id = $1 AND field = $2${lock ? ' FOR UPDATE' : ''}`, [roomId, field]);
    return rows[0] ? headOf(rows[0]) : null;
  }

  /** Creates the document and any fields it lacks; concurrent first joiners both succeed. */
  async function ensureDocument(
    q: Queryable,
    tenantId: string,
    roomId: string,
    base: Record<string, FieldValue>,
    fields: Array<{ name: string; kind: string; readOnly: boolean; value: unknown }>,
  ): Promise<void> {
    await q.query(`INSERT INTO form_documents (room_id, tenant_id, base) VALUES ($1, $2, $3::jsonb) ON CONFLICT (room_id) DO NOTHING`, [
      roomId,
      tenantId,
      JSON.stringify(base),
    ]);
    if (fields.length === 0) return;
    await q.query(
      `INSERT INTO form_fields (room_id, field, tenant_id, kind, read_only, value)
       SELECT $1, f.field, $2, f.kind, f.read_only, f.value::jsonb
       FROM unnest($3::text[], $4::text[], $5::boolean[], $6::text[]) AS f(field, kind, read_only, value)
       ON CONFLICT (room_id, field) DO NOTHING`,
      [roomId, tenantId, fields.map((f) => f.name), fields.map((f) => f.kind), fields.map((f) => f.readOnly), fields.map((f) => JSON.stringify(f.value ?? null))],
    );
  }

  async function opsSince(q: Queryable, roomId: string, field: string, since: number, limit: number, upTo?: number): Promise<OpRow[]> {
    const { rows } = await q.query(
      `SELECT ${OP_COLS} FROM field_ops WHERE room_id = $1 AND field = $2 AND version > $3${upTo !== undefined ? ' AND version <= $5' : ''}
       ORDER BY version LIMIT $4`,
      upTo !== undefined ? [roomId, field, since, limit, upTo] : [roomId, field, since, limit],
    );
    return rows.map(opOf);
  }

  async function findOp(q: Queryable, clientId: string, seq: number): Promise<(OpRow & { roomId: string }) | null> {
    const { rows } = await q.query(`SELECT room_id::text AS room_id, ${OP_COLS} FROM field_ops WHERE client_id = $1 AND seq = $2`, [clientId, seq]);
    return rows[0] ? { ...opOf(rows[0]), roomId: rows[0].room_id as string } : null;
  }

  /**
   * The group commit: one statement compares-and-sets every field head in the batch and inserts
   * the ops of the fields that won; a field whose head moved (another instance committed) is
   * left out entirely and reported lost. Returns the fields that won.
   * Raw SQL on purpose (the measured hot path): a multi-row `unnest` statement through raw pg
   * holds ack p50 < 1 ms up to 50 k ops/s on 2 cores, where Drizzle's builder cost ~10× the CPU
   * per row on the same batch inserts (docs/DESIGN.md, performance notes; `npm run bench 20`).
   */
  async function commitBatch(q: Queryable, headsIn: BatchHead[], ops: BatchOp[]): Promise<Set<string>> {
    const { rows } = await q.query<{ room_id: string; field: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int[])
           AS u(room_id, field, old_version, new_version, actor, snap_text, snap_version)
       ), won AS (
         UPDATE form_fields f
            SET version = i.new_version, updated_by = i.actor, updated_at = now(),
                value = CASE WHEN i.snap_version IS NULL THEN f.value ELSE to_jsonb(i.snap_text) END,
                value_version = COALESCE(i.snap_version, f.value_version)
           FROM input i
          WHERE f.room_id = i.room_id AND f.field = i.field AND f.version = i.old_version
         RETURNING f.room_id, f.field
       ), ins AS (
         INSERT INTO field_ops (tenant_id, room_id, field, version, kind, op, client_id, seq, actor, actor_name)
         SELECT o.tenant_id, o.room_id, o.field, o.version, 'text', o.op::jsonb, o.client_id, o.seq, o.actor, o.actor_name
           FROM unnest($8::text[], $9::uuid[], $10::text[], $11::int[], $12::text[], $13::text[], $14::int[], $15::text[], $16::text[])
             AS o(tenant_id, room_id, field, version, op, client_id, seq, actor, actor_name)
           JOIN won w ON w.room_id = o.room_id AND w.field = o.field
         RETURNING 1
       ), docs AS (
         UPDATE form_documents d SET dirty = true, active_at = now()
          WHERE d.room_id IN (SELECT DISTINCT room_id FROM won)
       )
       SELECT w.room_id::text AS room_id, w.field, (SELECT count(*) FROM ins) AS inserted FROM won w`,
      [
        headsIn.map((h) => h.roomId),
        headsIn.map((h) => h.field),
        headsIn.map((h) => h.oldVersion),
        headsIn.map((h) => h.newVersion),
        headsIn.map((h) => h.actor),
        headsIn.map((h) => h.snapshot?.text ?? null),
        headsIn.map((h) => h.snapshot?.version ?? null),
        ops.map((o) => o.tenantId),
        ops.map((o) => o.roomId),
        ops.map((o) => o.field),
        ops.map((o) => o.version),
        ops.map((o) => JSON.stringify(o.op)),
        ops.map((o) => o.clientId),
        ops.map((o) => o.seq),
        ops.map((o) => o.actor),
        ops.map((o) => o.actorName),
      ],
    );
    return new Set(rows.map((r) => `${r.room_id}\u0000${r.field}`));
  }

  /** A value write: compare-and-set on the head, then the op row; null when the head moved. */
  async function setValue(
    q: Queryable,
    w: { tenantId: string; roomId: string; field: string; baseVersion: number; value: unknown; clientId: string; seq: number; actor: string; actorName: string | null },
  ): Promise<number | null> {
    const { rows } = await q.query<{ version: number }>(
      `UPDATE form_fields SET version = version + 1, value = $4::jsonb, value_version = version + 1, updated_by = $5, updated_at = now()
        WHERE room_id = $1 AND field = $2 AND version = $3 RETURNING version`,
      [w.roomId, w.field, w.baseVersion, JSON.stringify(w.value), w.actor],
    );
    if (!rows[0]) return null;
    const version = Number(rows[0].version);
    await q.query(
      `INSERT INTO field_ops (tenant_id, room_id, field, version, kind, op, client_id, seq, actor, actor_name)
       VALUES ($1, $2, $3, $4, 'set', $5::jsonb, $6, $7, $8, $9)`,
      [w.tenantId, w.roomId, w.field, version, JSON.stringify({ value: w.value }), w.clientId, w.seq, w.actor, w.actorName],
    );
    await q.query(`UPDATE form_documents SET dirty = true, active_at = now() WHERE room_id = $1`, [w.roomId]);
    return version;
  }

  async function insertConflict(
    q: Queryable,
    c: { tenantId: string; roomId: string; field: string; userId: string; baseVersion: number; currentVersion: number; mine: unknown; theirs: unknown; theirAuthor: string | null },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO field_conflicts (tenant_id, room_id, field, user_id, base_version, current_version, mine, theirs, their_author)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9) RETURNING id::text AS id`,
      [c.tenantId, c.roomId, c.field, c.userId, c.baseVersion, c.currentVersion, JSON.stringify(c.mine), JSON.stringify(c.theirs), c.theirAuthor],
    );
    return rows[0]!.id;
  }

  async function getConflict(q: Queryable, roomId: string, id: string) {
    const { rows } = await q.query(`SELECT * FROM field_conflicts WHERE room_id = $1 AND id = $2`, [roomId, id]);
    return rows[0] ? conflictOf(rows[0]) : null;
  }

  async function resolveConflict(q: Queryable, id: string, r: { resolution: string; value: unknown; version: number | null }): Promise<boolean> {
    const { rows } = await q.query(
      `UPDATE field_conflicts SET resolution = $2, resolved_value = $3::jsonb, resolved_version = $4, resolved_at = now()
        WHERE id = $1 AND resolution IS NULL RETURNING id`,
      [id, r.resolution, JSON.stringify(r.value ?? null), r.version],
    );
    return rows.length > 0;
  }

  async function listConflicts(roomId: string, limit: number) {
    const { rows } = await db.query(`SELECT * FROM field_conflicts WHERE room_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [roomId, limit]);
    return rows.map(conflictOf);
  }

  async function history(roomId: string, field: string, opts: { before?: number | undefined; limit: number }): Promise<OpRow[]> {
    const { rows } = await db.query(
      `SELECT ${OP_COLS} FROM field_ops WHERE room_id = $1 AND field = $2 AND ($3::int IS NULL OR version < $3) ORDER BY version DESC LIMIT $4`,
      [roomId, field, opts.before ?? null, opts.limit],
    );
    return rows.map(opOf);
  }

  async function markSaved(q: Queryable, roomId: string, base: Record<string, FieldValue>, by: { id: string; name: string | null }): Promise<void> {
    await q.query(
      `UPDATE form_documents SET base = $2::jsonb, dirty = false, saved_by = $3, saved_by_name = $4, saved_at = now(), active_at = now() WHERE room_id = $1`,
      [roomId, JSON.stringify(base), by.id, by.name],
    );
  }

  async function touch(roomId: string): Promise<void> {
    await db.query(`UPDATE form_documents SET active_at = now() WHERE room_id = $1`, [roomId]);
  }

  /** Who wrote the room's form lately (user writes of the last 90 days), latest write first per person. */
  async function recentEditors(roomId: string): Promise<Array<{ userId: string; at: number }>> {
    const { rows } = await db.query<{ userId: string; at: Date }>(
      `SELECT substring(actor from 6) AS "userId", max(created_at) AS at FROM field_ops
       WHERE room_id = $1 AND actor LIKE 'user:%' AND created_at > now() - interval '90 days' GROUP BY actor`,
      [roomId],
    );
    return rows.map((r) => ({ userId: r.userId, at: new Date(r.at).getTime() }));
  }

  /**
   * Retention: deletes up to `limit` ops older than `cutoff` that no rebuild needs — at or below
   * their field's snapshot (`value_version`) and never a field's latest op (its author is shown).
   * Clients further behind than what is kept get the snapshot instead (fetchOps, committedSince).
   */
  async function pruneOps(q: Queryable, cutoff: Date, limit: number): Promise<number> {
    const { rows } = await q.query(
      `WITH doomed AS (
         SELECT o.id FROM field_ops o JOIN form_fields f ON f.room_id = o.room_id AND f.field = o.field
          WHERE o.created_at < $1 AND o.version <= f.value_version AND o.version < f.version
          LIMIT $2)
       DELETE FROM field_ops WHERE id IN (SELECT id FROM doomed) RETURNING 1`,
      [cutoff, limit],
    );
    return rows.length;
  }

  return { pruneOps, getDocument, heads, head, ensureDocument, opsSince, findOp, commitBatch, setValue, insertConflict, getConflict, resolveConflict, listConflicts, history, recentEditors, markSaved, touch };
}

export type FieldStore = ReturnType<typeof createFieldStore>;

export interface ConflictRow {
  id: string;
  field: string;
  userId: string;
  baseVersion: number;
  currentVersion: number;
  mine: unknown;
  theirs: unknown;
  theirAuthor: string | null;
  resolution: string | null;
  resolvedValue: unknown;
  resolvedVersion: number | null;
  createdAt: Date;
  resolvedAt: Date | null;
}

const conflictOf = (r: Record<string, unknown>): ConflictRow => ({
  id: String(r.id),
  field: r.field as string,
  userId: r.user_id as string,
  baseVersion: Number(r.base_version),
  currentVersion: Number(r.current_version),
  mine: r.mine,
  theirs: r.theirs,
  theirAuthor: (r.their_author as string | null) ?? null,
  resolution: (r.resolution as string | null) ?? null,
  resolvedValue: r.resolved_value ?? null,
  resolvedVersion: r.resolved_version === null || r.resolved_version === undefined ? null : Number(r.resolved_version),
  createdAt: toDate(r.created_at),
  resolvedAt: r.resolved_at ? toDate(r.resolved_at) : null,
});
