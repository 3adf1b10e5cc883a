// select2 (Flask-AppBuilder's dropdowns; Django admin's autocomplete_fields through django.jQuery).
// The real <select> is hidden and stays the submitted control; select2 draws its own container
// and only redraws on a jQuery `change` it hears, so a value written into the select must be
// announced with `change.select2` (select2's own namespace: the host's handlers don't run twice).
import { lockElements } from '../native.js';
import type { JQueryObject, WidgetAdapter } from '../types.js';

interface Select2Instance {
  $container?: JQueryObject & { 0?: HTMLElement };
  $dropdown?: JQueryObject & { 0?: HTMLElement };
}

export const select2: WidgetAdapter = {
  name: 'select2',
  // select2's search box lives in its container, inside the form: not a field.
  ignore: (el) => el.closest('.select2-container') !== null,
  detect: (f, jq) => f.kind === 'select' && !!jq && f.element.classList.contains('select2-hidden-accessible') && !!jq(f.element).data('select2'),
  bind({ field, native, jq }) {
    const $ = jq!;
    const select = field.element as HTMLSelectElement;
    const inst = () => $(select).data('select2') as Select2Instance | undefined;
    const container = () => inst()?.$container?.[0] ?? (select.nextElementSibling as HTMLElement | null) ?? select;
    return {
      write(v, labels) {
        // An ajax-backed select2 holds only the chosen options: a value chosen elsewhere needs its
        // option, labelled as the writer's page showed it.
        for (const x of v === null ? [] : Array.isArray(v) ? v : [String(v)]) {
          if (![...select.options].some((o) => o.value === x)) select.add(new Option(labels?.[x] ?? x, x));
        }
        native.write(v);
        $(select).trigger('change.select2');
      },
      visible: container,
      owns: (el) => el === select || container().contains(el) || (inst()?.$dropdown?.[0]?.contains(el) ?? false),
      setLocked(locked) {
        native.setLocked(locked);
        lockElements([container()], locked);
      },
    };
  },
};
