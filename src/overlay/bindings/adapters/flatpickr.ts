// flatpickr: the input keeps the submitted value (flatpickr sets `.value` and fires native
// events); its calendar holds a parsed date of its own, which must follow remote writes.
import type { WidgetAdapter } from '../types.js';

interface Flatpickr {
  input: HTMLInputElement;
  altInput?: HTMLInputElement | null;
  calendarContainer?: HTMLElement;
  setDate(date: string | string[], triggerChange?: boolean): void;
  clear(triggerChange?: boolean): void;
}

export const flatpickr: WidgetAdapter = {
  name: 'flatpickr',
  kind: 'date',
  detect: (f) => !!(f.element as { _flatpickr?: unknown })._flatpickr,
  bind({ field, native }) {
    const fp = () => (field.element as unknown as { _flatpickr: Flatpickr })._flatpickr;
    return {
      write(v) {
        if (v === null || v === '') fp().clear(false);
        else fp().setDate(Array.isArray(v) ? v : String(v), false);
        // flatpickr formats the date itself: the submitted text must be exactly the room's.
        native.write(v);
      },
      visible: () => fp().altInput ?? field.element,
      owns: (el) => el === field.element || el === fp().altInput || (fp().calendarContainer?.contains(el) ?? false),
    };
  },
};
