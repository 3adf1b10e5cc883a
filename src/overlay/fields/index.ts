// Co-editing of the host form: text fields through OT (text.ts), other fields as versioned
// values with a conflict dialog, highlights of others' changes in their colour, "saved by …",
// the draft-or-saved choice, an unsaved-edits indicator and a prompt before leaving with them.
import { type FieldInfo, type OverlayContext, registerModule } from '../index.js';
import { describeValue, readValue, sameValue, type Value, writeValue } from './dom.js';
import { fieldKey, loadState } from './persist.js';
import { TextBinding, type WireOp } from './text.js';

const TEXT_KINDS = new Set(['text', 'textarea']);

interface DocEntry {
  kind: string;
  value: unknown;
  version: number;
  readOnly: boolean;
}
interface DocumentAnswer {
  fields: Record<string, DocEntry>;
  dirty: boolean;
  saved: { by: { id: string; name: string | null }; at: string } | null;
  draft: { fields: string[]; editedAt: string } | null;
}

const CSS = `
.fields-status { font-size: 12px; padding: 0 6px; white-space: nowrap; }
.fields-status[data-unsaved="true"] { color: #b45309; }
.fields-flash { position: absolute; border: 2px solid var(--fields-color, #2563eb); border-radius: 4px; box-shadow: 0 0 0 3px color-mix(in srgb, var(--fields-color, #2563eb) 25%, transparent); transition: opacity .6s; pointer-events: none; }
.fields-dialog { position: fixed; inset: 0; display: grid; place-items: center; background: rgba(0,0,0,.35); pointer-events: auto; z-index: 2147483647; }
.fields-dialog > div { background: #fff; color: #111; border-radius: 8px; padding: 16px 18px; max-width: 420px; font: 14px/1.4 system-ui, sans-serif; box-shadow: 0 10px 30px rgba(0,0,0,.25); }
.fields-dialog h2 { font-size: 16px; margin: 0 0 8px; }
.fields-dialog p { margin: 6px 0; }
.fields-dialog .fields-actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 12px; }
.fields-dialog button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid #999; background: #f3f4f6; cursor: pointer; }
.fields-dialog button.fields-primary { background: #2563eb; color: #fff; border-color: #2563eb; }
`;

registerModule({
  name: 'fields',
  init(ctx: OverlayContext) {
    ctx.ui.addStyle(CSS);
    const text = new Map<string, TextBinding>();
    const versions = new Map<string, number>();
    let epoch = 0;
    const clientId = (() => {
      const b = new Uint8Array(12);
      crypto.getRandomValues(b);
      return 'v' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    })();
    let seq = 0;
    /** Set while we write values into the page ourselves, so our own change events are ignored. */
    let applying = false;

    const section = ctx.ui.addBarSection({ id: 'fields', label: 'Form sync' });
    const status = document.createElement('span');
    status.className = 'fields-status';
    status.setAttribute('role', 'status');
    section.append(status);
    const hostEl = ctx.ui.root.host as HTMLElement;

    const unsaved = () => [...text.values()].some((b) => b.hasUnacked);
    const updateStatus = () => {
      const u = unsaved();
      status.dataset.unsaved = String(u);
      status.textContent = u ? (ctx.connection === 'connected' ? 'Saving…' : 'Unsaved edits (offline)') : ctx.room ? 'All changes synced' : '';
      hostEl.dataset.unsaved = String(u);
    };
    ctx.events.on('connection', updateStatus);

    window.addEventListener('beforeunload', (e) => {
      if (!unsaved()) return;
      // Also kept in IndexedDB and resent on the next visit; still, ask first.
      e.preventDefault();
      e.returnValue = '';
    });

    const userOf = (by: WireOp['by']) => (by.id.startsWith('user:') ? by.id.slice(5) : null);
    const colorOf = (by: WireOp['by']) => {
      const id = userOf(by);
      const presence = ctx.use<{ colorOf(userId: string): string | undefined }>('presence');
      return (id && presence?.colorOf(id)) || '#2563eb';
    };

    /** A brief outline of a field changed by someone else, in their colour. */
    const flash = (f: FieldInfo, by: WireOp['by']) => {
      if (ctx.user && userOf(by) === ctx.user.id) return;
      const el = f.element;
      const r = el.getBoundingClientRect();
      const l = ctx.ui.layer.getBoundingClientRect();
      const box = document.createElement('div');
      box.className = 'fields-flash';
      box.dataset.field = f.name;
      box.dataset.userId = userOf(by) ?? by.id;
      box.style.setProperty('--fields-color', colorOf(by));
      Object.assign(box.style, { left: `${r.left - l.left - 3}px`, top: `${r.top - l.top - 3}px`, width: `${r.width + 2}px`, height: `${r.height + 2}px` });
      box.title = `Changed by ${by.name ?? userOf(by) ?? 'someone'}`;
      ctx.ui.layer.append(box);
      setTimeout(() => (box.style.opacity = '0'), 1500);
      setTimeout(() => box.remove(), 2200);
    };

    function dialog(title: string, lines: string[], actions: Array<{ id: string; text: string; primary?: boolean; run: () => void }>) {
      const wrap = document.createElement('div');
      wrap.className = 'fields-dialog';
      wrap.setAttribute('role', 'dialog');
      wrap.setAttribute('aria-modal', 'true');
      const box = document.createElement('div');
      const h = document.createElement('h2');
      h.textContent = title;
      box.append(h);
      for (const line of lines) {
        const p = document.createElement('p');
        p.textContent = line;
        box.append(p);
      }
      const row = document.createElement('div');
      row.className = 'fields-actions';
      for (const a of actions) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = a.text;
        b.dataset.action = a.id;
        if (a.primary) b.className = 'fields-primary';
        b.addEventListener('click', () => {
          wrap.remove();
          a.run();
        });
        row.append(b);
      }
      box.append(row);
      wrap.append(box);
      ctx.ui.root.append(wrap);
      (row.querySelector('button.fields-primary') as HTMLButtonElement | null)?.focus();
      return wrap;
    }

    // ——— non-text values ———

    async function sendValue(f: FieldInfo) {
      const room = ctx.room;
      if (!room) return;
      const value = readValue(f);
      const r = await ctx.request<{ version: number }>('field:set', { roomId: room.roomId, field: f.name, baseVersion: versions.get(f.name) ?? 0, value, clientId, seq: ++seq });
      if (r.ok) {
        versions.set(f.name, r.version);
        return;
      }
      if (r.error.code === 'version_conflict') return conflict(f, value, r.error.details as ConflictDetails);
      ctx.ui.toast(`Could not save "${f.label || f.name}": ${r.error.message}`, { kind: 'error' });
    }

    interface ConflictDetails {
      conflictId: string;
      current: { value: Value; version: number; by: { id: string; name: string | null } | null };
    }

    function conflict(f: FieldInfo, mine: Value, d: ConflictDetails) {
      const who = d.current.by?.name ?? 'Someone';
      const label = f.label || f.name;
      const resolve = async (choice: 'mine' | 'theirs') => {
        const room = ctx.room;
        if (!room) return;
        const r = await ctx.request<{ version: number }>('field:resolve', { roomId: room.roomId, conflictId: d.conflictId, choice, clientId, seq: ++seq });
        if (choice === 'theirs') {
          applying = true;
          writeValue(f, d.current.value);
          applying = false;
          versions.set(f.name, d.current.version);
          return;
        }
        if (r.ok) versions.set(f.name, r.version);
        else if (r.error.code === 'version_conflict') conflict(f, mine, r.error.details as ConflictDetails);
        else ctx.ui.toast(`Could not keep your value: ${r.error.message}`, { kind: 'error' });
      };
      const el = dialog(
        `"${label}" was changed meanwhile`,
        [`${who} set it to: ${describeValue(f, d.current.value)}`, `You chose: ${describeValue(f, mine)}`],
        [
          { id: 'theirs', text: 'Take theirs', run: () => void resolve('theirs') },
          { id: 'mine', text: 'Keep mine', primary: true, run: () => void resolve('mine') },
        ],
      );
      el.dataset.field = f.name;
      el.classList.add('fields-conflict');
    }

    for (const f of ctx.fields.all()) {
      if (TEXT_KINDS.has(f.kind)) continue;
      for (const el of f.elements) el.addEventListener('change', () => !applying && void sendValue(f));
    }

    // ——— text fields ———

    // The page key of the last join: while re-joining ctx.room is null, and that is exactly when edits must be kept.
    let pageKey: string | null = null;
    const persistKey = (name: string) => () => (pageKey ? fieldKey(ctx.serverUrl, pageKey, name) : null);
    for (const f of ctx.fields.all()) {
      if (!TEXT_KINDS.has(f.kind)) continue;
      text.set(f.name, new TextBinding(ctx, f, { persistKey: persistKey(f.name), epoch: () => epoch, onState: updateStatus, onRemote: (by) => flash(f, by) }));
    }

    ctx.socket.on('field:ops', (m: { roomId: string; ops: WireOp[] }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      for (const o of m.ops) {
        const f = ctx.fields.get(o.field);
        if (!f) continue;
        if (o.kind === 'text') {
          text.get(o.field)?.receive(o);
          continue;
        }
        if (o.version <= (versions.get(o.field) ?? 0)) continue;
        versions.set(o.field, o.version);
        if (o.clientId === clientId) continue;
        applying = true;
        writeValue(f, o.value as Value);
        applying = false;
        flash(f, o.by);
      }
      updateStatus();
    });

    ctx.socket.on('form:saved', (m: { roomId: string; by: { id: string; name: string } }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      const self = ctx.user && m.by.id === ctx.user.id;
      ctx.ui.toast(self ? 'You saved the form' : `${m.by.name} saved`, { ms: 5000 });
    });
    ctx.socket.on('form:record-changed', (m: { roomId: string; savedBy: string | null }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      ctx.ui.toast(`The record was saved${m.savedBy ? ` by ${m.savedBy}` : ''}; the form shows the saved values`, { ms: 6000 });
    });

    ctx.fields.form?.addEventListener('submit', () => {
      const room = ctx.room;
      if (!room) return;
      const values: Record<string, Value> = {};
      for (const f of ctx.fields.all()) values[f.name] = readValue(f);
      void ctx.request('form:saved', { roomId: room.roomId, values });
    });

    function offerDraft(d: NonNullable<DocumentAnswer['draft']>) {
      const when = new Date(d.editedAt).toLocaleString();
      dialog(
        'Unsaved changes on this record',
        [`Someone left unsaved changes here (last edited ${when}), and the saved record has changed since.`, `Fields affected: ${d.fields.join(', ')}`],
        [
          {
            id: 'saved',
            text: 'Start from the saved record',
            run: () => {
              const room = ctx.room;
              if (!room) return;
              const values: Record<string, Value> = {};
              for (const f of ctx.fields.all()) values[f.name] = readValue(f, true);
              void ctx.request('form:draft', { roomId: room.roomId, choice: 'saved', values });
            },
          },
          { id: 'continue', text: 'Continue the draft', primary: true, run: () => void ctx.request('form:draft', { roomId: ctx.room?.roomId, choice: 'continue' }) },
        ],
      ).classList.add('fields-draft');
    }

    ctx.events.on('joined', async ({ room, rejoin }) => {
      epoch++;
      pageKey = room.pageKey;
      const doc = room.answer.document as DocumentAnswer | undefined;
      if (!doc) return;
      for (const [name, entry] of Object.entries(doc.fields)) {
        const f = ctx.fields.get(name);
        if (!f) continue;
        if (TEXT_KINDS.has(f.kind)) continue;
        versions.set(name, entry.version);
        if (!sameValue(readValue(f), entry.value)) {
          applying = true;
          writeValue(f, entry.value as Value);
          applying = false;
          f.element.dataset.tandemDiffers = 'true';
        }
      }
      for (const [name, b] of text) {
        const entry = doc.fields[name];
        if (!entry) continue;
        if (rejoin && b.client) {
          await b.resume();
          continue;
        }
        const saved = await loadState(fieldKey(ctx.serverUrl, room.pageKey, name));
        if (!saved && !sameValue(readValue(b.field), entry.value)) b.field.element.dataset.tandemDiffers = 'true';
        await b.start(entry, saved?.state ?? null);
      }
      if (!rejoin && doc.draft) offerDraft(doc.draft);
      hostEl.dataset.fieldsReady = String(epoch);
      updateStatus();
    });

    return () => {
      for (const b of text.values()) b.dispose();
    };
  },
});
