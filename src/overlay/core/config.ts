export interface OverlayConfig {
  /** The host's endpoint returning JSON `{ token }` for its logged-in user. */
  tokenUrl: string;
  /** Tandem's base URL; defaults to where tandem.js was loaded from. */
  serverUrl: string;
  /** A page key chosen by the host, overriding the derived one. */
  room?: string;
  /** A CSS selector for the form, when the biggest form on the page is not the right one. */
  form?: string;
  /** UI language: `data-lang`, else the page's `<html lang>`. */
  lang: string;
  /** `light` (default), `dark`, or `auto` (follows prefers-color-scheme): `data-theme`. */
  theme: 'light' | 'dark' | 'auto';
}

/** Reads the `<script src=".../tandem.js" data-token-url=… data-room=… data-server=…>` tag. */
export function readConfig(doc: Document): OverlayConfig | null {
  const script =
    (doc.currentScript as HTMLScriptElement | null) ??
    doc.querySelector<HTMLScriptElement>('script[data-token-url][src*="tandem"]') ??
    doc.querySelector<HTMLScriptElement>('script[data-token-url]');
  if (!script) return null;
  const d = script.dataset;
  if (!d.tokenUrl) {
    console.error('tandem: the script tag needs data-token-url (your endpoint returning {"token": "…"})');
    return null;
  }
  const serverUrl = (d.server ?? (script.src ? new URL(script.src, doc.baseURI).origin : doc.location.origin)).replace(/\/+$/, '');
  return {
    tokenUrl: new URL(d.tokenUrl, doc.baseURI).href,
    serverUrl,
    ...(d.room ? { room: d.room } : {}),
    ...(d.form ? { form: d.form } : {}),
    lang: d.lang || doc.documentElement.lang || doc.documentElement.dataset.lang || 'en',
    theme: d.theme === 'dark' || d.theme === 'auto' ? d.theme : 'light',
  };
}
