// One collaborative text input or textarea: local edits become ops (a diff on `input`, IME
// composition held until it ends), remote ops are applied keeping the local caret and selection,
// undo/redo undo only our own changes. Positions are code points on the wire, UTF-16 in the DOM.
import { type RemoteApplied, type TextClientState, TextFieldClient } from '../../ot/client.js';
import { compose, cpLength, cpToUtf16, diff, type TextOp, transform, transformCaret, utf16ToCp } from '../../ot/text.js';
import type { FieldInfo, OverlayContext } from '../index.js';
import type { WireOp } from '../../features/fields/messages.js';
import { errorText, t } from '../core/i18n.js';
import { clearState, saveState } from './persist.js';
import { isOwnEvent } from '../bindings/index.js';

export type { WireOp };


interface PresenceLike {
  transformCarets?(field: string, map: (cp: number) => number): void;
}

const randomId = () => {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** Where the caret goes after an undo/redo: the end of the change. */
function endOf(op: TextOp): number {
  let p = 0;
  let last = 0;
  for (const c of op) {
    if (typeof c === 'number') p += c;
    else if (typeof c === 'string') last = p += cpLength(c);
    else last = p;
  }
  return last;
}

/** Inputs whose type has no selection API (caret calls throw there). */
const hasSelection = (el: HTMLInputElement | HTMLTextAreaElement) => el.selectionStart !== null;

/**
 * Consecutive edits of one kind at one place, each soon after the last, are one typed run: one
 * undo takes the run back, as a native field's undo does (not one keystroke at a time).
 */
export class TypingRun {
  private kind: 'insert' | 'delete' | null = null;
  private start = 0;
  private end = 0;
  private at = 0;
  static readonly PAUSE_MS = 1000;

  continues(op: TextOp, now: number): boolean {
    let skip = 0;
    let ins = 0;
    let del = 0;
    for (const c of op) {
      if (typeof c === 'number') {
        if (ins || del) return this.set(null, 0, 0, now);
        skip += c;
      } else if (typeof c === 'string') ins += cpLength(c);
      else del += typeof c.d === 'number' ? c.d : cpLength(c.d);
    }
    const kind = ins && !del ? 'insert' : del && !ins ? 'delete' : null;
    const near = now - this.at < TypingRun.PAUSE_MS;
    // Typing goes on where it ended; Backspace ends where the last deletion started; Delete stays put.
    const contiguous = kind === 'insert' ? skip === this.end : skip + del === this.start || skip === this.start;
    const merge = kind !== null && kind === this.kind && near && contiguous;
    this.set(kind, skip, kind === 'insert' ? skip + ins : skip, now);
    return merge;
  }

  reset() {
    this.kind = null;
  }

  private set(kind: 'insert' | 'delete' | null, start: number, end: number, at: number): false {
    this.kind = kind;
    this.start = start;
    this.end = end;
    this.at = at;
    return false;
  }
}

export class TextBinding {
  client: TextFieldClient | null = null;
  private shown = '';
  private composing = false;
  /** Remote changes received during an IME composition, shown when it ends. */
  private deferred: TextOp | null = null;
  private sending = false;
  private sentEpoch = -1;
  private fetching = false;
  private readonly run = new TypingRun();
  private el: HTMLInputElement | HTMLTextAreaElement;
  private readonly disposers: Array<() => void> = [];

  constructor(
    private readonly ctx: OverlayContext,
    public field: FieldInfo,
    private readonly hooks: {
      persistKey: () => string | null;
      epoch: () => number;
      onState: () => void;
      onRemote: (by: WireOp['by']) => void;
      /** Shows `text` in the field without it being seen as a local edit (the watcher's write). */
      write: (text: string) => void;
    },
  ) {
    this.el = field.element as HTMLInputElement | HTMLTextAreaElement;
    this.listen();
  }

  /** The app drew the control again (same field): the document and its history stay, the element is the new one. */
  moveTo(field: FieldInfo) {
    this.dispose();
    this.field = field;
    this.el = field.element as HTMLInputElement | HTMLTextAreaElement;
    this.composing = false;
    this.listen();
  }

  /** Shows the document's text (the app drew the control with something else). */
  show() {
    this.render([]);
  }

  private listen() {
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void) => {
      this.el.addEventListener(type, fn as EventListener);
      this.disposers.push(() => this.el.removeEventListener(type, fn as EventListener));
    };
    on('compositionstart', () => (this.composing = true));
    on('compositionend', () => {
      this.composing = false;
      this.onInput();
    });
    on('input', (e) => !isOwnEvent(e) && this.onInput()); // not our own write's event (bindings/framework.ts)
    on('keydown', (e) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'z' || k === 'y') {
        // The browser's own undo would replay stale text over others' edits: ours replaces it here.
        e.preventDefault();
        this.undoRedo(k === 'y' || e.shiftKey);
      }
    });
    on('beforeinput', (e) => {
      if (e.inputType === 'historyUndo' || e.inputType === 'historyRedo') {
        e.preventDefault();
        this.undoRedo(e.inputType === 'historyRedo');
      }
    });
  }

  get hasUnacked() {
    return this.client?.hasUnacked ?? false;
  }

  /** First join: from the document (or from edits a previous visit left unacknowledged). */
  async start(entry: { value: unknown; version: number }, restored: TextClientState | null) {
    if (restored) {
      this.client = new TextFieldClient({ state: restored });
      this.render([]);
      await this.catchUp();
    } else {
      this.client = new TextFieldClient({ clientId: randomId(), text: typeof entry.value === 'string' ? entry.value : '', version: entry.version });
      this.render([]);
    }
    this.flush();
  }

  /** After a reconnect: what we missed, then our op in flight again (the server deduplicates). */
  async resume() {
    this.sending = false;
    await this.catchUp();
    this.flush();
  }

  receive(o: WireOp) {
    if (!this.client || o.kind !== 'text') return;
    let applied: RemoteApplied[];
    try {
      applied = this.client.receive({ version: o.version, op: o.op ?? [], clientId: o.clientId, seq: o.seq });
    } catch {
      void this.resync();
      return;
    }
    if (applied.length > 0 && o.clientId !== this.client.clientId) this.hooks.onRemote(o.by);
    this.render(applied);
    if (this.client.gap() !== null) setTimeout(() => this.client?.gap() !== null && void this.catchUp(), 150);
    this.flush();
  }

  /** The room is at `version` (room:heads): fetch what we missed if we are behind. */
  behind(version: number) {
    if (this.client && version > this.client.version) void this.catchUp();
  }

  private async catchUp() {
    if (!this.client || this.fetching || !this.ctx.room) return;
    this.fetching = true;
    try {
      for (let i = 0; i < 100; i++) {
        const r = await this.ctx.request<{ snapshot?: { value: string; version: number }; ops: WireOp[]; more: boolean }>('field:fetch', {
          roomId: this.ctx.room.roomId,
          field: this.field.name,
          since: this.client.version,
          snapshotOk: !this.client.hasUnacked,
        });
        if (!r.ok) {
          if (r.error.code === 'bad_request') await this.resync(); // we are ahead of the server: start over from it
          return;
        }
        if (r.snapshot) {
          this.client.resetTo(r.snapshot.value, r.snapshot.version);
          this.render([]);
        }
        for (const o of r.ops) this.receive(o);
        if (!r.more) break;
      }
    } finally {
      this.fetching = false;
    }
  }

  /** Drops our unacknowledged edits and takes the server's text (after a refusal). */
  async resync() {
    if (!this.ctx.room) return;
    const r = await this.ctx.request<{ snapshot: { value: string; version: number } }>('field:fetch', { roomId: this.ctx.room.roomId, field: this.field.name, since: 0, snapshot: true });
    if (!r.ok || !r.snapshot) return;
    this.client = new TextFieldClient({ clientId: randomId(), text: r.snapshot.value, version: r.snapshot.version });
    this.deferred = null;
    this.render([]);
    void this.persist();
  }

  /** The field's text changed (typed, pasted, or set by a script of the page): the difference becomes an op. */
  onInput() {
    const c = this.client;
    if (!c || this.composing) return;
    const v = this.el.value;
    if (v === this.shown) return;
    const focused = this.el.ownerDocument.activeElement === this.el;
    const op = diff(this.shown, v, focused ? utf16ToCp(v, this.el.selectionEnd ?? v.length) : undefined);
    const merge = this.run.continues(op, Date.now());
    if (this.deferred) {
      // Remote changes arrived during the composition: ours goes after them.
      const d = this.deferred;
      this.deferred = null;
      c.applyLocal(transform(op, d, 'right'), { merge });
      this.render([{ op: transform(d, op, 'left'), version: c.version }]);
    } else {
      c.applyLocal(op, { merge });
      this.shown = c.text;
    }
    void this.persist();
    this.hooks.onState();
    this.flush();
  }

  private undoRedo(redo: boolean) {
    const c = this.client;
    if (!c || this.composing) return;
    const op = redo ? c.redo() : c.undo();
    if (!op) return;
    this.run.reset();
    this.hooks.write(c.text);
    this.shown = c.text;
    const at = cpToUtf16(c.text, endOf(op));
    if (hasSelection(this.el)) this.el.setSelectionRange(at, at);
    void this.persist();
    this.hooks.onState();
    this.flush();
  }

  /** Shows the client's text, carrying the local selection (and drawn remote carets) through `applied`. */
  private render(applied: RemoteApplied[]) {
    const c = this.client;
    if (!c) return;
    if (this.composing) {
      for (const a of applied) this.deferred = this.deferred ? compose(this.deferred, a.op) : a.op;
      return;
    }
    const el = this.el;
    const before = el.value;
    const focused = el.ownerDocument.activeElement === el;
    let s = utf16ToCp(before, el.selectionStart ?? 0);
    let e = utf16ToCp(before, el.selectionEnd ?? 0);
    for (const a of applied) {
      s = transformCaret(s, a.op);
      e = transformCaret(e, a.op);
    }
    if (applied.length > 0) this.run.reset();
    if (before !== c.text) this.hooks.write(c.text);
    this.shown = c.text;
    if (focused && hasSelection(el)) el.setSelectionRange(cpToUtf16(c.text, s), cpToUtf16(c.text, e), el.selectionDirection ?? undefined);
    const presence = this.ctx.use<PresenceLike>('presence');
    if (applied.length > 0 && presence?.transformCarets) {
      presence.transformCarets(this.field.name, (cp) => applied.reduce((p, a) => transformCaret(p, a.op), cp));
    }
  }

  flush() {
    const c = this.client;
    const room = this.ctx.room;
    if (!c || !room || this.sending || this.ctx.connection !== 'connected') return;
    const epoch = this.hooks.epoch();
    const out = c.inflight ? (this.sentEpoch !== epoch ? c.resendInflight() : null) : c.takeOutgoing();
    if (!out) return;
    this.sending = true;
    this.sentEpoch = epoch;
    // Stored before it is sent: whatever IndexedDB holds is never older than what the server may have.
    void this.persist()
      .then(() => this.ctx.request<{ version: number }>('field:op', { roomId: room.roomId, field: this.field.name, ...out }, 15_000))
      .then(async (r) => {
      if (this.client !== c) return;
      this.sending = false;
      if (r.ok) {
        this.render(c.ack(r.version, out.seq));
        if (c.gap() !== null) await this.catchUp();
        void this.persist();
        this.hooks.onState();
        this.flush();
        return;
      }
      if (r.error.code === 'timeout' || r.error.code === 'unavailable' || this.ctx.connection !== 'connected') {
        // Resent (same seq) when the connection is back or shortly.
        this.sentEpoch = -1;
        setTimeout(() => this.flush(), 1000);
        return;
      }
      this.ctx.ui.toast(t('fields.refused', { field: this.field.label || this.field.name, message: errorText(r.error) }), { kind: 'error', ms: 6000 });
      await this.resync();
      this.hooks.onState();
    });
  }

  private persist(): Promise<unknown> {
    const key = this.hooks.persistKey();
    const c = this.client;
    if (!key || !c) return Promise.resolve();
    return c.hasUnacked ? saveState(key, c.snapshot()) : clearState(key);
  }

  dispose() {
    for (const d of this.disposers.splice(0)) d();
  }
}
