import type { Config } from '../../config.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { cpLength, type TextOp } from '../../ot/text.js';
import type { Broadcast } from '../../ports/broadcast.js';
import { actorId, type AppCaller, type Caller, need, type RoomGrant, systemCaller } from '../../ports/caller.js';
import type { Logger } from '../../ports/log.js';
import type { Peers } from '../../ports/peers.js';
import type { JoinContext, Rooms } from '../rooms/service.js';
import { decideDraft, sameValue } from './document.js';
import { type FieldValue, isTextKind, type WireOp } from './messages.js';
import { type CommittedTextOp, createOpLog, systemClientId } from './op-log.js';
import { routeToOwners } from './owner-routing.js';
import type { FieldHead, FieldStore, OpRow } from './store.js';

export interface Actor {
  /** 'user:<id>', 'app:<key id>' or 'system:<name>'. */
  id: string;
  name: string | null;
}

/** What a published event needs; wired to app.events when that feature is present. */
export type PublishFn = (q: Conn, e: { tenantId: string; type: string; roomId: string | null; pageKey: string | null; actor: { type: 'user' | 'app' | 'system'; id: string }; data: Record<string, unknown> }) => Promise<unknown>;

export interface FieldsDeps {
  db: Database;
  store: FieldStore;
  rooms: Rooms;
  broadcast: Broadcast;
  config: Config['fields'];
  log: Logger;
  publish?: PublishFn | undefined;
  /** The other instances: with config.ownerRouting, a room's text ops go to its owning instance. */
  peers?: Peers | undefined;
  now?: () => Date;
}

export type Fields = ReturnType<typeof createFields>;

const actorOf = (c: Caller): Actor => ({ id: actorId(c), name: c.name });

/** A committed op as clients receive it (broadcast, catch-up, history). */
export function wireOp(o: OpRow | (CommittedTextOp & { kind?: 'text' })): WireOp {
  const kind = 'kind' in o && o.kind === 'set' ? 'set' : 'text';
  const base = { field: o.field, version: o.version, clientId: o.clientId, seq: o.seq, by: { id: o.actor, name: o.actorName } };
  return kind === 'set' ? { ...base, kind, value: (o.op as { value: unknown }).value } : { ...base, kind, op: o.op as TextOp };
}

export function createFields(d: FieldsDeps) {
  const { db, store, rooms, config, log } = d;
  const now = d.now ?? (() => new Date());

  const broadcast = (tenantId: string, roomId: string, ops: unknown[]) => d.broadcast.toRoom(tenantId, roomId, 'field:ops', { roomId, ops });

  const opLog = createOpLog(db, store, {
    maxLength: config.maxLength,
    snapshotInterval: config.snapshotInterval,
    maxBatchOps: config.groupCommitMaxOps,
    maxWaitMs: config.groupCommitMaxWaitMs,
    maxTransformOps: Math.max(config.catchUpMaxOps * 10, 10_000),
    log,
    onCommitted(ops) {
      // One message per room per batch: the frame is encoded once for all its members.
      const byRoom = new Map<string, { tenantId: string; ops: unknown[] }>();
      for (const o of ops) {
        const r = byRoom.get(o.roomId) ?? { tenantId: o.tenantId, ops: [] };
        r.ops.push(wireOp(o));
        byRoom.set(o.roomId, r);
      }
      for (const [roomId, r] of byRoom) broadcast(r.tenantId, roomId, r.ops);
    },
  });

  const writer = config.ownerRouting && d.peers ? routeToOwners(opLog, d.peers, log) : opLog;

  /** An event of the caller's room, in q (on PGlite the transaction holds the only connection). */
  async function publish(q: Conn, c: Caller, room: RoomGrant, type: string, data: Record<string, unknown>) {
    if (!d.publish) return;
    await d.publish(q, { tenantId: c.tenantId, type, roomId: room.roomId, pageKey: room.pageKey, actor: { type: c.kind, id: c.id }, data });
  }

  async function authorOf(q: Conn, roomId: string, h: FieldHead): Promise<Actor | null> {
    if (h.version === 0) return null;
    const [o] = await store.opsSince(q, roomId, h.field, h.version - 1, 1);
    return o ? { id: o.actor, name: o.actorName } : h.updatedBy ? { id: h.updatedBy, name: null } : null;
  }

  /** The caller may write the room, and `field` now (nobody else holds it through a delegation). */
  async function writable(c: Caller, field: string): Promise<RoomGrant> {
    const room = need(c, 'write');
    await rooms.assertFieldWritable({ tenantId: c.tenantId, roomId: room.roomId, field, userId: c.id });
    return room;
  }

  function checkValue(kind: string, field: string, value: FieldValue) {
    if (typeof value === 'string' && cpLength(value) > config.maxLength) {
      throw new AppError('payload_too_large', `Value of "${field}" exceeds ${config.maxLength} characters`);
    }
    // A lone checkbox is true/false; a group sharing one name (Django CheckboxSelectMultiple) is the list of checked values.
    if (kind === 'checkbox' && typeof value !== 'boolean' && value !== null && !Array.isArray(value)) {
      throw new AppError('validation_failed', `Field "${field}" is a checkbox: send true or false, or the checked values of a group`);
    }
  }

  // ——— text ops ———

  async function submitOp(c: Caller, m: { roomId: string; field: string; baseVersion: number; op: TextOp; clientId: string; seq: number }) {
    await writable(c, m.field);
    const version = await writer.submit({ tenantId: c.tenantId, ...m, actor: actorId(c), actorName: c.name });
    return { version };
  }

  /** What a client missed: the committed ops after `since`, or a snapshot when it is too far behind. */
  async function fetchOps(c: Caller, m: { roomId: string; field: string; since: number; snapshotOk: boolean; snapshot: boolean }) {
    need(c, 'read');
    const head = await store.head(db, m.roomId, m.field);
    if (!head) throw new AppError('not_found', `The form has no field "${m.field}"`);
    if (m.since > head.version) throw new AppError('bad_request', `since ${m.since} is ahead of the field (version ${head.version})`);
    if (!isTextKind(head.kind)) return { version: head.version, snapshot: { value: head.value, version: head.version }, ops: [], more: false };
    if (m.snapshot || (m.snapshotOk && head.version - m.since > config.catchUpMaxOps)) {
      const cur = await opLog.current(c.tenantId, m.roomId, m.field, head.version);
      return { version: cur.version, snapshot: { value: cur.text, version: cur.version }, ops: [], more: false };
    }
    const ops = await store.opsSince(db, m.roomId, m.field, m.since, config.catchUpMaxOps);
    if (m.since < head.version && ops[0]?.version !== m.since + 1) {
      // Older than the kept history (FIELD_OP_RETENTION_SECONDS): only the snapshot can bring this client up to date.
      if (!m.snapshotOk) throw new AppError('version_conflict', `Your copy of "${m.field}" is older than the kept history; start over from the current text`, { field: m.field, version: head.version });
      const cur = await opLog.current(c.tenantId, m.roomId, m.field, head.version);
      return { version: cur.version, snapshot: { value: cur.text, version: cur.version }, ops: [], more: false };
    }
    return { version: head.version, ops: ops.map(wireOp), more: ops.length === config.catchUpMaxOps };
  }

  // ——— values ———

  type WriteOutcome = { version: number; unchanged?: true } | { conflict: { id: string; current: { value: unknown; version: number; by: Actor | null } } };

  async function writeValue(
    q: Conn,
    w: { tenantId: string; roomId: string; field: string; baseVersion: number; value: FieldValue; clientId: string; seq: number; actor: Actor; userId: string; force?: boolean },
  ): Promise<WriteOutcome> {
    const head = await store.head(q, w.roomId, w.field, true);
    if (!head) throw new AppError('not_found', `The form has no field "${w.field}"`);
    if (isTextKind(head.kind)) throw new AppError('bad_request', `Field "${w.field}" is co-edited as text; send ops with field:op`);
    if (head.readOnly && !w.force) throw new AppError('forbidden', `Field "${w.field}" is read-only`);
    checkValue(head.kind, w.field, w.value);
    if (w.baseVersion > head.version && !w.force) {
      throw new AppError('bad_request', `baseVersion ${w.baseVersion} is ahead of the field (version ${head.version})`);
    }
    // Both people chose the same value: nothing to decide and nothing to write.
    if (head.version !== w.baseVersion && !w.force && sameValue(head.value, w.value)) return { version: head.version, unchanged: true };
    if (head.version !== w.baseVersion && !w.force) {
      const by = await authorOf(q, w.roomId, head);
      const id = await store.insertConflict(q, {
        tenantId: w.tenantId,
        roomId: w.roomId,
        field: w.field,
        userId: w.userId,
        baseVersion: w.baseVersion,
        currentVersion: head.version,
        mine: w.value,
        theirs: head.value,
        theirAuthor: by?.id ?? null,
      });
      return { conflict: { id, current: { value: head.value, version: head.version, by } } };
    }
    const version = await store.setValue(q, { ...w, baseVersion: head.version, actor: w.actor.id, actorName: w.actor.name });
    if (version === null) throw new AppError('internal', 'field head moved under a row lock');
    return { version };
  }

  function broadcastSet(tenantId: string, roomId: string, field: string, version: number, value: unknown, clientId: string, seq: number, actor: Actor, labels?: Record<string, string>) {
    broadcast(tenantId, roomId, [{ field, version, kind: 'set', value, ...(labels ? { labels } : {}), clientId, seq, by: { id: actor.id, name: actor.name } }]);
  }

  /** A resend of an already committed write answers with its original version. */
  async function already(roomId: string, field: string, clientId: string, seq: number): Promise<number | null> {
    const prior = await store.findOp(db, clientId, seq);
    if (!prior) return null;
    if (prior.roomId !== roomId || prior.field !== field) throw new AppError('conflict', `clientId/seq ${clientId}/${seq} was already used for another field`);
    return prior.version;
  }

  async function setValue(c: Caller, m: { roomId: string; field: string; baseVersion: number; value: FieldValue; labels?: Record<string, string> | undefined; clientId: string; seq: number }) {
    const room = await writable(c, m.field);
    const prior = await already(m.roomId, m.field, m.clientId, m.seq);
    if (prior !== null) return { version: prior };
    const tenantId = c.tenantId;
    const actor = actorOf(c);
    const out = await db.transaction(async (tx) => {
      const r = await writeValue(tx, { tenantId, ...m, actor, userId: c.id });
      if ('conflict' in r) await publish(tx, c, room, 'field.conflict', { field: m.field, conflictId: r.conflict.id, baseVersion: m.baseVersion, currentVersion: r.conflict.current.version });
      return r;
    });
    if ('conflict' in out) {
      throw new AppError('version_conflict', `"${m.field}" was changed by ${out.conflict.current.by?.name ?? 'someone else'} since you loaded it; keep yours, take theirs or merge`, {
        conflictId: out.conflict.id,
        field: m.field,
        mine: m.value,
        current: out.conflict.current,
      });
    }
    if (!out.unchanged) broadcastSet(tenantId, m.roomId, m.field, out.version, m.value, m.clientId, m.seq, actor, m.labels);
    return { version: out.version };
  }

  async function resolveConflict(caller: Caller, m: { roomId: string; conflictId: string; choice: 'mine' | 'theirs' | 'merge'; value?: FieldValue | undefined; clientId: string; seq: number }) {
    need(caller, 'write');
    const c = await store.getConflict(db, m.roomId, m.conflictId);
    if (!c) throw new AppError('not_found', 'No such conflict in this room');
    if (caller.kind !== 'user' || c.userId !== caller.id) throw new AppError('forbidden', 'Only the writer who met this conflict resolves it');
    if (c.resolution !== null) return { resolution: c.resolution, version: c.resolvedVersion };
    const tenantId = caller.tenantId;
    const actor = actorOf(caller);
    if (m.choice === 'theirs') {
      await store.resolveConflict(db, c.id, { resolution: 'theirs', value: c.theirs, version: c.currentVersion });
      return { resolution: 'theirs', version: c.currentVersion };
    }
    await writable(caller, c.field);
    const value = (m.value ?? c.mine) as FieldValue;
    const out = await db.transaction(async (tx) => {
      const r = await writeValue(tx, { tenantId, roomId: m.roomId, field: c.field, baseVersion: c.currentVersion, value, clientId: m.clientId, seq: m.seq, actor, userId: caller.id });
      if ('version' in r) await store.resolveConflict(tx, c.id, { resolution: m.choice, value, version: r.version });
      return r;
    });
    if ('conflict' in out) {
      throw new AppError('version_conflict', `"${c.field}" changed again meanwhile; choose again`, { conflictId: out.conflict.id, field: c.field, mine: value, current: out.conflict.current });
    }
    if (!out.unchanged) broadcastSet(tenantId, m.roomId, c.field, out.version, value, m.clientId, m.seq, actor);
    return { resolution: m.choice, version: out.version };
  }

  // ——— the document, saves and re-basing ———

  /** Brings the document to saved `values`: text through ops (concurrent edits transform over it), others by forced writes. */
  async function rebase(tenantId: string, roomId: string, values: Record<string, FieldValue>, actor: Actor): Promise<string[]> {
    const heads = await store.heads(db, roomId, Object.keys(values));
    const changed: string[] = [];
    await Promise.all(
      heads.map(async (h) => {
        const v = values[h.field] ?? null;
        if (isTextKind(h.kind)) {
          const text = typeof v === 'string' ? v : v === null ? '' : String(v);
          if (cpLength(text) > config.maxLength) throw new AppError('payload_too_large', `Value of "${h.field}" exceeds ${config.maxLength} characters`);
          const version = await writer.replace(tenantId, roomId, h.field, text, actor.id, actor.name);
          if (version !== null) changed.push(h.field);
          return;
        }
        const clientId = systemClientId();
        const out = await db.transaction(async (tx) => {
          const cur = await store.head(tx, roomId, h.field, true);
          if (!cur || JSON.stringify(cur.value) === JSON.stringify(v)) return null;
          return writeValue(tx, { tenantId, roomId, field: h.field, baseVersion: cur.version, value: v, clientId, seq: 1, actor, userId: actor.id, force: true });
        });
        if (out && 'version' in out) {
          changed.push(h.field);
          broadcastSet(tenantId, roomId, h.field, out.version, v, clientId, 1, actor);
        }
      }),
    );
    return changed.sort();
  }

  async function documentValues(tenantId: string, roomId: string) {
    const heads = await store.heads(db, roomId);
    const fields: Record<string, { kind: string; value: unknown; version: number; readOnly: boolean; by: Actor | null }> = {};
    await Promise.all(
      heads.map(async (h) => {
        let value = h.value;
        let version = h.version;
        if (isTextKind(h.kind)) {
          const cur = await opLog.current(tenantId, roomId, h.field, h.version);
          value = cur.text;
          version = cur.version;
        }
        fields[h.field] = { kind: h.kind, value, version, readOnly: h.readOnly, by: h.updatedBy ? { id: h.updatedBy, name: null } : null };
      }),
    );
    return fields;
  }

  async function othersPresent(tenantId: string, roomId: string, self: string): Promise<boolean> {
    try {
      const conns = await d.broadcast.connectionsIn(tenantId, roomId);
      return conns.some((id) => id !== self);
    } catch {
      return true; // unknown: never discard someone's draft on a guess
    }
  }

  /**
   * room:join hook: seeds the document from the first writer's page; answers with the current one.
   * Page values are whatever the client says the page shows, so only a joiner who may write shapes
   * the document (seeds it, adds fields, re-bases it): a reader's join would otherwise write fields.
   */
  async function onJoin(ctx: JoinContext) {
    const { conn, caller, room, context, membership } = ctx;
    const tenantId = caller.tenantId;
    const page: Record<string, FieldValue> = {};
    for (const f of context.fields) {
      if (f.value === undefined) continue;
      checkValue(f.kind, f.name, f.value);
      page[f.name] = f.value;
    }
    const existing = await store.getDocument(db, room.id);
    if (!membership.rights.includes('write')) {
      if (!existing) return { fields: {}, dirty: false, saved: null, draft: null };
      return documentAnswer(tenantId, room.id, null);
    }
    await store.ensureDocument(
      db,
      tenantId,
      room.id,
      page,
      context.fields.map((f) => ({ name: f.name, kind: f.kind, readOnly: f.readOnly, value: f.value ?? (isTextKind(f.kind) ? '' : null) })),
    );
    let draft: { fields: string[]; base: Record<string, FieldValue>; editedAt: string } | null = null;
    if (existing) {
      const decision = decideDraft({
        base: existing.base,
        page,
        dirty: existing.dirty,
        activeAt: existing.activeAt,
        othersPresent: await othersPresent(tenantId, room.id, conn.id),
        retentionSeconds: config.draftRetentionSeconds,
        now: now(),
      });
      if (decision.kind === 'rebase') {
        // The page's values are the joiner's say-so: a field they may not write now (delegated to
        // someone else, under review) keeps the document's value.
        const fields = await writableFields(tenantId, room.id, decision.fields, caller.id);
        if (fields.length > 0) {
          const values = Object.fromEntries(fields.map((f) => [f, page[f]!]));
          await rebase(tenantId, room.id, values, actorOf(systemCaller(tenantId, 'saved-record')));
          await store.markSaved(db, room.id, { ...existing.base, ...values }, { id: existing.savedBy ?? 'system', name: existing.savedByName });
        }
      } else if (decision.kind === 'offer') {
        draft = { fields: decision.fields, base: existing.base, editedAt: existing.activeAt.toISOString() };
      }
    }
    return documentAnswer(tenantId, room.id, draft);
  }

  async function writableFields(tenantId: string, roomId: string, fields: string[], userId: string): Promise<string[]> {
    const out: string[] = [];
    for (const field of fields) {
      try {
        await rooms.assertFieldWritable({ tenantId, roomId, field, userId });
        out.push(field);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'forbidden')) throw err;
      }
    }
    return out;
  }

  async function documentAnswer(tenantId: string, roomId: string, draft: { fields: string[]; base: Record<string, FieldValue>; editedAt: string } | null) {
    const doc = (await store.getDocument(db, roomId))!;
    return {
      fields: await documentValues(tenantId, roomId),
      dirty: doc.dirty,
      saved: doc.savedAt ? { by: { id: doc.savedBy, name: doc.savedByName }, at: doc.savedAt.toISOString() } : null,
      draft,
    };
  }

  async function draftChoice(c: Caller, m: { roomId: string; choice: 'continue' | 'saved'; values?: Record<string, FieldValue> | undefined }) {
    need(c, m.choice === 'saved' ? 'write' : 'read');
    const tenantId = c.tenantId;
    if (m.choice === 'continue') {
      await store.touch(m.roomId);
      return { rebased: [] as string[] };
    }
    if (!m.values) throw new AppError('validation_failed', 'Starting from the saved record needs the saved values the page shows');
    for (const f of Object.keys(m.values)) await rooms.assertFieldWritable({ tenantId, roomId: m.roomId, field: f, userId: c.id });
    const actor = actorOf(c);
    const rebased = await rebase(tenantId, m.roomId, m.values, actor);
    const doc = await store.getDocument(db, m.roomId);
    await store.markSaved(db, m.roomId, { ...(doc?.base ?? {}), ...m.values }, { id: doc?.savedBy ?? actor.id, name: doc?.savedByName ?? actor.name });
    return { rebased };
  }

  /** "Alice saved": the host form was submitted. */
  async function saved(c: Caller, m: { roomId: string; values?: Record<string, FieldValue> | undefined }) {
    const room = need(c, 'write');
    const tenantId = c.tenantId;
    const actor = actorOf(c);
    const values: Record<string, FieldValue> = m.values ?? {};
    if (!m.values) for (const [k, f] of Object.entries(await documentValues(tenantId, m.roomId))) values[k] = f.value as FieldValue;
    const at = now().toISOString();
    await db.transaction(async (tx) => {
      await store.markSaved(tx, m.roomId, values, { id: c.id, name: actor.name });
      await publish(tx, c, room, 'form.saved', { values });
    });
    const by = { id: c.id, name: actor.name };
    d.broadcast.toRoom(tenantId, m.roomId, 'form:saved', { roomId: m.roomId, by, at });
    return { at };
  }

  /** REST: the business app saved the record; the room hears it and the document re-bases on it. */
  async function recordChanged(caller: AppCaller, m: { pageKey: string; values: Record<string, FieldValue>; savedBy?: string | undefined }) {
    const tenantId = caller.tenantId;
    const app = actorOf(caller);
    const room = await rooms.store.getByKey(tenantId, m.pageKey);
    if (!room || !(await store.getDocument(db, room.id))) {
      // Nobody has this page open: no document to re-base, but webhooks and the stream still hear it.
      if (d.publish) {
        await db.transaction((tx) =>
          d.publish!(tx, { tenantId, type: 'record.changed', roomId: null, pageKey: m.pageKey, actor: { type: 'app', id: caller.id }, data: { values: m.values, rebased: [], savedBy: m.savedBy ?? null } }),
        );
      }
      return { roomId: room?.id ?? null, rebased: [] as string[] };
    }
    const rebased = await rebase(tenantId, room.id, m.values, app);
    const doc = await store.getDocument(db, room.id);
    const at = now().toISOString();
    await db.transaction(async (tx) => {
      await store.markSaved(tx, room.id, { ...(doc?.base ?? {}), ...m.values }, { id: m.savedBy ?? app.id, name: m.savedBy ?? null });
      await publish(tx, caller, { roomId: room.id, pageKey: room.pageKey, rights: [] }, 'record.changed', { values: m.values, rebased, savedBy: m.savedBy ?? null });
    });
    d.broadcast.toRoom(tenantId, room.id, 'form:record-changed', { roomId: room.id, values: m.values, rebased, savedBy: m.savedBy ?? null, at });
    return { roomId: room.id, rebased };
  }

  return {
    opLog,
    submitOp,
    fetchOps,
    setValue,
    resolveConflict,
    onJoin,
    draftChoice,
    saved,
    recordChanged,
    rebase,
    history: store.history,
    recentEditors: store.recentEditors,
    conflicts: store.listConflicts,
    close: () => opLog.close(),
  };
}
