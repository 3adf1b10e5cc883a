/** Pure rules of the form document: value equality, draft decisions. No I/O. */
import type { FieldValue } from './messages.js';

/**
 * Value equality as a form sees it (the server and the overlay use this one rule): missing, null
 * and '' alike (a page renders "no value" as ''); a multi-value in any order (a multi-select or a
 * checkbox group submits a set; Django's filter_horizontal lists it in the order people moved it).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x) => b.includes(x));
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  return empty(a) && empty(b);
}

/** Fields whose saved value on the page differs from the value the document's draft is based on. */
export function differingFields(base: Record<string, FieldValue>, page: Record<string, FieldValue>): string[] {
  return Object.keys(page).filter((k) => k in base && !sameValue(base[k], page[k]));
}

export type DraftDecision =
  /** Nothing to decide: the document is based on what the page shows. */
  | { kind: 'current' }
  /** No unsaved work (or it expired in an empty room): re-base on the page's saved values. */
  | { kind: 'rebase'; fields: string[] }
  /** Unsaved edits based on older saved values: the joiner chooses. */
  | { kind: 'offer'; fields: string[] };

export function decideDraft(a: {
  base: Record<string, FieldValue>;
  page: Record<string, FieldValue>;
  dirty: boolean;
  activeAt: Date;
  othersPresent: boolean;
  retentionSeconds: number;
  now: Date;
}): DraftDecision {
  const fields = differingFields(a.base, a.page);
  // With others in the room the document is live: the joiner takes it as it is.
  if (fields.length === 0 || a.othersPresent) return { kind: 'current' };
  const expired = a.now.getTime() - a.activeAt.getTime() > a.retentionSeconds * 1000;
  if (!a.dirty || expired) return { kind: 'rebase', fields };
  return { kind: 'offer', fields };
}
