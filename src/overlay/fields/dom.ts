// Reading and writing host form values, by field kind. Values cross the wire as JSON:
// text/number/date → string, checkbox → boolean (a group: the checked values), radio → the
// checked value or null, select → the value (multiple: the selected values).
import type { FieldInfo } from '../index.js';

export type Value = string | boolean | number | string[] | null;

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

export function readValue(f: FieldInfo, saved = false): Value {
  const el = f.element as Control;
  switch (f.kind) {
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
      return s.multiple ? [...s.selectedOptions].map((o) => o.value) : s.value;
    }
    default:
      return saved ? (el as HTMLInputElement).defaultValue : (el as HTMLInputElement).value;
  }
}

export function writeValue(f: FieldInfo, v: Value): void {
  switch (f.kind) {
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
    default:
      (f.element as HTMLInputElement).value = v === null ? '' : String(v);
  }
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  return empty(a) && empty(b);
}

/** A readable rendering of a value for dialogs (textContent only). */
export function describeValue(f: FieldInfo | undefined, v: unknown): string {
  if (v === null || v === undefined || v === '') return '(empty)';
  if (typeof v === 'boolean') return v ? 'checked' : 'unchecked';
  if (f?.kind === 'select') {
    const s = f.element as HTMLSelectElement;
    const label = (x: string) => [...s.options].find((o) => o.value === x)?.textContent?.trim() || x;
    return Array.isArray(v) ? v.map(label).join(', ') : label(String(v));
  }
  return Array.isArray(v) ? v.join(', ') : String(v);
}
