// flatpickr: the input keeps the submitted value (flatpickr sets `.value` and fires native
// events); its calendar holds a parsed date of its own, which must follow remote writes.
// Unless `allowInput`, flatpickr marks the input readonly (people pick from the calendar): that
// is not a read-only field. With `altInput` it turns the submitted input into type=hidden and
// shows a readable copy after it: the hidden input is still the field, the copy is what people see.
import { lockElements } from '../native.js';
import type { WidgetAdapter } from '../types.js';

interface Flatpickr {
  input: HTMLInputElement;
  altInput?: HTMLInputElement | null;
  calendarContainer?: HTMLElement;
  config: { clickOpens?: boolean };
  setDate(date: string | string[], triggerChange?: boolean): void;
  clear(triggerChange?: boolean): void;
}

const instance = (el: Element) => (el as { _flatpickr?: Flatpickr })._flatpickr;

export const flatpickr: WidgetAdapter = {
  name: 'flatpickr',
  kind: 'date',
  detect: (f) => !!instance(f.element),
  claims: (el) => el instanceof HTMLInputElement && el.type === 'hidden' && !!instance(el)?.altInput,
  readOnly: (f) => (f.element as HTMLInputElement).disabled || instance(f.element)?.config.clickOpens === false,
  bind({ field, native }) {
    const fp = () => instance(field.element)!;
    return {
      write(v) {
        if (v === null || v === '') fp().clear(false);
        else fp().setDate(Array.isArray(v) ? v : String(v), false);
        // flatpickr formats the date itself: the submitted text must be exactly the room's.
        native.write(v);
      },
      visible: () => fp().altInput ?? field.element,
      owns: (el) => el === field.element || el === fp().altInput || (fp().calendarContainer?.contains(el) ?? false),
      setLocked(locked) {
        native.setLocked(locked);
        const alt = fp().altInput;
        if (alt) lockElements([alt], locked);
      },
    };
  },
};
