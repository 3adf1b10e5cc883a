import { describe, expect, it } from 'vitest';
import { en } from '../../src/overlay/core/i18n/en.js';
import { de } from '../../src/overlay/core/i18n/de.js';
import { fr } from '../../src/overlay/core/i18n/fr.js';
import { pickLanguage, setLanguage, t } from '../../src/overlay/core/i18n.js';
import { findSpot, overlaps, type Rect } from '../../src/overlay/core/place.js';

const vp = { width: 400, height: 800 };
const box = { w: 44, h: 44 };
const at = (s: { left: number; top: number }): Rect => ({ ...s, width: 44, height: 44 });

describe('findSpot: placement that measures', () => {
  it('takes the preferred corner when it is free', () => {
    expect(findSpot(vp, [], box, 'bottom-right')).toEqual({ left: 348, top: 748 });
    expect(findSpot(vp, [], box, 'top-left')).toEqual({ left: 8, top: 8 });
  });

  it('never returns a spot over an obstacle (with the gap), and moves as little as possible', () => {
    const footer: Rect = { left: 0, top: 700, width: 400, height: 100 }; // a sticky submit row
    const s = findSpot(vp, [footer], box, 'bottom-right')!;
    expect(overlaps(at(s), footer, 4)).toBe(false);
    expect(s.left).toBe(348);
    expect(s.top).toBeGreaterThan(600);
  });

  it('keeps the current spot while it is free, leaves it when something arrives', () => {
    const keep = { left: 8, top: 300 };
    expect(findSpot(vp, [], box, 'bottom-right', { keep })).toEqual(keep);
    const arrived: Rect = { left: 0, top: 290, width: 100, height: 30 };
    expect(findSpot(vp, [arrived], box, 'bottom-right', { keep })).not.toEqual(keep);
  });

  it('finds a gap between rows of full-width controls, or says there is none', () => {
    const rows: Rect[] = [];
    for (let y = 0; y < 800; y += 60) rows.push({ left: 0, top: y, width: 400, height: 40 });
    expect(findSpot(vp, rows, box, 'bottom-right')).toBeNull(); // gaps of 20 px: no 44 px box fits
    expect(findSpot(vp, rows, { w: 12, h: 12 }, 'bottom-right')).not.toBeNull();
    const s = findSpot(vp, rows.filter((_, i) => i !== 5), box, 'bottom-right')!;
    for (const r of rows.filter((_, i) => i !== 5)) expect(overlaps(at(s), r, 4)).toBe(false);
  });
});

describe('message catalogs', () => {
  it('every language has every key, with the same placeholders', () => {
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const cat of [de, fr]) {
      expect(Object.keys(cat).sort()).toEqual(Object.keys(en).sort());
      for (const k of Object.keys(en) as Array<keyof typeof en>) expect(holes(cat[k]), k).toEqual(holes(en[k]));
    }
  });
  it('picks the base language, falls back to English', () => {
    expect(pickLanguage('de-AT')).toBe('de');
    expect(pickLanguage('pt-BR', 'fr')).toBe('fr');
    expect(pickLanguage('pt')).toBe('en');
    setLanguage('de'); // its pack is not loaded: English
    expect(t('work.delegated_to', { name: 'Bob' })).toBe('Delegated to Bob');
    setLanguage('de', de);
    expect(t('work.delegated_to', { name: 'Bob' })).toBe('An Bob delegiert');
    setLanguage('en');
  });
});
