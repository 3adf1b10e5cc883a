// Django admin's date and time shortcuts (admin/js/admin/DateTimeShortcuts.js): "Today"/"Now"
// links and a calendar or clock popup next to a text input (class vDateField / vTimeField). They
// set the input's `.value` and fire no event; the watcher's value setters catch that. A date is
// chosen whole, so the field is a versioned value (kind `date`), never co-edited as text. The
// shortcut links and the popup (on <body>, outside the form) belong to the field for focus and
// presence, and lock with it.
import type { FieldBinding, WidgetAdapter } from '../types.js';

/** The shortcuts span DateTimeShortcuts inserts right after the input, and the popup it opens. */
function partsOf(input: HTMLElement): HTMLElement[] {
  const span = input.nextElementSibling;
  if (!(span instanceof HTMLElement) || !span.classList.contains('datetimeshortcuts')) return [];
  const parts = [span];
  for (const link of span.querySelectorAll<HTMLElement>('a[id^="calendarlink"], a[id^="clocklink"]')) {
    const m = /^(calendar|clock)link(\d+)$/.exec(link.id);
    const box = m && input.ownerDocument.getElementById(`${m[1]}box${m[2]}`);
    if (box) parts.push(box);
  }
  return parts;
}

export const djangoCalendar: WidgetAdapter = {
  name: 'django-calendar',
  kind: 'date',
  detect: (f) => (f.kind === 'text' || f.kind === 'date') && f.element.matches('input.vDateField, input.vTimeField'),
  bind({ field, native }): Partial<FieldBinding> {
    return {
      owns: (el) => native.owns(el) || partsOf(field.element).some((p) => p.contains(el)),
      setLocked(locked) {
        native.setLocked(locked);
        const span = partsOf(field.element)[0];
        if (span) span.inert = locked;
      },
    };
  },
};
