// Message catalogs: the host page's language (`data-lang` on the script tag, else `<html lang>`)
// picks one; unknown languages and missing keys fall back to English. English is built in; other
// languages are packs served next to tandem.js (tandem-i18n/<lang>.js), fetched only when used.
import { en, type MessageKey } from './i18n/en.js';
import { registeredCatalog } from './i18n-register.js';
import { loadPack } from './packs.js';

export type { MessageKey };
export const LANGUAGES = ['en', 'de', 'fr'] as const;
let current: Record<MessageKey, string> = en;
let currentLang = 'en';

/** `de-AT` → `de`; anything without a catalog → `en`. */
export function pickLanguage(...candidates: Array<string | null | undefined>): string {
  for (const c of candidates) {
    const base = c?.trim().toLowerCase().split(/[-_]/)[0];
    if (base && (LANGUAGES as readonly string[]).includes(base)) return base;
  }
  return 'en';
}

/** Uses `lang` if its catalog is loaded (English otherwise). */
export function setLanguage(lang: string, catalog?: Record<MessageKey, string>): void {
  const picked = pickLanguage(lang);
  const cat = picked === 'en' ? en : (catalog ?? registeredCatalog(picked));
  currentLang = cat ? picked : 'en';
  current = cat ?? en;
}

/** Loads the pack for `lang` from `serverUrl` (once), then uses it; English if it cannot be had within `ms`. */
export async function useLanguage(lang: string, serverUrl: string, ms = 4_000): Promise<void> {
  const picked = pickLanguage(lang);
  if (picked !== 'en' && !registeredCatalog(picked) && !(await loadPack(`${serverUrl}/tandem-i18n/${picked}.js`, ms))) {
    console.warn(`tandem: no ${picked} language pack, using English`);
  }
  setLanguage(picked);
}

export const language = () => currentLang;

/** True if `key` is in the catalogs (a server may know keys this overlay does not). */
export const hasMessage = (key: string): key is MessageKey => Object.prototype.hasOwnProperty.call(en, key);

/** The UI string for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const s = current[key] ?? en[key];
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/**
 * A refusal from the server, for people: its own message on an English page (it names the
 * detail); elsewhere the catalog's sentence for its code, the English message only for a code
 * the catalogs do not know.
 */
export function errorText(error: { code: string; message: string }): string {
  const key = `error.${error.code}`;
  return currentLang === 'en' || !hasMessage(key) ? error.message : t(key);
}
