// The message catalogs: every language fills the same placeholders as English (a missing {name}
// would show a notification or a toast without its subject; a misspelt one would print "{nmae}").
import { describe, expect, it } from 'vitest';
import { de } from '../../src/overlay/core/i18n/de.js';
import { en, type MessageKey } from '../../src/overlay/core/i18n/en.js';
import { fr } from '../../src/overlay/core/i18n/fr.js';
import { NOTIFICATION_TEXTS } from '../../src/features/notifications/messages.js';

const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('overlay message catalogs', () => {
  for (const [lang, cat] of [['de', de], ['fr', fr]] as const) {
    it(`${lang}: every key, with the placeholders English has`, () => {
      for (const key of Object.keys(en) as MessageKey[]) expect(holes(cat[key]), `${lang} ${key}`).toEqual(holes(en[key]));
    });
  }

  it('every notification title key the server sends has a catalog entry', () => {
    for (const key of NOTIFICATION_TEXTS) expect(Object.keys(en), key).toContain(`notify.${key}`);
  });
});
