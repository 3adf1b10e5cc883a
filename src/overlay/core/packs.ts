// Parts of the overlay only some pages need, built apart from tandem.js (scripts/build-overlay.mjs)
// and loaded by the pages that need them before the overlay mounts: language packs
// (tandem-i18n/<lang>.js) and widget adapter packs (tandem-adapters/<name>.js).
import { registerAdapter } from '../bindings/registry.js';

/** Adds `<script src>` and resolves true once it ran, false if it failed or took over `ms`. */
export function loadPack(src: string, ms = 4_000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    s.dataset.tandemIgnore = '';
    const done = (ok: boolean) => (clearTimeout(timer), resolve(ok));
    const timer = setTimeout(() => done(false), ms);
    s.addEventListener('load', () => done(true), { once: true });
    s.addEventListener('error', () => done(false), { once: true });
    document.head.append(s);
  });
}

/**
 * Django admin: its jQuery copy (django.jQuery) or its widgets' classes. SelectFilter2 and the
 * calendars start on `load`, which the overlay waits for, so the classes are already there.
 */
export const isDjangoAdmin = (doc: Document) =>
  typeof (window as { django?: { jQuery?: unknown } }).django?.jQuery === 'function' ||
  doc.querySelector('select.selectfilter, select.selectfilterstacked, .vDateField, .vTimeField, .vForeignKeyRawIdAdminField, .vManyToManyRawIdAdminField') !== null;

interface AdapterPack {
  name: string;
  /** Does this page draw the pack's widgets? */
  on(doc: Document): boolean;
  /** The controls the pack binds: without the pack they are left alone, never synchronised as plain text. */
  widgets: string;
}
const PACKS: AdapterPack[] = [
  { name: 'django', on: isDjangoAdmin, widgets: '.selector, .vDateField, .vTimeField, .vForeignKeyRawIdAdminField, .vManyToManyRawIdAdminField' },
  // Material UI draws its layout with the app, before any record form: its classes are there first.
  { name: 'mui', on: (doc) => doc.querySelector('[class*="Mui"]') !== null, widgets: '.MuiSelect-nativeInput, .MuiAutocomplete-input, .MuiSwitch-input, .MuiPickersInputBase-input' },
];
const loading = new Map<string, Promise<void>>();
const missing: string[] = [];
/** Packs this page needed and could not load: their widgets are not co-edited here. */
export const missingPacks = (): readonly string[] => missing;

/** Loads the adapter packs this page's widgets need, each once; asked again before every mount (an app may draw them later). */
export async function useAdapterPacks(doc: Document, serverUrl: string): Promise<void> {
  await Promise.all(
    // A pack already asked for is not looked for again (the Material UI check scans the document).
    PACKS.filter((p) => loading.has(p.name) || p.on(doc)).map((p) => {
      let l = loading.get(p.name);
      if (!l) loading.set(p.name, (l = loadPack(`${serverUrl}/tandem-adapters/${p.name}.js`).then((ok) => void (ok || leaveAlone(p)))));
      return l;
    }),
  );
}

function leaveAlone(p: AdapterPack): void {
  console.warn(`tandem: could not load tandem-adapters/${p.name}.js: those widgets are not co-edited on this page`);
  missing.push(p.name);
  registerAdapter({ name: `${p.name}-missing`, detect: () => false, bind: () => ({}), ignore: (el) => el.closest(p.widgets) !== null });
}
