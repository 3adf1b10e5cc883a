// Django admin's widgets, shipped as their own pack (public/tandem-adapters/django.js) and loaded
// only by Django admin pages (core/packs.ts): everyone else's tandem.js does not carry them.
import type { WidgetAdapter } from '../types.js';
import { djangoCalendar } from './django-calendar.js';
import { djangoRawId } from './django-raw-id.js';
import { djangoSelectFilter } from './django-select-filter.js';

/** In detection order: SelectFilter2 before anything that might claim its boxes. */
export const djangoAdapters: WidgetAdapter[] = [djangoSelectFilter, djangoCalendar, djangoRawId];
