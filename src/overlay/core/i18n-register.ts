// Where language packs (built apart from tandem.js to keep its size) hand their catalog over:
// a global, because a pack is a separate script.
import type { MessageKey } from './i18n/en.js';

type Catalogs = Record<string, Record<MessageKey, string>>;
const g = globalThis as { __tandemCatalogs?: Catalogs };

export function registerCatalog(lang: string, catalog: Record<MessageKey, string>): void {
  g.__tandemCatalogs = { ...g.__tandemCatalogs, [lang]: catalog };
}

export const registeredCatalog = (lang: string) => g.__tandemCatalogs?.[lang];
