// Parts of the overlay only some pages need, built apart from tandem.js (scripts/build-overlay.mjs)
// and loaded by the pages that need them before the overlay mounts: language packs
// (tandem-i18n/<lang>.js) and widget adapter packs (tandem-adapters/<name>.js).

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

/** Loads the adapter packs this page's widgets need; without one, those widgets are bound natively. */
export async function useAdapterPacks(doc: Document, serverUrl: string): Promise<void> {
  if (!isDjangoAdmin(doc)) return;
  if (!(await loadPack(`${serverUrl}/tandem-adapters/django.js`))) {
    console.warn('tandem: could not load the Django admin widget adapters (tandem-adapters/django.js); its widgets are synchronised as plain controls');
  }
}
