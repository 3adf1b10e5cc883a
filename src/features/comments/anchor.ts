import { transformSelection, type TextOp } from '../../ot/text.js';

/** A text range in code points at a version of the field's document. */
export interface TextRange {
  start: number;
  end: number;
  version: number;
}

export interface FieldOp {
  version: number;
  kind: string;
  op: unknown;
}

/**
 * Pure: moves a range through the co-editing ops committed after its version (the same
 * transform remote carets use), so it keeps covering the text it was put on. A whole-value
 * replacement (a non-text op) loses the anchor: null; the comment stays on the field.
 */
export function moveRange(range: TextRange, ops: readonly FieldOp[]): TextRange | null {
  let sel: [number, number] = [range.start, range.end];
  let version = range.version;
  for (const o of ops) {
    if (o.version <= version) continue;
    if (o.version !== version + 1) break; // a gap: stop at what we know
    if (o.kind !== 'text') return null;
    sel = transformSelection(sel, o.op as TextOp);
    version = o.version;
  }
  return { start: Math.min(sel[0], sel[1]), end: Math.max(sel[0], sel[1]), version };
}
