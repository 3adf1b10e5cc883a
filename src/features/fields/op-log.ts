/**
 * The co-editing hot path: accept a text op (dedupe, transform over history, validate), then
 * commit it with everything else that arrived meanwhile, from any room, in one transaction
 * (adaptive group commit: one commit in flight, the rest ride the next batch), and only then
 * ack and broadcast.
 *
 * Each instance keeps a speculative head per field (committed text + ops accepted but not yet
 * committed). Postgres decides: the batch compares-and-sets each field's head version; a field
 * another instance moved loses, is reloaded from the log, and its ops are re-transformed over
 * each newly committed op in turn from their original submissions and retried (bounded).
 */
import { randomUUID } from 'node:crypto';
import type { Conn, Database } from '../../db/client.js';
import { createGroupCommit } from '../../db/group-commit.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../ports/log.js';
import { apply, checkTextOp, cpLength, diff, makeInvertible, transform, type TextOp } from '../../ot/text.js';
import { isTextKind } from './messages.js';
import type { BatchHead, BatchOp, FieldStore, OpRow } from './store.js';

export interface TextSubmit {
  tenantId: string;
  roomId: string;
  field: string;
  baseVersion: number;
  op: TextOp;
  clientId: string;
  seq: number;
  actor: string;
  actorName: string | null;
}

/** An op the batch made durable: the same shape it was written in. */
export type CommittedTextOp = BatchOp;

interface Pending {
  sub: TextSubmit;
  op: TextOp;
  version: number;
  textAfter: string;
  attempts: number;
  settled: boolean;
  resolve: (version: number) => void;
  reject: (err: unknown) => void;
  promise: Promise<number>;
}

interface LogEntry {
  version: number;
  op: TextOp;
  clientId: string;
  seq: number;
}

interface FieldState {
  key: string;
  tenantId: string;
  roomId: string;
  field: string;
  loaded: boolean;
  readOnly: boolean;
  committedVersion: number;
  committedText: string;
  /** Speculative head: committed + pending. */
  version: number;
  text: string;
  /** Committed ops kept in memory for transforms and dedup (the most recent LOG_WINDOW). */
  log: LogEntry[];
  pending: Pending[];
  /** Set when the field lost a race: nothing of it is queued until it has been reloaded. */
  stale: boolean;
  lock: Promise<unknown>;
  lastUsed: number;
}

export interface OpLogOptions {
  maxLength: number;
  snapshotInterval: number;
  maxBatchOps: number;
  maxWaitMs: number;
  /** How far back a submit may be based before it must resync. */
  maxTransformOps: number;
  log: Logger;
  /** Called after each commit with the ops it made durable, in version order per field. */
  onCommitted: (ops: CommittedTextOp[]) => void;
}

const LOG_WINDOW = 500;
const MAX_ATTEMPTS = 10;
const IDLE_EVICT_MS = 10 * 60_000;

/** Who writes: only code that re-bases on a saved record writes as 'system' (read-only fields too). */
export type Writer = 'client' | 'system';

/** A clientId no client can send (the wire pattern has no ':'), so a system op never dedups against a client's. */
export const systemClientId = () => `system:${randomUUID()}`;

export const fieldKey = (roomId: string, field: string) => `${roomId}\u0000${field}`;

export interface OpLogStats {
  lastBatchSize: number;
  /** Milliseconds spent in batch transactions (BEGIN … COMMIT). */
  commitMs: number;
  batches: number;
  ops: number;
  lostRaces: number;
  failedBatches: number;
}

export function createOpLog(db: Database, store: FieldStore, opts: OpLogOptions) {
  const states = new Map<string, FieldState>();
  let closed = false;
  // Recoveries commit outside the batches (under a field's row lock); they count too.
  const recovered = { batches: 0, ops: 0 };
  let lostRaces = 0;
  const gc = createGroupCommit<Pending>({
    name: 'op-log',
    maxBatch: opts.maxBatchOps,
    maxWaitMs: opts.maxWaitMs,
    gather: db.kind === 'pglite',
    log: opts.log,
    commit: commitBatch,
    // A failed batch: every field in it reloads from the log and re-accepts its ops (dedup finds any that did commit).
    parts: (batch) => [...groupByField(batch).values()],
    retry: async (part) => void recover(stateOfPending(part[0]!)),
  });
  const stats: OpLogStats = {
    get lastBatchSize() {
      return gc.stats.lastBatchSize;
    },
    get commitMs() {
      return gc.stats.commitMs;
    },
    get batches() {
      return gc.stats.batches + recovered.batches;
    },
    get ops() {
      return gc.stats.items + recovered.ops;
    },
    get lostRaces() {
      return lostRaces;
    },
    get failedBatches() {
      return gc.stats.failedBatches;
    },
  };

  function stateOf(tenantId: string, roomId: string, field: string): FieldState {
    const key = fieldKey(roomId, field);
    let st = states.get(key);
    if (!st) {
      st = { key, tenantId, roomId, field, loaded: false, readOnly: false, committedVersion: 0, committedText: '', version: 0, text: '', log: [], pending: [], stale: false, lock: Promise.resolve(), lastUsed: Date.now() };
      states.set(key, st);
    }
    st.lastUsed = Date.now();
    return st;
  }

  /** Runs fn with the field to itself on this instance; the chain survives fn's failures. */
  function locked<T>(st: FieldState, fn: () => Promise<T>): Promise<T> {
    const run = st.lock.then(fn, fn);
    st.lock = run.catch(() => undefined);
    return run;
  }

  async function load(st: FieldState, q: Conn = db): Promise<void> {
    const head = await store.head(q, st.roomId, st.field);
    if (!head) throw new AppError('not_found', `The form has no field "${st.field}"`);
    if (!isTextKind(head.kind)) throw new AppError('bad_request', `Field "${st.field}" is a ${head.kind} field; send its value with field:set`);
    st.readOnly = head.readOnly;
    let text = typeof head.value === 'string' ? head.value : '';
    const ops = await store.opsSince(q, st.roomId, st.field, head.valueVersion, 1_000_000);
    for (const o of ops) if (o.kind === 'text') text = apply(text, o.op as TextOp);
    const version = ops.length ? ops[ops.length - 1]!.version : head.valueVersion;
    st.committedText = text;
    st.committedVersion = version;
    st.text = text;
    st.version = version;
    st.log = ops.slice(-LOG_WINDOW).map(toLog);
    st.pending = [];
    st.loaded = true;
  }

  const toLog = (o: OpRow): LogEntry => ({ version: o.version, op: o.kind === 'text' ? (o.op as TextOp) : [], clientId: o.clientId, seq: o.seq });

  /** Committed ops after `base` (oldest first), from memory or the log. */
  async function committedSince(st: FieldState, base: number, q: Conn): Promise<LogEntry[]> {
    if (base >= st.committedVersion) return [];
    const first = st.log[0];
    if (first && first.version <= base + 1) return st.log.filter((e) => e.version > base);
    if (st.committedVersion - base > opts.maxTransformOps) {
      throw new AppError('version_conflict', `Your copy of "${st.field}" is ${st.committedVersion - base} versions behind; fetch the field again`, {
        field: st.field,
        version: st.committedVersion,
      });
    }
    const rows = await store.opsSince(q, st.roomId, st.field, base, st.committedVersion - base, st.committedVersion);
    // Retention pruned the ops after `base`: transforming over a partial history would corrupt the text.
    if (rows[0]?.version !== base + 1) {
      throw new AppError('version_conflict', `Your copy of "${st.field}" is older than the kept history; fetch the field again`, { field: st.field, version: st.committedVersion });
    }
    return rows.map(toLog);
  }

  /** Accepts one op into the speculative head (under the field lock); returns its commit promise. */
  /**
   * `writer` is decided by the caller in code (a client's op is always 'client'); nothing in the
   * submission itself can make a write a system one.
   */
  async function accept(st: FieldState, sub: TextSubmit, carried?: Pending, q: Conn = db, writer: Writer = 'client'): Promise<{ commit: Promise<number> }> {
    if (!st.loaded) await load(st, q);
    if (st.readOnly && !carried && writer !== 'system') throw new AppError('forbidden', `Field "${st.field}" is read-only`);
    const dup = st.pending.find((p) => p.sub.clientId === sub.clientId && p.sub.seq === sub.seq);
    if (dup) return { commit: dup.promise };
    if (sub.baseVersion > st.version) {
      // Another instance moved on: our cache is behind, not the client.
      if (st.pending.length > 0 && !carried) {
        // With our own ops still uncommitted we cannot just reload: recover (reload, then
        // re-accept everything uncommitted in order, this op last) does it under the row lock.
        const p = newPending(sub);
        st.pending.push(p);
        void recover(st);
        return { commit: p.promise };
      }
      await load(st, q);
      if (sub.baseVersion > st.version) {
        throw new AppError('bad_request', `baseVersion ${sub.baseVersion} is ahead of the field (version ${st.version})`, { field: st.field, version: st.version });
      }
    }
    const committed = await committedSince(st, sub.baseVersion, q);
    let op = sub.op;
    for (const h of committed) {
      if (h.clientId === sub.clientId && h.seq === sub.seq) return { commit: Promise.resolve(h.version) };
      op = transform(op, h.op, 'right');
    }
    for (const p of st.pending) if (p.version > sub.baseVersion) op = transform(op, p.op, 'right');
    const problem = checkTextOp(op, cpLength(st.text), opts.maxLength);
    if (problem) throw new AppError('validation_failed', `Op refused for "${st.field}": ${problem}`, { field: st.field, version: st.version });
    op = makeInvertible(op, st.text);
    const textAfter = apply(st.text, op);
    st.text = textAfter;
    st.version += 1;
    let p: Pending;
    if (carried) {
      p = carried;
      p.op = op;
      p.version = st.version;
      p.textAfter = textAfter;
    } else {
      p = newPending(sub);
      p.op = op;
      p.version = st.version;
      p.textAfter = textAfter;
    }
    st.pending.push(p);
    // A field being recovered re-accepts all of its pending ops itself, in order.
    if (!st.stale) gc.push(p);
    return { commit: p.promise };
  }

  function newPending(sub: TextSubmit): Pending {
    let resolve!: (v: number) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
    return { sub, op: sub.op, version: -1, textAfter: '', attempts: 0, settled: false, resolve, reject, promise };
  }

  function settle(p: Pending, versionOrError: number | Error) {
    if (p.settled) return;
    p.settled = true;
    if (typeof versionOrError === 'number') p.resolve(versionOrError);
    else p.reject(versionOrError);
  }

  const stateOfPending = (p: Pending) => states.get(fieldKey(p.sub.roomId, p.sub.field))!;

  function groupByField(list: Pending[]): Map<string, Pending[]> {
    const byField = new Map<string, Pending[]>();
    for (const p of list) {
      const k = fieldKey(p.sub.roomId, p.sub.field);
      const l = byField.get(k);
      if (l) l.push(p);
      else byField.set(k, [p]);
    }
    return byField;
  }

  function buildBatch(byField: Map<string, Pending[]>): { heads: BatchHead[]; ops: BatchOp[] } {
    const heads: BatchHead[] = [];
    const ops: BatchOp[] = [];
    for (const list of byField.values()) {
      const first = list[0]!;
      const last = list[list.length - 1]!;
      const oldVersion = first.version - 1;
      const n = opts.snapshotInterval;
      const snapshot = Math.floor(last.version / n) > Math.floor(oldVersion / n) ? { text: last.textAfter, version: last.version } : null;
      heads.push({ roomId: first.sub.roomId, field: first.sub.field, oldVersion, newVersion: last.version, actor: last.sub.actor, snapshot });
      for (const p of list) {
        ops.push({
          tenantId: p.sub.tenantId,
          roomId: p.sub.roomId,
          field: p.sub.field,
          version: p.version,
          op: p.op,
          clientId: p.sub.clientId,
          seq: p.sub.seq,
          actor: p.sub.actor,
          actorName: p.sub.actorName,
        });
      }
    }
    return { heads, ops };
  }

  /** After a commit: advance the committed heads, ack, then broadcast. */
  function committedFields(byField: Map<string, Pending[]>, won: Set<string>) {
    const committed: CommittedTextOp[] = [];
    for (const [k, list] of byField) {
      if (!won.has(k)) continue;
      const st = states.get(k)!;
      for (const p of list) {
        // A recovery may have reloaded the field meanwhile (already past these): never move back.
        if (p.version > st.committedVersion) {
          st.committedVersion = p.version;
          st.committedText = p.textAfter;
          st.log.push({ version: p.version, op: p.op, clientId: p.sub.clientId, seq: p.sub.seq });
        }
        const i = st.pending.indexOf(p);
        if (i >= 0) st.pending.splice(i, 1);
        committed.push({ ...p.sub, version: p.version, op: p.op });
      }
      if (st.log.length > LOG_WINDOW * 2) st.log = st.log.slice(-LOG_WINDOW);
    }
    for (const [k, list] of byField) if (won.has(k)) for (const p of list) settle(p, p.version);
    if (committed.length > 0) {
      try {
        opts.onCommitted(committed);
      } catch (err) {
        opts.log.error({ err }, 'broadcast after commit failed');
      }
    }
  }

  /** One batch from any rooms in one transaction: the database decides, per field, who won the compare-and-set. */
  async function commitBatch(batch: Pending[]): Promise<void> {
    const byField = groupByField(batch);
    const { heads, ops } = buildBatch(byField);
    // One statement is its own transaction (atomic, committed before its result returns): one
    // round trip instead of BEGIN / statement / COMMIT. On a busy machine each round trip waits for
    // the server's process to be scheduled again; the bench saw backends "idle in transaction"
    // after BEGIN far more often than running the batch.
    const won = await store.commitBatch(db, heads, ops);
    for (const k of byField.keys()) {
      if (!won.has(k)) {
        lostRaces++;
        void recover(states.get(k)!);
      }
    }
    committedFields(byField, won);
  }

  /**
   * A field lost a race (or its batch failed). Optimism failed once, so the retry is pessimistic:
   * in one transaction holding the field's head row lock, reload what the other instance
   * committed, re-accept our uncommitted ops from their original submissions (each transformed
   * over every newly committed op in turn), and commit them. Nobody can move the head meanwhile,
   * so this always makes progress; a failure here fails the ops (clients resend).
   */
  function recover(st: FieldState): Promise<void> {
    // Pull the field's later ops out of the queue now, so no batch commits them on a stale base.
    st.stale = true;
    gc.withdraw((p) => p.sub.roomId === st.roomId && p.sub.field === st.field);
    return locked(st, async () => {
      const redo = st.pending.filter((p) => !p.settled);
      let byField: Map<string, Pending[]> | null = null;
      try {
        byField = await db.transaction(async (tx) => {
          await store.head(tx, st.roomId, st.field, true);
          st.pending = [];
          st.loaded = false;
          await load(st, tx);
          for (const p of redo) {
            p.attempts += 1;
            if (p.attempts > MAX_ATTEMPTS) {
              settle(p, new AppError('unavailable', `Could not commit to "${st.field}" after ${MAX_ATTEMPTS} attempts; resend`));
              continue;
            }
            try {
              const out = (await accept(st, p.sub, p, tx)).commit;
              // A resend that turned out committed already resolves with its original version.
              if (out !== p.promise) void out.then((v) => settle(p, v), (e) => settle(p, e));
            } catch (err) {
              settle(p, err as Error);
            }
          }
          if (st.pending.length === 0) return null;
          const groups = groupByField(st.pending);
          const { heads, ops } = buildBatch(groups);
          const won = await store.commitBatch(tx, heads, ops);
          if (!won.has(st.key)) throw new Error('field head moved under its row lock');
          recovered.batches++;
          recovered.ops += ops.length;
          return groups;
        });
      } catch (err) {
        opts.log.warn({ err, field: st.field }, 'op-log recovery failed');
        for (const p of [...redo, ...st.pending]) settle(p, err instanceof AppError ? err : new AppError('unavailable', 'The database is unavailable; resend after reconnecting'));
        st.pending = [];
        st.loaded = false;
        st.stale = false;
        return;
      }
      st.stale = false;
      if (byField) committedFields(byField, new Set([st.key]));
    });
  }

  async function submit(sub: TextSubmit): Promise<number> {
    if (closed) throw new AppError('unavailable', 'The server is shutting down; resend after reconnecting');
    const st = stateOf(sub.tenantId, sub.roomId, sub.field);
    const { commit } = await locked(st, () => accept(st, sub));
    return commit;
  }

  /** The committed text and version, fresh from the database when another instance moved on. */
  async function current(tenantId: string, roomId: string, field: string, dbVersion?: number): Promise<{ text: string; version: number }> {
    const st = stateOf(tenantId, roomId, field);
    return locked(st, async () => {
      if (!st.loaded || (dbVersion !== undefined && dbVersion > st.committedVersion && st.pending.length === 0)) await load(st);
      return { text: st.committedText, version: st.committedVersion };
    });
  }

  /** Replaces a text field's content through the op path (re-basing on a saved record). */
  async function replace(tenantId: string, roomId: string, field: string, to: string, actor: string, actorName: string | null): Promise<number | null> {
    const st = stateOf(tenantId, roomId, field);
    const accepted = await locked(st, async () => {
      if (!st.loaded) await load(st);
      const op = diff(st.text, to);
      if (op.length === 0) return null;
      return accept(st, { tenantId, roomId, field, baseVersion: st.version, op, clientId: systemClientId(), seq: 1, actor, actorName }, undefined, db, 'system');
    });
    return accepted === null ? null : accepted.commit;
  }

  const sweeper = setInterval(() => {
    const cutoff = Date.now() - IDLE_EVICT_MS;
    for (const [k, st] of states) if (st.lastUsed < cutoff && st.pending.length === 0) states.delete(k);
  }, 60_000);
  sweeper.unref();

  async function close(): Promise<void> {
    closed = true;
    clearInterval(sweeper);
    await gc.close();
  }

  /** Drops cached state so the next access reloads from the database (tests, admin). */
  function forget(roomId: string, field: string) {
    const st = states.get(fieldKey(roomId, field));
    if (st && st.pending.length === 0) states.delete(st.key);
  }

  /** Drops every field with nothing pending: each reloads from the database on its next use. */
  function forgetIdle() {
    for (const [k, st] of states) if (st.pending.length === 0) states.delete(k);
  }

  return { submit, current, replace, close, forget, forgetIdle, stats };
}

export type OpLog = ReturnType<typeof createOpLog>;
