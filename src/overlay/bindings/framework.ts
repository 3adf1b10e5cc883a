// Framework-controlled inputs (React, Vue's v-model): the framework keeps the value in its own
// state and draws the input from it, so assigning `.value` shows a value the framework never
// saves (and its next render puts back). Such inputs are written the way a person's typing
// reaches the framework: the prototype's value setter (React's own tracker, an own property
// on the element, must still hold the old value, or React sees no change), then the events the
// framework listens to. The watcher is quiet while we write, so these events are not echoed.
import type { FieldInfo } from '../core/types.js';
import type { FieldBinding, Value, WidgetAdapter } from './types.js';

export type Framework = 'react' | 'vue';

/** React marks its DOM nodes with `__reactProps$…` / `__reactFiber$…`; Vue 3 with the symbols `_vei` (its
 *  event listeners) and `_assign` (v-model), Vue 2 with `__vue__`. */
export function frameworkOf(el: Element): Framework | null {
  for (const k of Object.keys(el)) {
    if (k.startsWith('__reactProps$') || k.startsWith('__reactFiber$')) return 'react';
    if (k === '_vei' || k === '_assign' || k === '__vue__') return 'vue';
  }
  for (const sym of Object.getOwnPropertySymbols(el)) if (sym.description === '_vei' || sym.description === '_assign') return 'vue';
  return null;
}

/** The setter of the element's own class (HTMLInputElement, HTMLTextAreaElement, …), not React's tracker on the element. */
const protoSetter = (el: Element, prop: 'value' | 'checked') =>
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el) as object, prop)?.set as ((this: Element, v: unknown) => void) | undefined;

// One set for tandem.js and the adapter packs (each bundles its own copy of this module).
const own: WeakSet<Event> = ((globalThis as { tandemOwnEvents?: WeakSet<Event> }).tandemOwnEvents ??= new WeakSet());
/** True for the events a write dispatched (the overlay's own listeners must not take them for typing). */
export const isOwnEvent = (e: Event) => own.has(e);
const fire = (el: Element, type: string) => {
  const e = new Event(type, { bubbles: true });
  own.add(e);
  el.dispatchEvent(e);
};

/** Sets a text-like control's value so the framework's onChange / v-model sees it. */
export function setControlValue(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, s: string): void {
  if (el.value === s) return;
  const set = protoSetter(el, 'value');
  if (set) set.call(el, s);
  else el.value = s;
  fire(el, 'input');
  fire(el, 'change');
}

/** Checks or unchecks a checkbox (a Material UI Switch is one) the way a click does: frameworks listen to click/change. */
export function setControlChecked(el: HTMLInputElement, on: boolean): void {
  if (el.checked === on) return;
  // A click toggles and fires click, input and change, as a person's click does (React's onChange
  // for checkboxes listens to click). `inert` (a locked field) does not stop a script's click.
  // If a handler cancels the click, the page keeps what it decided; the watcher reports it.
  el.click();
}

/** The native binding's write, through the framework: each kind as a person would change it. */
export function frameworkWrite(f: FieldInfo, native: FieldBinding, v: Value): void {
  const el = f.element;
  switch (f.kind) {
    case 'checkbox': {
      const boxes = f.elements as HTMLInputElement[];
      if (boxes.length === 1) setControlChecked(boxes[0]!, v === true);
      else for (const b of boxes) setControlChecked(b, Array.isArray(v) && v.includes(b.value));
      return;
    }
    case 'radio': {
      const r = (f.elements as HTMLInputElement[]).find((x) => x.value === v);
      if (r && !r.checked) r.click();
      if (!r) native.write(v);
      return;
    }
    case 'select':
      if (el instanceof HTMLSelectElement && el.multiple) {
        for (const o of el.options) o.selected = Array.isArray(v) && v.includes(o.value);
        fire(el, 'input');
        fire(el, 'change');
        return;
      }
      setControlValue(el as HTMLInputElement, v === null ? '' : String(v));
      return;
    default:
      setControlValue(el as HTMLInputElement, v === null ? '' : String(v));
  }
}

/**
 * The value a framework-drawn field had when the overlay mounted is the saved record: the app
 * drew the form from it (the overlay mounts once the form stopped changing, follow.ts); the
 * `defaultValue` attributes the native binding reads are not kept by Vue, nor by React for a
 * textarea filled after it was drawn. So `readSaved` is what the field shows (at join).
 *
 * Any field React or Vue draws that no more specific adapter claimed (Material UI's TextField,
 * react-admin's inputs, a `v-model` input): reads and shows like the native binding, writes
 * through the framework. Last in detection order.
 */
export const frameworkControlled: WidgetAdapter = {
  name: 'framework',
  detect: (f) => frameworkOf(f.element) !== null,
  bind: ({ field, native }) => ({ write: (v) => frameworkWrite(field, native, v), readSaved: () => native.read() }),
};
