// Material UI (and react-admin, which draws its inputs with it). MUI keeps each value in React
// state: every write goes through what React listens to (../framework.ts), never `.value` alone.
//  - Select: a hidden `<input class="MuiSelect-nativeInput">` (no type) holds the value; the
//    visible part is the `[role=combobox]` beside it. Its onChange takes a value that names an option.
//  - Autocomplete: the text input shows the chosen option's label; a choice is made by clicking an
//    option of its listbox (typing only filters), so a write opens the list and clicks the option.
//  - Switch: a checkbox under the thumb; people see the whole switch.
//  - MUI X date pickers: a hidden `<input class="MuiPickersInputBase-input">` holds the date as
//    the field shows it (e.g. 07/15/2024) and parses what it is given; people see the sections.
//    The room holds YYYY-MM-DD when the format is numeric.
import type { FieldInfo } from '../../core/types.js';
import { frameworkOf, frameworkWrite, setControlValue } from '../framework.js';
import type { Value, WidgetAdapter } from '../types.js';

const str = (v: Value) => (v === null ? '' : Array.isArray(v) ? v.join(',') : String(v));
const rootOf = (el: Element, sel: string) => (el.closest(sel) as HTMLElement | null) ?? (el as HTMLElement);
const isReact = (f: FieldInfo) => frameworkOf(f.element) === 'react';

/**
 * A value a person composes in steps (a date typed section by section, an autocomplete's search
 * text) is not a value until it is complete: while `typing()`, the field reads as what it last
 * held; `done` events (focus leaving, …) are the change signal. Nobody else sees "10/10/0002" or "Spo".
 */
function heldWhileTyping(typing: () => boolean, current: () => string) {
  let held = current();
  return {
    read: () => (typing() ? held : (held = current())),
    /** A write shows `v` at once: it is what the field holds now. */
    wrote: (v: string) => void (held = v),
  };
}

/** The text a label element shows for the field (MUI puts it on the FormControl, not on the hidden input). */
const formControlLabel = (f: FieldInfo) => f.element.closest('.MuiFormControl-root')?.querySelector('label')?.textContent?.replace(/\s*\*\s*$/, '').trim() ?? '';

export const muiSelect: WidgetAdapter = {
  name: 'mui-select',
  kind: 'select',
  detect: (f) => f.element.classList.contains('MuiSelect-nativeInput') && isReact(f),
  label: formControlLabel,
  bind({ field }) {
    const el = field.element as HTMLInputElement;
    const combobox = () => (el.parentElement?.querySelector('[role=combobox]') as HTMLElement | null) ?? rootOf(el, '.MuiInputBase-root');
    return {
      readSaved: () => el.value, // as for every framework-drawn field (../framework.ts)
      write: (v) => setControlValue(el, str(v)),
      visible: () => rootOf(el, '.MuiInputBase-root'),
      owns: (x) => rootOf(el, '.MuiInputBase-root').contains(x) || (x.closest('[role=listbox]')?.getAttribute('aria-labelledby') ?? '').split(' ').includes(combobox().id),
      // The shown label is known for the current value only (the options exist while the menu is open).
      describe: (v) => (str(v) === el.value ? combobox().textContent?.trim() || str(v) : str(v)) || '(empty)',
    };
  },
};

const AUTOCOMPLETE_WAIT_MS = 3000;

export const muiAutocomplete: WidgetAdapter = {
  name: 'mui-autocomplete',
  kind: 'select',
  detect: (f) => f.element.classList.contains('MuiAutocomplete-input') && isReact(f),
  bind({ field }) {
    const el = field.element as HTMLInputElement;
    const root = () => rootOf(el, '.MuiAutocomplete-root');
    const listbox = () => document.getElementById(el.getAttribute('aria-controls') ?? `${el.id}-listbox`);
    let pending: { value: string; until: number } | null = null;
    let run = 0;
    // Typing only filters the open list; a choice closes it.
    const held = heldWhileTyping(() => el.getAttribute('aria-expanded') === 'true', () => el.value);

    /** Opens the list, clicks the option labelled `label`, gives focus back to where the person was. */
    const choose = async (label: string, mine: number) => {
      const before = document.activeElement as HTMLElement | null;
      // Only text-like inputs have a selection (a focused switch or checkbox answers null and throws on set).
      const range = (before instanceof HTMLInputElement || before instanceof HTMLTextAreaElement) && before.selectionStart !== null ? ([before.selectionStart, before.selectionEnd] as const) : null;
      const restore = () => {
        if (before && before !== el && before.isConnected) {
          before.focus({ preventScroll: true });
          if (range && (before instanceof HTMLInputElement || before instanceof HTMLTextAreaElement)) before.setSelectionRange(range[0] ?? 0, range[1] ?? 0);
        } else if (before !== el) el.blur();
      };
      try {
        if (label === '') {
          (root().querySelector('.MuiAutocomplete-clearIndicator') as HTMLElement | null)?.click();
          return;
        }
        const deadline = Date.now() + AUTOCOMPLETE_WAIT_MS;
        if (!listbox()) (root().querySelector('.MuiAutocomplete-popupIndicator') as HTMLElement | null)?.click();
        for (;;) {
          if (mine !== run) return; // a newer write took over
          const option = [...(listbox()?.querySelectorAll<HTMLElement>('[role=option]') ?? [])].find((o) => o.textContent?.trim() === label);
          if (option) return option.click();
          if (Date.now() > deadline) return console.warn(`tandem: "${field.label || field.name}": no option "${label}" to choose`);
          await new Promise((r) => setTimeout(r, 30));
        }
      } finally {
        if (mine === run) {
          restore();
          pending = null;
        }
      }
    };
    const open = () => el.getAttribute('aria-expanded') === 'true';
    /** A remote value that came while the person had the list open: theirs to finish first. */
    let deferred: { label: string; shown: string } | null = null;
    const apply = (label: string) => {
      held.wrote(label);
      if (label === el.value && !pending) return;
      pending = { value: label, until: Date.now() + AUTOCOMPLETE_WAIT_MS + 500 };
      void choose(label, ++run);
    };
    return {
      // While a choice is being made the field reads as what it will show, so the watcher never reports the old label.
      read: () => (pending && Date.now() < pending.until ? pending.value : held.read()),
      readSaved: () => el.value,
      write(v) {
        const label = str(v);
        // Picking for someone in the middle of their own pick would close their list under the pointer.
        if (open() && document.activeElement === el) deferred = { label, shown: held.read() };
        else apply(label);
      },
      // The list closing ends a pick: a remote value waiting is shown unless the person chose (their choice is then an edit, against the newer value).
      listen(changed) {
        const mo = new MutationObserver(() => {
          if (open()) return;
          const d = deferred;
          deferred = null;
          if (d && el.value === d.shown) apply(d.label);
          changed();
        });
        mo.observe(el, { attributes: true, attributeFilter: ['aria-expanded'] });
        return () => mo.disconnect();
      },
      visible: () => root(),
      owns: (x) => root().contains(x) || (listbox()?.contains(x) ?? false),
    };
  },
};

export const muiSwitch: WidgetAdapter = {
  name: 'mui-switch',
  detect: (f) => f.element.classList.contains('MuiSwitch-input') && isReact(f),
  bind: ({ field, native }) => ({ write: (v) => frameworkWrite(field, native, v), readSaved: () => native.read(), visible: () => rootOf(field.element, '.MuiSwitch-root') }),
};

/**
 * A date picker whose sections are month, day and year in digits (any order, any separators):
 * its sections in the order shown. Null for other formats (month names, times), which are synced
 * as the field shows them. MUI X names no section type in the DOM; its boundaries tell them apart.
 */
function numericDateSections(root: HTMLElement): Array<{ el: HTMLElement; type: 'month' | 'day' | 'year' }> | null {
  const spins = [...root.querySelectorAll<HTMLElement>('[role=spinbutton]')];
  if (spins.length !== 3 || spins.some((x) => x.inputMode !== 'numeric')) return null;
  const typeOf = (x: HTMLElement) => {
    const max = Number(x.getAttribute('aria-valuemax'));
    return max === 12 ? 'month' : max >= 28 && max <= 31 ? 'day' : max > 31 ? 'year' : null;
  };
  const out = spins.map((el) => ({ el, type: typeOf(el) }));
  if (new Set(out.map((x) => x.type)).size !== 3 || out.some((x) => x.type === null)) return null;
  return out as Array<{ el: HTMLElement; type: 'month' | 'day' | 'year' }>;
}
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const bidiMarks = /[\u200e\u200f\u2066-\u2069]/g;

/** What the room holds for a shown date: `YYYY-MM-DD` when the format is numeric, else the shown text. */
function isoOf(shown: string, root: HTMLElement): string {
  const sections = numericDateSections(root);
  const groups = shown.match(/\d+/g);
  if (!sections || !groups || groups.length !== 3) return shown;
  const by = Object.fromEntries(sections.map((x, i) => [x.type, groups[i]!]));
  if (by.year!.length !== 4) return shown;
  return `${by.year}-${by.month!.padStart(2, '0')}-${by.day!.padStart(2, '0')}`;
}

/** The shown text for a room's `YYYY-MM-DD`, in the picker's own order and separators. */
function shownOf(v: string, root: HTMLElement): string {
  const m = ISO_DATE.exec(v);
  const sections = m && numericDateSections(root);
  if (!m || !sections) return v;
  const part = { year: m[1]!, month: m[2]!, day: m[3]! };
  const text = (el: Element | null) => (el?.textContent ?? '').replace(bidiMarks, '');
  return sections.map((x) => text(x.el.previousElementSibling) + part[x.type] + text(x.el.nextElementSibling)).join('');
}

export const muiDatePicker: WidgetAdapter = {
  name: 'mui-date-picker',
  kind: 'date',
  detect: (f) => f.element.classList.contains('MuiPickersInputBase-input') && isReact(f),
  label: formControlLabel,
  bind({ field }) {
    const el = field.element as HTMLInputElement;
    const root = () => rootOf(el, '.MuiPickersInputBase-root');
    const sections = () => root().querySelector('.MuiPickersSectionList-root');
    const inSections = (t: EventTarget | null) => t instanceof Node && (sections()?.contains(t) ?? false);
    let typing = inSections(document.activeElement);
    // The room holds YYYY-MM-DD (what business apps and other locales read), the input its own text.
    // A date complete in every section is a change even while typing goes on; a half-typed one is not.
    const held = heldWhileTyping(() => typing && !ISO_DATE.test(isoOf(el.value, root())), () => isoOf(el.value, root()));
    return {
      read: held.read,
      readSaved: () => isoOf(el.value, root()),
      write: (v) => (held.wrote(str(v)), setControlValue(el, shownOf(str(v), root()))),
      // Focus moving between the sections is still typing, and so is a moment in the overlay's own
      // dialog (a conflict choice opening mid-typing); focus anywhere else ends it: the date's change.
      listen(changed) {
        const ours = (t: EventTarget | null) => t instanceof Element && t.closest('[data-tandem]') !== null;
        const done = () => {
          if (!typing) return;
          typing = false;
          changed();
        };
        const onIn = (e: FocusEvent) => {
          if (inSections(e.target)) typing = true;
          else if (!ours(e.target)) done();
        };
        const onOut = (e: FocusEvent) => {
          if (inSections(e.target) && !inSections(e.relatedTarget) && !ours(e.relatedTarget)) done();
        };
        document.addEventListener('focusin', onIn, true);
        document.addEventListener('focusout', onOut, true);
        return () => (document.removeEventListener('focusin', onIn, true), document.removeEventListener('focusout', onOut, true));
      },
      visible: root,
      owns: (x) => root().contains(x) || x.closest('.MuiPickerPopper-root, .MuiPickersPopper-root, [role=dialog]')?.querySelector('.MuiDateCalendar-root') != null,
    };
  },
};
