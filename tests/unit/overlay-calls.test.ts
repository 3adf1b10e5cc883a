// The call pack's catalogs: every language has every key, with the same placeholders.
import { describe, expect, it } from 'vitest';
import { CATALOGS } from '../../src/overlay/call-pack/strings.js';

const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('call pack catalogs', () => {
  it('de and fr have the keys and placeholders of en', () => {
    const en = CATALOGS.en!;
    for (const lang of ['de', 'fr']) {
      const cat = CATALOGS[lang]!;
      expect(Object.keys(cat).sort(), lang).toEqual(Object.keys(en).sort());
      for (const k of Object.keys(en) as Array<keyof typeof en>) expect(holes(cat[k]), `${lang} ${k}`).toEqual(holes(en[k]));
    }
  });
});
