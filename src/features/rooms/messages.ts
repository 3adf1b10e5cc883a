import { z } from 'zod';
import { PAGE_KEY_MAX } from './page-key.js';

export const FIELD_KINDS = ['text', 'textarea', 'select', 'checkbox', 'radio', 'number', 'date', 'other'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const MAX_FIELDS = 300;

export const formFieldSchema = z.object({
  name: z.string().min(1).max(200),
  kind: z.enum(FIELD_KINDS),
  label: z.string().max(300).default(''),
  readOnly: z.boolean().default(false),
  /** The value the page rendered (the saved record); seeds the form document (fields feature). */
  value: z.union([z.string().max(10_000_000), z.boolean(), z.number(), z.array(z.string().max(10_000)).max(1000), z.null()]).optional(),
});
export type FormField = z.infer<typeof formFieldSchema>;

/**
 * Where the page is: an http(s) URL or a path. Other people's clients navigate to it (a helper
 * opening the page of a request, links in notifications), so a `javascript:` or `data:` URL
 * here would run script in their host page.
 */
export function isPageUrl(url: string): boolean {
  if (url.startsWith('/')) return true;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
export const pageUrlSchema = z.string().min(1).max(2048).refine(isPageUrl, 'an http(s) URL or a path starting with /');

/** What the overlay knows about the page it runs on. */
export const pageContextSchema = z.object({
  url: pageUrlSchema,
  title: z.string().max(500).default(''),
  pageKey: z.string().min(1).max(PAGE_KEY_MAX).optional(),
  fields: z
    .array(formFieldSchema)
    .max(MAX_FIELDS, `at most ${MAX_FIELDS} fields`)
    .default([])
    .refine((fs) => new Set(fs.map((f) => f.name)).size === fs.length, 'field names must be unique'),
});
export type PageContext = z.infer<typeof pageContextSchema>;

export const roomJoinSchema = z.object({ context: pageContextSchema });
export const roomLeaveSchema = z.object({ roomId: z.uuid() });
export const roomIdSchema = z.uuid();
