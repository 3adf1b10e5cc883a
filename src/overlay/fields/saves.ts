// Which of a single-page app's requests save the record the room is about. Data providers write a
// record at its URL: ra-data-simple-rest and json-server `PUT /posts/1`, Refine's simple-rest
// `PATCH /posts/1`, AdminJS `POST /api/resources/Post/records/1/edit`. Pure, so it is unit-tested.

/** The resource and id a record's page key names (`posts:1`, `shop.order:42`), or null for other pages. */
export function recordOf(pageKey: string): { resource: string; id: string } | null {
  const m = /^([A-Za-z0-9._-]+):([^~]+)$/.exec(pageKey);
  if (!m) return null;
  return { resource: m[1]!.split('.').pop()!.toLowerCase(), id: m[2]! };
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** True when a successful write went to the record's own URL: `…/<resource>/<id>` (or `…/records/<id>/edit`). */
export function isRecordSave(pageKey: string, w: { method: string; url: string; status: number }): boolean {
  if (w.status < 200 || w.status >= 300) return false;
  const rec = recordOf(pageKey);
  if (!rec) return false;
  let path: string[];
  try {
    path = new URL(w.url).pathname.split('/').filter(Boolean).map(safeDecode);
  } catch {
    return false;
  }
  if (path.at(-1) === 'edit' && w.method === 'POST') path = path.slice(0, -1);
  else if (w.method === 'POST') return false; // a POST elsewhere creates a record, it does not save this one
  const n = path.length;
  if (n < 2 || path[n - 1] !== rec.id) return false;
  const parent = path[n - 2]!.toLowerCase();
  // AdminJS: /resources/Post/records/1 → the resource is two segments up.
  return parent === rec.resource || (parent === 'records' && path[n - 3]?.toLowerCase() === rec.resource);
}

/**
 * Record pages this tab left just after the person pressed Save. react-admin's default
 * (undoable) mode writes the record about five seconds later, from the next page: that write
 * still saves the left room's record. Only a page left right after a Save is remembered, so an
 * unrelated later write to the same record (an inline edit on the list) is not taken for it; and
 * after an Undo, no write comes, so a later one whose body disagrees with the text the form
 * showed is someone else's write, not the form's save.
 */
const LEFT_MS = 30_000;
const left = new Map<string, { at: number; text: Record<string, string> }>();

/** `text`: the text fields' values the form showed when it was left. */
export function rememberLeftAfterSave(pageKey: string, text: Record<string, string> = {}, now = Date.now()): void {
  if (recordOf(pageKey)) left.set(pageKey, { at: now, text });
}

const agrees = (text: Record<string, string>, body: unknown) =>
  body === null || typeof body !== 'object' || Object.entries(text).every(([k, v]) => typeof (body as Record<string, unknown>)[k] !== 'string' || (body as Record<string, unknown>)[k] === v);

/** The page key of a remembered left page this write saved (then forgotten), or null. */
export function leftPageSavedBy(w: { method: string; url: string; status: number; body?: unknown }, now = Date.now()): string | null {
  for (const [key, l] of left) {
    if (now - l.at > LEFT_MS) left.delete(key);
    else if (isRecordSave(key, w) && agrees(l.text, w.body)) return left.delete(key), key;
  }
  return null;
}
