// The last line of the fidelity invariant: before the host form submits, every synchronised field
// must show the room's value or the user's own edit, and every edit must have reached the room.
// A field that disagrees is fixed; if it cannot be, or edits are still unsent, the submit waits
// or stops with a clear explanation. It never lets a stale value through silently.
import { bindingOf, sameValue, type Value, type Watcher } from '../bindings/index.js';
import type { FieldInfo, OverlayContext } from '../index.js';
import { t } from '../core/i18n.js';
import { openDialog } from './dialog.js';
import type { TextBinding } from './text.js';
import type { ValueSync } from './values.js';

const WAIT_MS = 5000;

export interface SubmitGuardDeps {
  watcher: Watcher;
  values: ValueSync;
  text: Map<string, TextBinding>;
  unsaved: () => boolean;
  /** The submit goes ahead with these values (tells the room "saved"). */
  onSubmit: (values: Record<string, Value>) => void;
  /** The host took the submit over (a single-page app saves by fetch, maybe later: saves.ts). */
  onHostSubmit: () => void;
}

export function guardSubmit(ctx: OverlayContext, form: HTMLFormElement, d: SubmitGuardDeps): () => void {
  let bypass = false;
  let waiting = false;

  /** Fields whose page value is not the one the room holds (or the user's pending edit), after trying to fix them. */
  const mismatches = (): FieldInfo[] => {
    const bad: FieldInfo[] = [];
    for (const f of ctx.fields.all()) {
      const t = d.text.get(f.name);
      const expected = t ? (t.client ? t.client.text : undefined) : d.values.known(f.name) ? d.values.expected(f.name) : undefined;
      if (expected === undefined) continue;
      const b = bindingOf(f);
      if (sameValue(b.read(), expected)) continue;
      d.watcher.write(f, expected);
      if (!sameValue(b.read(), expected)) bad.push(f);
    }
    return bad;
  };

  const names = (fs: Array<FieldInfo | undefined>) => fs.map((f) => `"${f ? f.label || f.name : '?'}"`).join(', ');

  /** true: submit now; false: stopped or deferred (a later submit is made by us). */
  const check = (go: () => void): boolean => {
    if (bypass) return (bypass = false), true;
    if (!ctx.room && ctx.connection === 'connecting') return true; // never joined: not a collaborative page
    d.watcher.checkAll(); // changes no signal reported become edits now
    const conflicts = d.values.conflicts();
    if (conflicts.length) {
      ctx.ui.toast(t('fields.resolve_first', { fields: names(conflicts.map((n) => ctx.fields.get(n))) }), { kind: 'error', ms: 8000 });
      return false;
    }
    const bad = mismatches();
    if (bad.length) {
      ctx.ui.toast(t('fields.not_shown', { fields: names(bad) }), { kind: 'error', ms: 10000 });
      return false;
    }
    if (!d.unsaved()) return true;
    if (ctx.connection !== 'connected' || !ctx.room) {
      offline(go);
      return false;
    }
    if (!waiting) wait(go);
    return false;
  };

  /** Edits are on their way: submit as soon as the room has them all (checked again then). */
  const wait = (go: () => void) => {
    waiting = true;
    ctx.ui.toast(t('fields.saving_first'), { ms: 2000 });
    const t0 = Date.now();
    const tick = () => {
      if (!d.unsaved()) return (waiting = false), go();
      if (Date.now() - t0 > WAIT_MS || ctx.connection !== 'connected') return (waiting = false), offline(go);
      setTimeout(tick, 50);
    };
    tick();
  };

  const offline = (go: () => void) => {
    openDialog(
      ctx,
      t('fields.offline_title'),
      [t('fields.offline_body')],
      [
        { id: 'wait', text: t('fields.wait'), primary: true, run: () => undefined },
        { id: 'save-anyway', text: t('fields.save_anyway'), run: () => ((bypass = true), go()) },
      ],
    ).classList.add('fields-offline-save');
  };

  const values = () => Object.fromEntries(ctx.fields.all().map((f) => [f.name, bindingOf(f).read()]));

  const onSubmitEvent = (e: SubmitEvent) => {
    if (e.target !== form) return;
    const submitter = e.submitter instanceof HTMLElement ? e.submitter : null;
    if (!check(() => (submitter ? form.requestSubmit(submitter) : form.requestSubmit()))) {
      e.preventDefault();
      e.stopImmediatePropagation();
      return;
    }
    pending = e;
    // Whether the form really goes to the server is known once the host's handlers ran: a
    // single-page app cancels the event and saves by fetch (told by saves.ts or Tandem.saved()).
    setTimeout(() => after(e), 0);
  };
  let pending: SubmitEvent | null = null;
  const after = (e: Event) => {
    if (e !== pending) return;
    pending = null;
    if (!e.defaultPrevented) d.onSubmit(values());
    else d.onHostSubmit();
  };
  // Capture on the document: ahead of every handler of the host's (which may submit by script).
  document.addEventListener('submit', onSubmitEvent, true);
  // Bubbling on the window: after them (the timer above is for a host that stops propagation).
  window.addEventListener('submit', after);

  // `form.submit()` fires no submit event: the same check guards it.
  const nativeSubmit = HTMLFormElement.prototype.submit;
  Object.defineProperty(form, 'submit', {
    configurable: true,
    value() {
      const go = () => form.submit();
      if (check(go)) {
        d.onSubmit(values());
        nativeSubmit.call(form);
      }
    },
  });
  return () => {
    document.removeEventListener('submit', onSubmitEvent, true);
    window.removeEventListener('submit', after);
    delete (form as unknown as Record<string, unknown>).submit;
  };
}
