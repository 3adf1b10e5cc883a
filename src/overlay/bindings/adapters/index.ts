// The widget adapters shipped with the overlay, in detection order (most specific first).
// One file each; add one import and one entry per adapter.
import type { WidgetAdapter } from '../types.js';
import { djangoCalendar } from './django-calendar.js';
import { djangoRawId } from './django-raw-id.js';
import { djangoSelectFilter } from './django-select-filter.js';

export const builtInAdapters: WidgetAdapter[] = [djangoSelectFilter, djangoCalendar, djangoRawId];
