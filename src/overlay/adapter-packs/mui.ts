// Material UI's widget adapters as a pack of their own (public/tandem-adapters/mui.js), loaded only
// by pages that draw Material UI (core/packs.ts); registered as the Django pack is.
import { muiAutocomplete, muiDatePicker, muiSelect, muiSwitch } from '../bindings/adapters/mui.js';
import type { WidgetAdapter } from '../bindings/types.js';

const w = window as unknown as { tandemAdapters?: WidgetAdapter[] };
(w.tandemAdapters ??= []).push(muiDatePicker, muiSwitch, muiAutocomplete, muiSelect);
