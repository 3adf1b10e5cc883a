import { z } from 'zod';
import type { TextOp } from '../../ot/text.js';
import { PAGE_KEY_PATTERN } from '../rooms/page-key.js';

/** Kinds co-edited with OT; every other kind carries a versioned value. */
export const TEXT_KINDS = new Set(['text', 'textarea']);
export const isTextKind = (kind: string) => TEXT_KINDS.has(kind);

/** A field's value as a page holds it: text, a checkbox, a multi-select, or nothing. */
export const fieldValueSchema = z.union([z.string().max(10_000_000), z.boolean(), z.number(), z.array(z.string().max(10_000)).max(1000), z.null()]);
export type FieldValue = z.infer<typeof fieldValueSchema>;

const roomId = z.uuid();
const fieldName = z.string().min(1).max(200);
/** Chosen by the client, unique per client: (clientId, seq) identifies an op forever. */
const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 characters of A-Z a-z 0-9 _ -');
const seq = z.number().int().min(1).max(2 ** 31 - 1);
const version = z.number().int().min(0).max(2 ** 31 - 1);

/** ot-text-unicode components: skip N, insert "str", delete {d: N | "str"}. Positions in code points. */
const opComponent = z.union([
  z.number().int().positive(),
  z.string().min(1),
  z.object({ d: z.union([z.number().int().positive(), z.string().min(1)]) }).strict(),
]);
/** May be empty: an op transformed to nothing is still committed (and acked) like any other. */
export const textOpSchema = z.array(opComponent).max(10_000);

export const fieldOpSchema = z.object({ roomId, field: fieldName, baseVersion: version, op: textOpSchema, clientId, seq });
/**
 * How the writer's page displays the values it sets (option value → its label), for pages that
 * lack that option: an ajax-backed select (Django's autocomplete) holds only the chosen options.
 * Passed on with the broadcast, never stored: the value alone is the field's state.
 */
export const valueLabelsSchema = z
  .record(z.string().max(10_000), z.string().max(300))
  .refine((r) => Object.keys(r).length <= 50, 'at most 50 labels');
export const fieldSetSchema = z.object({ roomId, field: fieldName, baseVersion: version, value: fieldValueSchema, labels: valueLabelsSchema.optional(), clientId, seq });
export const fieldResolveSchema = z
  .object({
    roomId,
    conflictId: z.uuid(),
    choice: z.enum(['mine', 'theirs', 'merge']),
    /** For 'merge' (and optionally 'mine'): the value to write. */
    value: fieldValueSchema.optional(),
    clientId,
    seq,
  })
  .refine((r) => r.choice !== 'merge' || r.value !== undefined, { message: 'a merge needs the merged value', path: ['value'] });
export const fieldFetchSchema = z.object({
  roomId,
  field: fieldName,
  since: version,
  /** false when the client holds unacknowledged edits and so cannot take a snapshot. */
  snapshotOk: z.boolean().default(true),
  /** Always answer with the current text (a client starting over). */
  snapshot: z.boolean().default(false),
});
export const formSavedSchema = z.object({ roomId, values: z.record(fieldName, fieldValueSchema).optional() });
/** The host saved the record of a page this connection is not in (it moved on before the app wrote): the room's values are what was saved. */
export const recordSavedSchema = z.object({ pageKey: z.string().regex(PAGE_KEY_PATTERN, 'a page key: 1-200 of A-Z a-z 0-9 . _ : / @ ~ + -') });
export const formDraftChoiceSchema = z.object({
  roomId,
  choice: z.enum(['continue', 'saved']),
  /** The saved values the page shows (for 'saved'). */
  values: z.record(fieldName, fieldValueSchema).optional(),
});

// REST
export const recordChangedSchema = z.object({
  pageKey: z.string().min(1).max(200),
  values: z.record(fieldName, fieldValueSchema),
  savedBy: z.string().min(1).max(200).optional(),
});
export const historyQuerySchema = z.object({
  /** Versions are int4 in the database: a larger one would fail the query, not just match nothing. */
  before: z.coerce.number().int().min(1).max(2 ** 31 - 1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A committed op as clients receive it (field:ops broadcast, field:fetch catch-up, history). */
export interface WireOp {
  field: string;
  version: number;
  kind: 'text' | 'set';
  op?: TextOp;
  value?: unknown;
  /** For 'set' from a page: how the writer displays the values (see valueLabelsSchema). */
  labels?: Record<string, string>;
  clientId: string;
  seq: number;
  by: { id: string; name: string | null };
}
