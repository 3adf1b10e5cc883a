// A single-page app draws its form again on the same page (a conditional input appears, React
// re-creates a control, a widget starts late): the co-editing state stays and moves to the new
// elements (core/boot.ts `rebind`). What a redrawn control shows is the room's value unless the
// user typed into it (or its widget) just before: an app drawing from stale state must not become an edit.
import { bindingOf, type Watcher } from '../bindings/index.js';
import type { FieldChanges, FieldInfo } from '../index.js';
import type { TextBinding } from './text.js';
import type { ValueSync } from './values.js';

/** How recent a person's input must be to count as the reason a redrawn control differs. */
const RECENT_MS = 2_000;

/**
 * What the person typed into or changed lately, wherever it landed: a control not bound yet, or a
 * widget whose part they typed in (MUI's date sections) while the app replaced its input.
 */
export function trackRecentEdits(): { touched(f: FieldInfo): boolean; clear(): void } {
  let seen: Array<{ target: EventTarget; at: number }> = [];
  const note = (e: Event) => {
    if (!e.isTrusted || !e.target) return;
    const now = Date.now();
    seen = seen.filter((x) => now - x.at < RECENT_MS).slice(-50);
    seen.push({ target: e.target, at: now });
  };
  for (const type of ['input', 'change', 'keydown']) document.addEventListener(type, note, true);
  return {
    touched: (f) =>
      seen.some(({ target, at }) => Date.now() - at < RECENT_MS && target instanceof Element && (f.elements.includes(target as HTMLElement) || bindingOf(f).owns(target))),
    clear: () => void (seen = []),
  };
}

export interface RebindParts {
  text: Map<string, TextBinding>;
  values: ValueSync;
  watcher: Watcher;
  isText(f: FieldInfo): boolean;
  bindText(f: FieldInfo): void;
  touched(f: FieldInfo): boolean;
}

/** Moves bindings to the redrawn controls; fields that appeared start with the join answer that follows. */
export function rebindFields(changes: FieldChanges, p: RebindParts): void {
  const moved: FieldInfo[] = [];
  for (const f of changes.removed) drop(f, p);
  for (const { from, to } of changes.moved) {
    const b = p.text.get(from.name);
    if (b && p.isText(to)) {
      b.moveTo(to);
      moved.push(to);
    } else if (!b && !p.isText(to)) {
      moved.push(to);
    } else {
      drop(from, p); // another kind of control under the same name: bound afresh
      if (p.isText(to)) p.bindText(to);
    }
  }
  for (const f of changes.added) if (p.isText(f)) p.bindText(f);
  p.watcher.refresh();
  for (const f of moved) {
    const b = p.text.get(f.name);
    const typed = p.touched(f);
    if (b) typed ? b.onInput() : b.show();
    else if (typed) p.values.local(f, bindingOf(f).read());
    else if (p.values.known(f.name)) p.values.show(f);
  }
}

function drop(f: FieldInfo, p: RebindParts): void {
  const b = p.text.get(f.name);
  if (b) {
    b.dispose();
    p.text.delete(f.name);
  }
}
