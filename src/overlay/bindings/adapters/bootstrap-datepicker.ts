// bootstrap-datepicker (Flask-AppBuilder's date fields): sets the input through jQuery `.val()`
// and triggers jQuery events only (the watcher hears both); after a remote write its picker
// must re-read the input, or it would show and re-submit the old date when opened.
import type { JQueryLike, WidgetAdapter } from '../types.js';

interface BootstrapDatepicker {
  picker?: { 0?: HTMLElement };
  update?: unknown;
}

const instance = (jq: JQueryLike | null, el: HTMLElement) => (jq ? (jq(el).data('datepicker') as BootstrapDatepicker | undefined) : undefined);

export const bootstrapDatepicker: WidgetAdapter = {
  name: 'bootstrap-datepicker',
  kind: 'date',
  detect: (f, jq) => {
    const dp = instance(jq, f.element);
    return !!dp && typeof dp.update === 'function' && !!dp.picker;
  },
  bind({ field, native, jq }) {
    const $ = jq!;
    return {
      write(v) {
        native.write(v);
        ($(field.element).datepicker as (cmd: string) => void)('update');
      },
      owns: (el) => el === field.element || (instance($, field.element)?.picker?.[0]?.contains(el) ?? false),
    };
  },
};
