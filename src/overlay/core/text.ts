/**
 * Positions: the wire counts Unicode code points (as ot-text-unicode does); the DOM counts
 * UTF-16 code units. Convert at the edge with these. Pure; unit-tested with emoji.
 */

/** UTF-16 index → code point index. An index inside a surrogate pair rounds down. */
export function utf16ToCodePoints(text: string, index: number): number {
  const end = Math.max(0, Math.min(index, text.length));
  let cps = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (i + 1 >= end) break; // the index splits a pair: count it not
        i++;
      }
    }
    cps++;
  }
  return cps;
}

/** Code point index → UTF-16 index, clamped to the text. */
export function codePointsToUtf16(text: string, cps: number): number {
  let i = 0;
  let n = 0;
  while (i < text.length && n < cps) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    n++;
  }
  return i;
}

export const codePointLength = (text: string): number => utf16ToCodePoints(text, text.length);
