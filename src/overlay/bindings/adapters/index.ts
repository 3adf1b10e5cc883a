// The widget adapters shipped with the overlay, in detection order (most specific first).
// One file each; add one import and one entry per adapter.
import type { WidgetAdapter } from '../types.js';
import { bootstrapDatepicker } from './bootstrap-datepicker.js';
import { djangoCalendar } from './django-calendar.js';
import { djangoRawId } from './django-raw-id.js';
import { djangoSelectFilter } from './django-select-filter.js';
import { flatpickr } from './flatpickr.js';
import { jqueryUiDatepicker } from './jquery-ui-datepicker.js';
import { muiAutocomplete, muiDatePicker, muiSelect, muiSwitch } from './mui.js';
import { frameworkControlled } from '../framework.js';
import { select2 } from './select2.js';
import { tomSelect } from './tom-select.js';

export const builtInAdapters: WidgetAdapter[] = [
  djangoSelectFilter, select2, tomSelect, flatpickr, bootstrapDatepicker, jqueryUiDatepicker, djangoCalendar, djangoRawId,
  muiSelect, muiAutocomplete, muiSwitch, muiDatePicker,
  // Last: any other control React or Vue draws.
  frameworkControlled,
];
