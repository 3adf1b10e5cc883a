// Co-editing of the host form: text fields through OT (text.ts), other fields as versioned
// values with a conflict dialog, highlights of others' changes in their colour, "saved by …",
// the draft-or-saved choice, an unsaved-edits indicator and a prompt before leaving with them.
import { type FieldInfo, type OverlayContext, registerModule } from '../index.js';
import { bindingOf, createWatcher, sameValue, type Value } from '../bindings/index.js';
import { t } from '../core/i18n.js';
import { openDialog } from './dialog.js';
import { guardSubmit } from './fidelity.js';
import { fieldKey, loadState } from './persist.js';
import { TextBinding, type WireOp } from './text.js';
import { ValueSync } from './values.js';
import { onHostWrite } from '../core/requests.js';
import { isRecordSave, leftPageSavedBy, rememberLeftAfterSave } from './saves.js';
import { rebindFields, trackRecentEdits } from './rebind.js';
import { missingPacks } from '../core/packs.js';

// As isTextKind in features/fields/messages.ts, which the overlay cannot import (it would bundle zod).
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
.fields-status[data-unsaved="true"] { color: var(--_warn); }
.fields-flash { position: absolute; border: 2px solid var(--fields-color, var(--_accent)); border-radius: 4px; box-shadow: 0 0 0 3px color-mix(in srgb, var(--fields-color, var(--_accent)) 25%, transparent); transition: opacity .6s; pointer-events: none; }
.fields-dialog { position: fixed; inset: 0; display: grid; place-items: center; background: rgba(0,0,0,.45); pointer-events: auto; z-index: 2147483647; }
.fields-dialog > div { background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: var(--_radius); padding: 16px 18px; max-width: min(420px, calc(100vw - 24px)); font: var(--tandem-font-size, 14px)/1.4 var(--_font); box-shadow: var(--_shadow); }
.fields-dialog h2 { font-size: 16px; margin: 0 0 8px; }
.fields-dialog p { margin: 6px 0; overflow-wrap: anywhere; }
.fields-dialog .fields-actions { display: flex; flex-wrap: wrap; gap: 8px; justify-content: flex-end; margin-top: 12px; }
.fields-dialog button { font: inherit; min-height: 44px; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--_border); background: var(--_surface); color: var(--_fg); cursor: pointer; }
.fields-dialog button.fields-primary { background: var(--_accent); color: var(--_accent-fg); border-color: var(--_accent); }
.fields-dialog button:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
`;

registerModule({
  name: 'fields',
  init(ctx: OverlayContext) {
    ctx.ui.addStyle(CSS);
    const text = new Map<string, TextBinding>();
    // Every change of every field, by whoever made it, arrives here once (bindings/watch.ts).
    const watcher = createWatcher(ctx.fields, (f, v) => {
      const t = text.get(f.name);
      if (t) t.onInput();
      else values.local(f, v);
    });
    let epoch = 0;

    const section = ctx.ui.addBarSection({ id: 'fields', label: t('fields.section') });
    const status = document.createElement('span');
    status.className = 'fields-status';
    status.setAttribute('role', 'status');
    section.append(status);
    const hostEl = ctx.ui.root.host as HTMLElement;

    const unsaved = () => values.unsaved || [...text.values()].some((b) => b.hasUnacked);
    const updateStatus = () => {
      const u = unsaved();
      status.dataset.unsaved = String(u);
      // "All changes synced" only where something is synchronised: a page without fields says so instead.
      const idle = ctx.room ? (ctx.fields.all().length ? t(missingPacks().length ? 'fields.widgets_missing' : 'fields.synced') : t('fields.no_form')) : '';
      status.textContent = u ? (ctx.connection === 'connected' ? t('fields.saving') : t('fields.unsaved_offline')) : idle;
      hostEl.dataset.unsaved = String(u);
      // Which fields wait for the server (tests and support read it).
      hostEl.dataset.unsavedFields = [...values.pendingFields(), ...[...text].filter(([, b]) => b.hasUnacked).map(([n]) => n)].join(' ');
    };
    ctx.events.on('connection', updateStatus);

    const onUnload = (e: BeforeUnloadEvent) => {
      if (!unsaved()) return;
      // Also kept in IndexedDB and resent on the next visit; still, ask first.
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);

    const userOf = (by: WireOp['by']) => (by.id.startsWith('user:') ? by.id.slice(5) : null);
    const colorOf = (by: WireOp['by']) => {
      const id = userOf(by);
      const presence = ctx.use<{ colorOf(userId: string): string | undefined }>('presence');
      return (id && presence?.colorOf(id)) || '#2563eb';
    };

    /** A brief outline of a field changed by someone else, in their colour. */
    const flash = (f: FieldInfo, by: WireOp['by']) => {
      if (ctx.user && userOf(by) === ctx.user.id) return;
      const el = bindingOf(f).visible();
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

    // ——— text fields ———

    // The page key of the last join: while re-joining ctx.room is null, and that is exactly when edits must be kept.
    let pageKey: string | null = null;
    const persistKey = (name: string) => (pageKey ? fieldKey(ctx.serverUrl, pageKey, name) : null);
    const values = new ValueSync(ctx, watcher, { persistKey, onState: updateStatus, onRemote: flash });
    const bindText = (f: FieldInfo) => {
      const b: TextBinding = new TextBinding(ctx, f, {
        persistKey: () => persistKey(b.field.name),
        epoch: () => epoch,
        onState: updateStatus,
        onRemote: (by) => flash(b.field, by),
        write: (t) => watcher.write(b.field, t),
      });
      text.set(f.name, b);
    };
    for (const f of ctx.fields.all()) if (TEXT_KINDS.has(f.kind)) bindText(f);

    ctx.socket.on('field:ops', (m: { roomId: string; ops: WireOp[] }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      for (const o of m.ops) {
        const f = ctx.fields.get(o.field);
        if (!f) continue;
        if (o.kind === 'text') {
          text.get(o.field)?.receive(o);
          continue;
        }
        values.remote(f, o);
      }
      updateStatus();
    });

    // Where the room stands, sent periodically and after a fan-out outage: a lost broadcast is caught up here.
    ctx.socket.on('room:heads', (m: { roomId: string; fields: Record<string, number> }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      for (const [name, version] of Object.entries(m.fields)) {
        const f = ctx.fields.get(name);
        if (!f) continue;
        const b = text.get(name);
        if (b) b.behind(version);
        else void values.behind(f, version).then(updateStatus);
      }
    });

    ctx.socket.on('form:saved', (m: { roomId: string; by: { id: string; name: string } }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      const self = ctx.user && m.by.id === ctx.user.id;
      ctx.ui.toast(self ? t('fields.you_saved') : t('fields.saved_by', { name: m.by.name }), { ms: 5000 });
    });
    ctx.socket.on('form:record-changed', (m: { roomId: string; savedBy: string | null }) => {
      if (m.roomId !== ctx.room?.roomId) return;
      ctx.ui.toast(m.savedBy ? t('fields.record_saved_by', { name: m.savedBy }) : t('fields.record_saved'), { ms: 6000 });
    });

    /** Tells the room the record was saved with `saved` (what the form shows unless the host says). */
    const tellSaved = async (saved?: Record<string, unknown>): Promise<boolean> => {
      const room = ctx.room;
      if (!room || !ctx.fields.all().length) return false; // a list or a page without a form saves no record
      watcher.checkAll();
      const shown = Object.fromEntries(ctx.fields.all().map((f) => [f.name, bindingOf(f).read()]));
      const r = await ctx.request('form:saved', { roomId: room.roomId, values: { ...shown, ...(saved ?? {}) } });
      if (!r.ok) console.warn(`tandem: could not tell the room about the save (${r.error.code}): ${r.error.message}`);
      return r.ok;
    };
    ctx.provide('fields', { saved: tellSaved });
    // A single-page app's save: a successful write to the record's URL (fetch or XHR, see saves.ts),
    // or to the record of a page left just after Save (the room's values are what was saved).
    let hostSubmitAt = 0;
    // The text fields as the app's Save saw them: its later write (undoable mode) carries the same.
    let submittedText: Record<string, string> = {};
    const offWrites = onHostWrite(async (w) => {
      if (ctx.room && ctx.fields.all().length && isRecordSave(ctx.room.pageKey, w)) return (hostSubmitAt = 0), tellSaved();
      const key = leftPageSavedBy(w);
      if (!key) return;
      const r = await ctx.request('record:saved', { pageKey: key });
      if (!r.ok) console.warn(`tandem: could not tell page "${key}" about the save (${r.error.code}): ${r.error.message}`);
    });

    const guard = () =>
      ctx.fields.form
        ? guardSubmit(ctx, ctx.fields.form, { watcher, values, text, unsaved, onSubmit: (saved) => void tellSaved(saved), onHostSubmit: () => ((hostSubmitAt = Date.now()), (submittedText = Object.fromEntries([...text].map(([n, b]) => [n, b.client?.text ?? ''])))) })
        : () => undefined;
    let unguard = guard();

    // The app drew (part of) the form again on this page: bindings move to the new controls.
    const recent = trackRecentEdits();
    ctx.events.on('fields', (changes) => {
      rebindFields(changes, { text, values, watcher, isText: (f) => TEXT_KINDS.has(f.kind), bindText, touched: recent.touched });
      recent.clear();
      if (changes.formChanged) (unguard(), (unguard = guard()));
      updateStatus();
    });

    function offerDraft(d: NonNullable<DocumentAnswer['draft']>) {
      const when = new Date(d.editedAt).toLocaleString();
      openDialog(
        ctx,
        t('fields.draft_title'),
        [t('fields.draft_body', { when }), t('fields.draft_fields', { fields: d.fields.join(', ') })],
        [
          {
            id: 'saved',
            text: t('fields.draft_saved'),
            run: () => {
              const room = ctx.room;
              if (!room) return;
              const saved: Record<string, Value> = {};
              for (const f of ctx.fields.all()) saved[f.name] = bindingOf(f).readSaved();
              void ctx.request('form:draft', { roomId: room.roomId, choice: 'saved', values: saved });
            },
          },
          { id: 'continue', text: t('fields.draft_continue'), primary: true, run: () => void ctx.request('form:draft', { roomId: ctx.room?.roomId, choice: 'continue' }) },
        ],
      ).classList.add('fields-draft');
    }

    ctx.events.on('joined', async ({ room, rejoin }) => {
      epoch++;
      pageKey = room.pageKey;
      const doc = room.answer.document as DocumentAnswer | undefined;
      if (!doc) return;
      values.joined(Object.fromEntries(Object.entries(doc.fields).filter(([n]) => !text.has(n))), rejoin);
      for (const [name, b] of text) {
        const entry = doc.fields[name];
        if (!entry) continue;
        if (rejoin && b.client) {
          await b.resume();
          continue;
        }
        const saved = await loadState(fieldKey(ctx.serverUrl, room.pageKey, name));
        if (!saved && !sameValue(bindingOf(b.field).read(), entry.value)) b.field.element.dataset.tandemDiffers = 'true';
        await b.start(entry, saved?.state ?? null);
      }
      if (!rejoin && doc.draft) offerDraft(doc.draft);
      hostEl.dataset.fieldsReady = String(epoch);
      updateStatus();
    });

    ctx.events.on('connection', ({ state }) => state === 'connected' && values.flushAll());

    return () => {
      // Saved, then left before the app wrote the record (react-admin's undoable mode).
      if (pageKey && Date.now() - hostSubmitAt < 10_000) rememberLeftAfterSave(pageKey, submittedText);
      window.removeEventListener('beforeunload', onUnload);
      offWrites();
      unguard();
      watcher.stop();
      for (const b of text.values()) b.dispose();
    };
  },
});
