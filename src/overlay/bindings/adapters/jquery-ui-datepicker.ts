// jQuery UI datepicker: one shared popup (#ui-datepicker-div) for every input; it writes the
// input with `.val()` and a jQuery `change`, and reads the input again each time it opens.
import type { WidgetAdapter } from '../types.js';

interface JqUiDatepicker {
  _curInst?: { input?: { 0?: HTMLElement } } | null;
  dpDiv?: { 0?: HTMLElement };
}

export const jqueryUiDatepicker: WidgetAdapter = {
  name: 'jquery-ui-datepicker',
  kind: 'date',
  detect: (f, jq) => !!jq?.datepicker && f.element.classList.contains('hasDatepicker'),
  bind({ field, jq }) {
    const dp = jq!.datepicker as JqUiDatepicker;
    return {
      owns: (el) => el === field.element || (dp._curInst?.input?.[0] === field.element && (dp.dpDiv?.[0]?.contains(el) ?? false)),
    };
  },
};
