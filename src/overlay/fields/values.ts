// Versioned values (select, checkbox, radio, number, date, …): a local change becomes a pending
// edit based on the version the page showed; it is kept (localStorage, across reloads) and sent
// until acknowledged. A stale one opens the conflict choice; while it is open the page shows the
// user's own value. A remote value never overwrites a pending edit: the page shows the room's
// value or the user's own pending edit, nothing else (DESIGN.md, invariant 5).
import { bindingOf, sameValue, type Value, type Watcher } from '../bindings/index.js';
import type { FieldInfo, OverlayContext } from '../index.js';
import type { WireOp } from './text.js';
import { errorText, t } from '../core/i18n.js';
import { openDialog } from './dialog.js';

interface Pending {
  value: Value;
  /** The version this edit was made on; -1: made before the first join (on the page as served). */
  baseVersion: number;
  clientId: string;
  seq: number;
}
interface FieldState {
  version: number;
  room: Value;
  pending: Pending | null;
  sending: boolean;
  conflict: boolean;
}
interface ConflictDetails {
  conflictId: string;
  current: { value: Value; version: number; by: { id: string; name: string | null } | null };
}

const LS = 'tandem-value:';
const randomId = () => 'v' + [...crypto.getRandomValues(new Uint8Array(12))].map((x) => x.toString(16).padStart(2, '0')).join('');

/** How this page displays a select's values, for pages that lack the option (ajax-backed selects). */
function labelsOf(f: FieldInfo, v: Value): Record<string, string> | null {
  if (f.kind !== 'select' || v === null) return null;
  const b = bindingOf(f);
  const out: Record<string, string> = {};
  for (const x of (Array.isArray(v) ? v : [String(v)]).slice(0, 50)) {
    const label = b.describe(x).slice(0, 300);
    if (label && label !== x) out[x] = label;
  }
  return Object.keys(out).length ? out : null;
}

export class ValueSync {
  private readonly state = new Map<string, FieldState>();
  private readonly clientId = randomId();
  private seq = 0;
  private joinedOnce = false;

  constructor(
    private readonly ctx: OverlayContext,
    private readonly watcher: Watcher,
    private readonly hooks: { persistKey: (field: string) => string | null; onState: () => void; onRemote: (f: FieldInfo, by: WireOp['by']) => void },
  ) {}

  private st(name: string): FieldState {
    let s = this.state.get(name);
    // version -1: not in a join answer yet (a field drawn after the join), so an edit is based on the page as served.
    if (!s) this.state.set(name, (s = { version: -1, room: null, pending: null, sending: false, conflict: false }));
    return s;
  }

  /** Edits waiting for the server; before the first join nothing is collaborative yet (a page Tandem may never join). */
  get unsaved(): boolean {
    return this.pendingFields().length > 0;
  }
  pendingFields(): string[] {
    return this.joinedOnce ? [...this.state].filter(([, s]) => s.pending).map(([n]) => n) : [];
  }
  /** Fields whose conflict choice is open. */
  conflicts(): string[] {
    return [...this.state].filter(([, s]) => s.conflict).map(([n]) => n);
  }
  /** What the page must show: the user's own pending edit, else the room's value. */
  expected(name: string): Value {
    const s = this.st(name);
    return s.pending ? s.pending.value : s.room;
  }
  known(name: string): boolean {
    return this.state.has(name);
  }

  /** The watcher saw the user (or a script of the page) change `f`. */
  local(f: FieldInfo, value: Value) {
    const s = this.st(f.name);
    if (!s.pending && !s.sending && this.joinedOnce && sameValue(value, s.room)) return;
    // Based on the last version this page showed (known since the first join, kept while offline).
    s.pending = { value, baseVersion: s.pending?.baseVersion ?? (this.joinedOnce ? s.version : -1), clientId: this.clientId, seq: ++this.seq };
    this.persist(f.name);
    this.hooks.onState();
    this.flush(f);
  }

  remote(f: FieldInfo, o: WireOp) {
    const s = this.st(f.name);
    if (o.version <= s.version) return;
    s.version = o.version;
    s.room = (o.value ?? null) as Value;
    if (o.clientId === this.clientId || o.clientId === s.pending?.clientId) return;
    if (s.pending || s.conflict) return; // the user's own value stays on their page; sending it will ask
    this.watcher.write(f, s.room, o.labels);
    this.hooks.onRemote(f, o.by);
  }

  /** The room is at `version` for `f` (room:heads) but we saw less: a broadcast was lost, so read the value. */
  async behind(f: FieldInfo, version: number) {
    const room = this.ctx.room;
    if (!room || version <= this.st(f.name).version) return;
    const r = await this.ctx.request<{ snapshot: { value: unknown; version: number } }>('field:fetch', { roomId: room.roomId, field: f.name, since: 0 });
    if (!r.ok || this.ctx.room?.roomId !== room.roomId) return;
    this.remote(f, { field: f.name, version: r.snapshot.version, kind: 'set', value: r.snapshot.value, clientId: '', seq: 0, by: { id: 'room', name: null } });
  }

  /** After every join: the room's values, then the user's pending edits again (resent, deduplicated by the server). */
  joined(entries: Record<string, { value: unknown; version: number }>, rejoin: boolean) {
    this.joinedOnce = true;
    for (const f of this.ctx.fields.all()) {
      const entry = entries[f.name];
      if (!entry) continue;
      const s = this.st(f.name);
      const first = s.version < 0; // first answer for this field: this mount's join, or it was drawn since
      s.version = entry.version;
      s.room = entry.value as Value;
      s.sending = false;
      if ((!rejoin || first) && !s.pending) s.pending = this.restore(f.name);
      if (s.pending?.baseVersion === -1) {
        // Changed before we knew the room: based on the page as served, if the room still holds that.
        s.pending.baseVersion = sameValue(s.room, bindingOf(f).readSaved()) ? s.version : Math.max(0, s.version - 1);
      }
      const shown = this.expected(f.name);
      if (!sameValue(bindingOf(f).read(), shown)) {
        this.watcher.write(f, shown);
        if (!s.pending) f.element.dataset.tandemDiffers = 'true';
      }
      if (s.pending) this.flush(f);
    }
  }

  /** Shows what the page must show (a control drawn again by the app may show something else). */
  show(f: FieldInfo) {
    const shown = this.expected(f.name);
    if (!sameValue(bindingOf(f).read(), shown)) this.watcher.write(f, shown);
  }

  flushAll() {
    for (const f of this.ctx.fields.all()) if (this.state.get(f.name)?.pending) this.flush(f);
  }

  private async flush(f: FieldInfo) {
    const s = this.st(f.name);
    const room = this.ctx.room;
    const p = s.pending;
    if (!p || s.sending || s.conflict || !room || this.ctx.connection !== 'connected' || p.baseVersion < 0) return;
    s.sending = true;
    const labels = labelsOf(f, p.value);
    const r = await this.ctx.request<{ version: number }>('field:set', { roomId: room.roomId, field: f.name, baseVersion: p.baseVersion, value: p.value, ...(labels ? { labels } : {}), clientId: p.clientId, seq: p.seq });
    s.sending = false;
    if (this.ctx.room?.roomId !== room.roomId) return;
    if (r.ok) {
      s.version = Math.max(s.version, r.version);
      s.room = p.value;
      if (s.pending === p) s.pending = null;
      else if (s.pending) s.pending.baseVersion = r.version; // a newer edit of ours, made on top of this one
      this.persist(f.name);
      this.hooks.onState();
      this.flush(f);
      return;
    }
    if (r.error.code === 'version_conflict') {
      const d = r.error.details as ConflictDetails;
      s.version = Math.max(s.version, d.current.version);
      s.room = d.current.value;
      this.openConflict(f, d);
      return;
    }
    if (r.error.code === 'timeout' || r.error.code === 'unavailable' || r.error.code === 'rate_limited' || this.ctx.connection !== 'connected') {
      setTimeout(() => this.flush(f), 1000); // the same seq again: never applied twice
      return;
    }
    // Refused for good (read-only, delegated to someone else, invalid): the page goes back to the room's value.
    this.ctx.ui.toast(t('fields.refused', { field: f.label || f.name, message: errorText(r.error) }), { kind: 'error', ms: 6000 });
    this.drop(f);
  }

  /** Forgets the pending edit and shows the room's value. */
  private drop(f: FieldInfo) {
    const s = this.st(f.name);
    s.pending = null;
    s.conflict = false;
    this.persist(f.name);
    this.watcher.write(f, s.room);
    this.hooks.onState();
  }

  private openConflict(f: FieldInfo, d: ConflictDetails) {
    const s = this.st(f.name);
    s.conflict = true;
    const mine = () => s.pending?.value ?? null;
    // The page shows the user's own value while they choose.
    if (!sameValue(bindingOf(f).read(), mine())) this.watcher.write(f, mine());
    this.hooks.onState();
    const b = bindingOf(f);
    const resolve = async (choice: 'mine' | 'theirs') => {
      const room = this.ctx.room;
      const value = mine();
      const r = room
        ? await this.ctx.request<{ version: number }>('field:resolve', { roomId: room.roomId, conflictId: d.conflictId, choice, ...(choice === 'mine' ? { value } : {}), clientId: this.clientId, seq: ++this.seq })
        : ({ ok: false, error: { code: 'unavailable', message: 'offline' } } as const);
      s.conflict = false;
      if (choice === 'theirs') return this.drop(f); // whatever the answer: theirs is the room's value
      if (r.ok) {
        s.version = Math.max(s.version, r.version);
        s.room = value;
        s.pending = null;
        this.persist(f.name);
        if (!sameValue(b.read(), value)) this.watcher.write(f, value);
        this.hooks.onState();
        return;
      }
      if (r.error.code === 'version_conflict') return this.openConflict(f, r.error.details as ConflictDetails);
      if (r.error.code === 'timeout' || r.error.code === 'unavailable') {
        this.flush(f); // resent as a write on its old base when connected: the choice comes again
        return;
      }
      this.ctx.ui.toast(t('fields.keep_failed', { message: errorText(r.error) }), { kind: 'error' });
      this.drop(f);
    };
    const who = d.current.by?.name ?? t('fields.someone');
    const lines = [t('fields.conflict_theirs', { name: who, value: b.describe(d.current.value) }), t('fields.conflict_mine', { value: b.describe(mine()) })];
    const el = openDialog(this.ctx, t('fields.conflict_title', { field: f.label || f.name }), lines, [
      { id: 'theirs', text: t('fields.take_theirs'), run: () => void resolve('theirs') },
      { id: 'mine', text: t('fields.keep_mine'), primary: true, run: () => void resolve('mine') },
    ]);
    el.dataset.field = f.name;
    el.classList.add('fields-conflict');
  }

  private persist(name: string) {
    const key = this.hooks.persistKey(name);
    if (!key) return;
    const p = this.state.get(name)?.pending;
    try {
      if (p) localStorage.setItem(LS + key, JSON.stringify(p));
      else localStorage.removeItem(LS + key);
    } catch {
      /* storage disabled: the edit still syncs while the page is open */
    }
  }

  private restore(name: string): Pending | null {
    const key = this.hooks.persistKey(name);
    if (!key) return null;
    try {
      const raw = localStorage.getItem(LS + key);
      const p = raw ? (JSON.parse(raw) as Pending) : null;
      return p && typeof p.seq === 'number' && typeof p.clientId === 'string' && typeof p.baseVersion === 'number' ? p : null;
    } catch {
      return null;
    }
  }
}
