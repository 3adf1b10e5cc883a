// Native bindings: the host's own controls, by field kind. Values as in types.ts.
import type { FieldInfo } from '../core/types.js';
import type { FieldBinding, Value } from './types.js';

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** The kind to handle the control as: a widget may name another (a hidden input that holds a select's value). */
const kindOfControl = (f: FieldInfo) => (f.kind === 'select' && !(f.element instanceof HTMLSelectElement) ? 'text' : f.kind);

function readField(f: FieldInfo, saved: boolean): Value {
  const el = f.element as Control;
  switch (kindOfControl(f)) {
    case 'checkbox': {
      const boxes = f.elements as HTMLInputElement[];
      if (boxes.length === 1) return saved ? boxes[0]!.defaultChecked : boxes[0]!.checked;
      return boxes.filter((b) => (saved ? b.defaultChecked : b.checked)).map((b) => b.value);
    }
    case 'radio': {
      const on = (f.elements as HTMLInputElement[]).find((r) => (saved ? r.defaultChecked : r.checked));
      return on ? on.value : null;
    }
    case 'select': {
      const s = el as HTMLSelectElement;
      if (saved) {
        const chosen = [...s.options].filter((o) => o.defaultSelected).map((o) => o.value);
        if (s.multiple) return chosen;
        return chosen[0] ?? s.options[0]?.value ?? null;
      }
      return s.multiple ? [...s.selectedOptions].map((o) => o.value) : s.selectedIndex < 0 ? null : s.value;
    }
    default:
      return saved ? (el as HTMLInputElement).defaultValue : (el as HTMLInputElement).value;
  }
}

function writeField(f: FieldInfo, v: Value): void {
  switch (kindOfControl(f)) {
    case 'checkbox': {
      const boxes = f.elements as HTMLInputElement[];
      if (boxes.length === 1) boxes[0]!.checked = v === true;
      else for (const b of boxes) b.checked = Array.isArray(v) && v.includes(b.value);
      return;
    }
    case 'radio':
      for (const r of f.elements as HTMLInputElement[]) r.checked = r.value === v;
      return;
    case 'select': {
      const s = f.element as HTMLSelectElement;
      if (s.multiple) for (const o of s.options) o.selected = Array.isArray(v) && v.includes(o.value);
      else s.value = v === null ? '' : String(v);
      return;
    }
    default: {
      const el = f.element as HTMLInputElement;
      const s = v === null ? '' : String(v);
      if (el.value !== s) el.value = s;
    }
  }
}

/** The option labels of a select, for dialogs. */
export function optionLabel(s: HTMLSelectElement, value: string): string {
  return [...s.options].find((o) => o.value === value)?.textContent?.trim() || value;
}

export function describeValue(f: FieldInfo, v: Value): string {
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return '(empty)';
  if (typeof v === 'boolean') return v ? 'checked' : 'unchecked';
  if (f.kind === 'select' && f.element instanceof HTMLSelectElement) {
    const s = f.element;
    return Array.isArray(v) ? v.map((x) => optionLabel(s, x)).join(', ') : optionLabel(s, String(v));
  }
  if (f.kind === 'radio') {
    const r = (f.elements as HTMLInputElement[]).find((e) => e.value === v);
    const label = r?.labels?.[0]?.textContent?.trim();
    if (label) return label;
  }
  if (f.kind === 'checkbox' && Array.isArray(v)) {
    return v.map((x) => (f.elements as HTMLInputElement[]).find((e) => e.value === x)?.labels?.[0]?.textContent?.trim() || x).join(', ');
  }
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/**
 * Locking keeps the control in the submitted form: a `disabled` control is left out of the
 * form data, so a locked select or checkbox would be saved as empty / unchecked by the host.
 * `inert` blocks pointer, keyboard and focus instead.
 */
export function lockElements(els: HTMLElement[], locked: boolean): void {
  for (const el of els) {
    if (locked) {
      if (el.dataset.tandemLocked === 'true') continue;
      el.dataset.tandemLocked = 'true';
      el.dataset.tandemWasInert = String(el.inert);
      el.inert = true;
      el.setAttribute('aria-disabled', 'true');
      if ('readOnly' in el && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) {
        el.dataset.tandemWasReadonly = String(el.readOnly);
        el.readOnly = true;
      }
    } else {
      if (el.dataset.tandemLocked !== 'true') continue;
      el.inert = el.dataset.tandemWasInert === 'true';
      el.removeAttribute('aria-disabled');
      if (el.dataset.tandemWasReadonly !== undefined) (el as HTMLInputElement).readOnly = el.dataset.tandemWasReadonly === 'true';
      delete el.dataset.tandemLocked;
      delete el.dataset.tandemWasInert;
      delete el.dataset.tandemWasReadonly;
    }
  }
}

/** The smallest element holding every control of a group (a radio or checkbox group's list). */
function groupBox(els: HTMLElement[]): HTMLElement {
  let box: HTMLElement | null = els[0]!.parentElement;
  while (box && !els.every((e) => box!.contains(e))) box = box.parentElement;
  return box && box.tagName !== 'FORM' ? box : els[0]!;
}

export function nativeBinding(f: FieldInfo): FieldBinding {
  return {
    adapter: 'native',
    read: () => readField(f, false),
    readSaved: () => readField(f, true),
    write: (v) => writeField(f, v),
    visible: () => (f.elements.length > 1 ? groupBox(f.elements) : f.element),
    owns: (el) => f.elements.includes(el as HTMLElement),
    setLocked: (locked) => lockElements(f.elements, locked),
    describe: (v) => describeValue(f, v),
  };
}
