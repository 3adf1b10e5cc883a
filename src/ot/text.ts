/**
 * Pure text OT over `ot-text-unicode`. Positions on the wire and in ops are Unicode code points;
 * the browser counts UTF-16 units: convert at the edge with `cpToUtf16` / `utf16ToCp`.
 *
 * Side convention (used by the server and by every client, so they agree):
 *   an op that is committed LATER is transformed over an earlier one with side 'right';
 *   the earlier one over the later with 'left'. Same-position inserts keep commit order.
 */
import otText from 'ot-text-unicode';
import type { TextOp, TextOpComponent } from 'ot-text-unicode';

export type { TextOp, TextOpComponent };

const textType = otText.type as typeof otText.type & {
  makeInvertible(op: TextOp, doc: string): TextOp;
  invert(op: TextOp): TextOp;
  stripInvertible(op: TextOp): TextOp;
};

/** Length in code points. */
export function cpLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** UTF-16 index → code point index (an index inside a surrogate pair rounds down). */
export function utf16ToCp(s: string, index: number): number {
  let n = 0;
  const end = Math.min(index, s.length);
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (i + 1 >= end) return n;
        i++;
      }
    }
    n++;
  }
  return n;
}

/** Code point index → UTF-16 index. */
export function cpToUtf16(s: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      i += d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
    } else i++;
  }
  return i;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const hasLoneSurrogate = (s: string) => LONE_SURROGATE.test(s);

const dlen = (d: number | string) => (typeof d === 'number' ? d : cpLength(d));

/** How much of the document the op consumes (skips + deletes), and how much it inserts, in code points. */
export function opLengths(op: TextOp): { input: number; inserted: number; deleted: number } {
  let input = 0;
  let inserted = 0;
  let deleted = 0;
  for (const c of op) {
    if (typeof c === 'number') input += c;
    else if (typeof c === 'string') inserted += cpLength(c);
    else {
      const n = dlen(c.d);
      input += n;
      deleted += n;
    }
  }
  return { input, inserted, deleted };
}

/**
 * Why `op` cannot apply to a document of `docLength` code points giving at most `maxLength`,
 * or null when it can. Checks shape (normalized, no empty parts, no lone surrogates) too.
 */
export function checkTextOp(op: unknown, docLength: number, maxLength: number): string | null {
  if (!Array.isArray(op)) return 'an op must be an array of components';
  try {
    textType.checkOp(op as TextOp);
  } catch (err) {
    return `malformed op: ${(err as Error).message}`;
  }
  for (const c of op as TextOp) {
    if (typeof c === 'number' && !Number.isSafeInteger(c)) return 'skips must be whole numbers';
    if (typeof c === 'object' && typeof c.d === 'number' && !Number.isSafeInteger(c.d)) return 'deletes must be whole numbers';
    const s = typeof c === 'string' ? c : typeof c === 'object' && typeof c.d === 'string' ? c.d : null;
    if (s !== null && hasLoneSurrogate(s)) return 'text contains a lone UTF-16 surrogate';
  }
  const { input, inserted, deleted } = opLengths(op as TextOp);
  if (input > docLength) return `the op reaches position ${input} but the text is only ${docLength} characters long`;
  const after = docLength - deleted + inserted;
  if (after > maxLength) return `the text would be ${after} characters long; the limit is ${maxLength}`;
  return null;
}

export const normalize = (op: TextOp): TextOp => textType.normalize(op);
export const apply = (doc: string, op: TextOp): string => textType.apply(doc, op);
export const compose = (a: TextOp, b: TextOp): TextOp => textType.compose(a, b);
export const transform = (op: TextOp, other: TextOp, side: 'left' | 'right'): TextOp => textType.transform(op, other, side);
export const isNoop = (op: TextOp) => op.length === 0;

/**
 * Transforms `op` (based on an older version) over each later committed op in turn, in commit
 * order. Never over their composition: compose is not closed under transform for this type.
 */
export function transformOverHistory(op: TextOp, history: Iterable<TextOp>): TextOp {
  let out = op;
  for (const h of history) out = textType.transform(out, h, 'right');
  return out;
}

/** Where a caret (code points) ends up after `op`; `own` carets stay after their own insert. */
export function transformCaret(pos: number, op: TextOp, own = false): number {
  if (own) {
    // Our own insert at the caret pushes it forward (like typing).
    let p = 0;
    let at = pos;
    for (const c of op) {
      if (p > at) break;
      if (typeof c === 'number') p += c;
      else if (typeof c === 'string') {
        const n = cpLength(c);
        at += n;
        p += n;
      } else {
        const n = dlen(c.d);
        at = Math.max(p, at - Math.min(n, at - p));
      }
    }
    return at;
  }
  return textType.transformPosition(pos, op);
}

export function transformSelection(sel: [number, number], op: TextOp): [number, number] {
  return [textType.transformPosition(sel[0], op), textType.transformPosition(sel[1], op)];
}

/** The op carrying deleted text, so it can be inverted (undo) and read back (history). */
export const makeInvertible = (op: TextOp, doc: string): TextOp => textType.makeInvertible(op, doc);
/** The inverse of an invertible op (see makeInvertible). */
export const invert = (op: TextOp): TextOp => textType.invert(op);
export const stripInvertible = (op: TextOp): TextOp => textType.stripInvertible(op);

/**
 * The op turning `before` into `after`: one replaced range between the common prefix and suffix.
 * `caretHint` (code points, in `after`) disambiguates repeated characters (typing "a" into "aa").
 */
export function diff(before: string, after: string, caretHint?: number): TextOp {
  if (before === after) return [];
  const a = Array.from(before);
  const b = Array.from(after);
  let prefix = 0;
  const maxPrefix = Math.min(a.length, b.length);
  while (prefix < maxPrefix && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  if (caretHint !== undefined && b.length > a.length) {
    // A pure insert ending at the caret: prefer the split that puts it right before the caret.
    const start = caretHint - (b.length - a.length);
    if (start >= 0 && caretHint <= b.length && b.slice(0, start).join('') === a.slice(0, start).join('') && b.slice(caretHint).join('') === a.slice(start).join('')) {
      prefix = start;
      suffix = a.length - start;
    }
  }
  const deleted = a.slice(prefix, a.length - suffix).join('');
  const inserted = b.slice(prefix, b.length - suffix).join('');
  const op: TextOpComponent[] = [];
  if (prefix > 0) op.push(prefix);
  if (deleted) op.push({ d: deleted });
  if (inserted) op.push(inserted);
  return normalize(op);
}

/** Replaces the whole text: used when a saved record re-bases a text field. */
export function replaceAll(before: string, after: string): TextOp {
  return diff(before, after);
}
