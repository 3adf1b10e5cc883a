// The widget adapters shipped with the overlay, in detection order (most specific first).
// One file each; add one import and one entry per adapter. Django admin's are a pack of their
// own (django.ts), loaded only by Django admin pages.
import type { WidgetAdapter } from '../types.js';
import { bootstrapDatepicker } from './bootstrap-datepicker.js';
import { flatpickr } from './flatpickr.js';
import { jqueryUiDatepicker } from './jquery-ui-datepicker.js';
import { muiAutocomplete, muiDatePicker, muiSelect, muiSwitch } from './mui.js';
import { frameworkControlled } from '../framework.js';
import { select2 } from './select2.js';
import { tomSelect } from './tom-select.js';

export const builtInAdapters: WidgetAdapter[] = [
  select2, tomSelect, flatpickr, bootstrapDatepicker, jqueryUiDatepicker,
  muiSelect, muiAutocomplete, muiSwitch, muiDatePicker,
  // Last: any other control React or Vue draws.
  frameworkControlled,
];
