// A separately built adapter pack (public/tandem-adapters/django.js), registered through the same
// window.tandemAdapters a host uses for its own widgets. Pushed last first: each registration goes
// ahead of the earlier ones, so the pack keeps djangoAdapters' order.
import { djangoAdapters } from '../bindings/adapters/django.js';
import type { WidgetAdapter } from '../bindings/types.js';

const w = window as unknown as { tandemAdapters?: WidgetAdapter[] };
(w.tandemAdapters ??= []).push(...[...djangoAdapters].reverse());
