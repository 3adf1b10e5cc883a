// The widget adapters shipped with the overlay, in detection order (most specific first).
// One file each; add one import and one entry per adapter.
import type { WidgetAdapter } from '../types.js';

export const builtInAdapters: WidgetAdapter[] = [];
