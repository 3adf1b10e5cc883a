import { bindingOf, claimedControl, ignoredControl, widgetOf } from '../bindings/registry.js';
import type { FieldChanges, FieldInfo, FieldKind, FieldRegistry } from './types.js';

/** Never synchronised or announced: secrets and things that are not user data. */
const SKIPPED_TYPES = new Set(['password', 'hidden', 'file', 'submit', 'button', 'reset', 'image']);
const TEXT_TYPES = new Set(['text', 'email', 'url', 'search', 'tel', '']);
const DATE_TYPES = new Set(['date', 'datetime-local', 'time', 'month', 'week']);
const MAX_FIELDS = 300;

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

export function kindOf(el: Element): FieldKind | null {
  if (el instanceof HTMLTextAreaElement) return 'textarea';
  if (el instanceof HTMLSelectElement) return 'select';
  if (!(el instanceof HTMLInputElement)) return null;
  const t = (el.getAttribute('type') ?? '').toLowerCase();
  if (SKIPPED_TYPES.has(t)) return null;
  if (TEXT_TYPES.has(t)) return 'text';
  if (t === 'checkbox') return 'checkbox';
  if (t === 'radio') return 'radio';
  if (t === 'number' || t === 'range') return 'number';
  if (DATE_TYPES.has(t)) return 'date';
  return 'other';
}

function labelOf(el: Control): string {
  const aria = el.getAttribute('aria-label');
  if (aria) return aria.trim();
  const byFor = el.id ? el.ownerDocument.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
  const label = byFor ?? el.closest('label');
  const text = label?.textContent?.replace(/\s+/g, ' ').replace(/:\s*$/, '').trim();
  if (text) return text;
  return (el.getAttribute('placeholder') ?? el.getAttribute('title') ?? '').trim();
}

export const controlsOf = (form: ParentNode): Control[] =>
  [...form.querySelectorAll<Control>('input, textarea, select')].filter((el) => (el.name || el.id) && (kindOf(el) !== null || claimedControl(el)) && !ignoredControl(el));

/** The page's main form: the one with the most eligible fields (a search box loses to the record form). */
export function findForm(doc: Document, selector?: string): HTMLFormElement | null {
  if (selector) return doc.querySelector<HTMLFormElement>(selector);
  let best: HTMLFormElement | null = null;
  let bestCount = 0;
  for (const form of doc.forms) {
    const n = controlsOf(form).length;
    if (n > bestCount) [best, bestCount] = [form, n];
  }
  return best;
}

/** The form's fields, read again when the form changes (`replace`): unchanged fields keep their FieldInfo. */
export interface LiveFieldRegistry extends FieldRegistry {
  replace(form: HTMLFormElement | null): FieldChanges;
}

export function createFieldRegistry(initial: HTMLFormElement | null): LiveFieldRegistry {
  let form = initial;
  let byName = scanFields(form, new Map());
  let byElement = indexByElement(byName);
  return {
    get form() {
      return form;
    },
    all: () => [...byName.values()],
    get: (name) => byName.get(name),
    fieldOf(target) {
      let el = target instanceof Element ? target : null;
      for (let e = el; e; e = e.parentElement) {
        const f = byElement.get(e);
        if (f) return f;
      }
      // A widget's own elements (select2's container, a datepicker's popup) sit outside the control.
      if (!el) return undefined;
      for (const f of byName.values()) if (f.elements.length && bindingOf(f).owns(el)) return f;
      return undefined;
    },
    replace(next) {
      const before = byName;
      const formBefore = form;
      form = next;
      byName = scanFields(next, before);
      byElement = indexByElement(byName);
      const changes: FieldChanges = { added: [], removed: [], moved: [], formChanged: next !== formBefore };
      for (const [name, f] of byName) {
        const old = before.get(name);
        if (!old) changes.added.push(f);
        else if (old !== f) changes.moved.push({ from: old, to: f });
      }
      for (const [name, f] of before) if (!byName.has(name)) changes.removed.push(f);
      return changes;
    },
  };
}

const sameElements = (a: HTMLElement[], b: HTMLElement[]) => a.length === b.length && a.every((el, i) => el === b[i]);

/** One FieldInfo per name; a field whose elements and kind did not change is the `previous` object itself. */
function scanFields(form: HTMLFormElement | null, previous: Map<string, FieldInfo>): Map<string, FieldInfo> {
  const byName = new Map<string, FieldInfo>();
  if (!form) return byName;
  for (const el of controlsOf(form)) {
    const name = (el.name || el.id).slice(0, 200);
    const existing = byName.get(name);
    if (existing) {
      // Radio groups (and checkbox groups) share a name: one field, several elements.
      existing.elements.push(el);
      continue;
    }
    if (byName.size >= MAX_FIELDS) continue;
    allowSelection(el);
    const kind = kindOf(el) ?? 'other'; // a claimed control: its adapter names the kind
    byName.set(name, { name, kind, label: labelOf(el).slice(0, 300), readOnly: el.disabled || ('readOnly' in el && el.readOnly), element: el, elements: [el] });
  }
  for (const [name, info] of byName) {
    const old = previous.get(name);
    if (old && sameElements(old.elements, info.elements)) {
      byName.set(name, old);
      continue;
    }
    // Decided once, here, before any module reads them: a widget may make the field another kind
    // (a datepicker's input holds a date) or say it is writable (flatpickr sets readonly itself).
    const widget = widgetOf(info);
    if (widget?.kind) info.kind = widget.kind;
    if (widget?.readOnly) info.readOnly = widget.readOnly(info);
    if (!info.label && widget?.label) info.label = widget.label(info).slice(0, 300);
  }
  return byName;
}

function indexByElement(byName: Map<string, FieldInfo>): WeakMap<Element, FieldInfo> {
  const byElement = new WeakMap<Element, FieldInfo>();
  for (const f of byName.values()) for (const el of f.elements) byElement.set(el, f);
  return byElement;
}

/** What room:join carries: the server derives and validates the page key from it. */
export function pageContext(doc: Document, fields: FieldRegistry, hostKey?: string, hostTitle?: string) {
  return {
    url: doc.location.href.slice(0, 2048),
    title: (hostTitle ?? doc.title).slice(0, 500),
    ...(hostKey ? { pageKey: hostKey } : {}),
    // `value`: what the page rendered (the saved record), not what the user typed since; seeds the form document.
    fields: fields.all().map((f) => ({ name: f.name, kind: f.kind, label: f.label, readOnly: f.readOnly, value: renderedValue(f) })),
  };
}

/** The value a field had as the page was served (default value / selected / checked attributes). */
const renderedValue = (f: FieldInfo) => bindingOf(f).readSaved();

/**
 * `<input type=email>` has no selection API: nobody's caret could be kept while others type, and
 * every caret call throws. It is co-edited as a text input with the email keyboard (`inputmode`);
 * the submitted value is the same (hosts validate email addresses on the server anyway).
 */
function allowSelection(el: Control): void {
  if (el instanceof HTMLInputElement && el.type === 'email') {
    el.dataset.tandemType = 'email';
    if (!el.hasAttribute('inputmode')) el.inputMode = 'email';
    el.type = 'text';
  }
}
