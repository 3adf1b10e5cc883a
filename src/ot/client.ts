/**
 * The client side of one collaborative text field, pure (no I/O): what the overlay, the tests
 * and the benchmark all run. One op in flight at a time; local edits made meanwhile are composed
 * into `pending`. Every committed op — someone else's, or the ack of our own — is processed
 * strictly in version order; anything ahead of a gap is buffered until the gap is filled.
 */
import { apply, compose, invert, makeInvertible, transform, type TextOp } from './text.js';

export interface CommittedOp {
  version: number;
  /** null for an ack that carries no op (the op is our in-flight one). */
  op: TextOp | null;
  clientId: string;
  seq: number;
  userId?: string;
}

export interface Outgoing {
  baseVersion: number;
  op: TextOp;
  clientId: string;
  seq: number;
}

/** What survives a reload (IndexedDB): enough to resend exactly once and rebuild the text. */
export interface TextClientState {
  clientId: string;
  nextSeq: number;
  version: number;
  /** The text at `version` without our unacknowledged edits. */
  serverText: string;
  inflight: { op: TextOp; seq: number; baseVersion: number } | null;
  pending: TextOp | null;
}

export interface RemoteApplied {
  /** Transformed so it applies to the local text as it was just before. */
  op: TextOp;
  version: number;
  userId?: string;
}

export class TextFieldClient {
  clientId: string;
  version: number;
  serverText: string;
  text: string;
  inflight: { op: TextOp; seq: number; baseVersion: number } | null = null;
  pending: TextOp | null = null;
  private nextSeq: number;
  /** Own ops that came back other than as the ack of the op in flight: must stay 0 (exactly once). */
  ownRepeats = 0;
  private buffer = new Map<number, CommittedOp>();
  /** Own edits for undo/redo, kept invertible and transformed over everything after them. */
  private undoStack: TextOp[] = [];
  private redoStack: TextOp[] = [];

  constructor(init: { clientId: string; text: string; version: number; nextSeq?: number } | { state: TextClientState }) {
    if ('state' in init) {
      const s = init.state;
      this.clientId = s.clientId;
      this.nextSeq = s.nextSeq;
      this.version = s.version;
      this.serverText = s.serverText;
      this.inflight = s.inflight;
      this.pending = s.pending;
      let t = s.serverText;
      if (s.inflight) t = apply(t, s.inflight.op);
      if (s.pending) t = apply(t, s.pending);
      this.text = t;
    } else {
      this.clientId = init.clientId;
      this.nextSeq = init.nextSeq ?? 1;
      this.version = init.version;
      this.serverText = init.text;
      this.text = init.text;
    }
  }

  get hasUnacked(): boolean {
    return this.inflight !== null || this.pending !== null;
  }

  snapshot(): TextClientState {
    return {
      clientId: this.clientId,
      nextSeq: this.nextSeq,
      version: this.version,
      serverText: this.serverText,
      inflight: this.inflight,
      pending: this.pending,
    };
  }

  /** A local edit, as an op on the current local text. */
  /** `merge`: part of the same typed run as the previous edit, so one undo takes both back (as a native field does). */
  applyLocal(op: TextOp, opts: { undoable?: boolean; merge?: boolean } = {}): void {
    if (op.length === 0) return;
    const inv = makeInvertible(op, this.text);
    this.text = apply(this.text, op);
    this.pending = this.pending ? compose(this.pending, op) : op;
    if (opts.undoable !== false) {
      const top = opts.merge ? this.undoStack.pop() : undefined;
      this.undoStack.push(top ? compose(invert(inv), top) : invert(inv));
      if (this.undoStack.length > 500) this.undoStack.shift();
      this.redoStack = [];
    }
  }

  /** The next op to send, if nothing is in flight. */
  takeOutgoing(): Outgoing | null {
    if (this.inflight || !this.pending) return null;
    this.inflight = { op: this.pending, seq: this.nextSeq++, baseVersion: this.version };
    this.pending = null;
    return { baseVersion: this.inflight.baseVersion, op: this.inflight.op, clientId: this.clientId, seq: this.inflight.seq };
  }

  /**
   * After a reconnect: the in-flight op again with the same seq, as transformed over everything
   * received since, based on our current version. If it was committed after that version the
   * server finds (clientId, seq) among the ops since and answers with the original version; if
   * before, we would already have met it in the op stream and it would no longer be in flight.
   */
  resendInflight(): Outgoing | null {
    if (!this.inflight) return null;
    this.inflight = { ...this.inflight, baseVersion: this.version };
    return { baseVersion: this.version, op: this.inflight.op, clientId: this.clientId, seq: this.inflight.seq };
  }

  /** The server's answer to our in-flight op. */
  ack(version: number, seq: number): RemoteApplied[] {
    return this.receive({ version, op: null, clientId: this.clientId, seq });
  }

  /**
   * A committed op (broadcast, fetched, or our own ack). Returns the remote ops that became
   * applicable, transformed for the local text, in order; `gap()` tells whether some are missing.
   */
  receive(c: CommittedOp): RemoteApplied[] {
    if (c.version <= this.version) return [];
    const known = this.buffer.get(c.version);
    if (!known || (known.op === null && c.op !== null)) this.buffer.set(c.version, c);
    const out: RemoteApplied[] = [];
    for (;;) {
      const next = this.buffer.get(this.version + 1);
      if (!next) break;
      this.buffer.delete(this.version + 1);
      const r = this.process(next);
      if (r) out.push(r);
    }
    return out;
  }

  /** The first version we are missing, when something later is already buffered. */
  gap(): number | null {
    return this.buffer.size > 0 ? this.version + 1 : null;
  }

  private isOwn(c: CommittedOp): boolean {
    return this.inflight !== null && c.clientId === this.clientId && c.seq === this.inflight.seq;
  }

  private process(c: CommittedOp): RemoteApplied | null {
    if (this.isOwn(c)) {
      this.serverText = apply(this.serverText, this.inflight!.op);
      this.version = c.version;
      this.inflight = null;
      return null;
    }
    if (c.op === null) throw new Error(`ack for version ${c.version} does not match the op in flight`);
    // Our own op committed again: a server that applied a resend twice. Applied (to converge), counted (to be caught).
    if (c.clientId === this.clientId) this.ownRepeats++;
    let remote = c.op;
    this.serverText = apply(this.serverText, remote);
    // The server committed `remote` before our in-flight and pending ops.
    if (this.inflight) {
      const f = this.inflight.op;
      this.inflight = { ...this.inflight, op: transform(f, remote, 'right') };
      remote = transform(remote, f, 'left');
    }
    if (this.pending) {
      const p = this.pending;
      const t = transform(p, remote, 'right');
      this.pending = t.length > 0 ? t : null;
      remote = transform(remote, p, 'left');
    }
    transformStack(this.undoStack, remote);
    transformStack(this.redoStack, remote);
    this.text = apply(this.text, remote);
    this.version = c.version;
    return { op: remote, version: c.version, ...(c.userId !== undefined ? { userId: c.userId } : {}) };
  }

  /** Replaces everything with a snapshot; only safe with no unacknowledged edits. */
  resetTo(text: string, version: number): void {
    if (this.hasUnacked) throw new Error('cannot reset a field with unacknowledged edits');
    this.text = text;
    this.serverText = text;
    this.version = version;
    this.buffer.clear();
    this.undoStack = [];
    this.redoStack = [];
  }

  /** Undo the last own change (transformed over everyone's since); returns the op applied locally. */
  undo(): TextOp | null {
    return this.undoRedo(this.undoStack, this.redoStack);
  }

  redo(): TextOp | null {
    return this.undoRedo(this.redoStack, this.undoStack);
  }

  private undoRedo(from: TextOp[], to: TextOp[]): TextOp | null {
    for (;;) {
      const op = from.pop();
      if (!op) return null;
      // Entirely swallowed by others' edits: nothing left of it to undo.
      if (op.length === 0) continue;
      const inv = makeInvertible(op, this.text);
      this.text = apply(this.text, op);
      this.pending = this.pending ? compose(this.pending, op) : op;
      to.push(invert(inv));
      return op;
    }
  }
}

/**
 * Each stack entry applies to the state left by undoing every entry above it, so the remote op
 * is carried down the stack, transformed past each entry in turn.
 */
function transformStack(stack: TextOp[], remote: TextOp): void {
  let r = remote;
  for (let i = stack.length - 1; i >= 0; i--) {
    const u = stack[i]!;
    stack[i] = transform(u, r, 'left');
    r = transform(r, u, 'right');
  }
}
