// The widget adapters shipped with the overlay, in detection order (most specific first).
// One file each; add one import and one entry per adapter. Django admin's (django.ts) and Material
// UI's (mui.ts) are packs of their own (src/overlay/adapter-packs), loaded only by pages that draw them.
import type { WidgetAdapter } from '../types.js';
import { bootstrapDatepicker } from './bootstrap-datepicker.js';
import { flatpickr } from './flatpickr.js';
import { jqueryUiDatepicker } from './jquery-ui-datepicker.js';
import { frameworkControlled } from '../framework.js';
import { select2 } from './select2.js';
import { tomSelect } from './tom-select.js';

export const builtInAdapters: WidgetAdapter[] = [
  select2, tomSelect, flatpickr, bootstrapDatepicker, jqueryUiDatepicker,
  // Last: any other control React or Vue draws.
  frameworkControlled,
];
