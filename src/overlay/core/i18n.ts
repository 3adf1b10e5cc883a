// Message catalogs: the host page's language (`data-lang` on the script tag, else `<html lang>`)
// picks one; unknown languages and missing keys fall back to English.
import { de } from './i18n/de.js';
import { en, type MessageKey } from './i18n/en.js';
import { fr } from './i18n/fr.js';

export type { MessageKey };
const CATALOGS: Record<string, Record<MessageKey, string>> = { en, de, fr };
let current: Record<MessageKey, string> = en;
let currentLang = 'en';

/** `de-AT` → `de`; anything without a catalog → `en`. */
export function pickLanguage(...candidates: Array<string | null | undefined>): string {
  for (const c of candidates) {
    const base = c?.trim().toLowerCase().split(/[-_]/)[0];
    if (base && CATALOGS[base]) return base;
  }
  return 'en';
}

export function setLanguage(lang: string): void {
  currentLang = pickLanguage(lang);
  current = CATALOGS[currentLang]!;
}

export const language = () => currentLang;

/** The UI string for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const s = current[key] ?? en[key];
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}
