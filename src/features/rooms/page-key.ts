/**
 * Pure: derives the room's page key from where the page is. Two people on the same record
 * must get the same key whatever their query string, fragment or trailing slash.
 *
 *   Django admin        /admin/shop/order/42/change/   → shop.order:42
 *   Flask-AppBuilder    /orderview/edit/42, /show/42   → orderview:42
 *   Refine              /posts/edit/42, /posts/show/42 → posts:42
 *   AdminJS             /admin/resources/Post/records/42/edit → post:42
 *   react-admin         #/posts/42, #/posts/42/show    → posts:42   (hash routes)
 *                       /posts/42, /posts/42/show      → posts:42   (history routes: an id-like 42)
 *   anything else       /reports/weekly?x=1#top        → /reports/weekly   (#/posts → /posts)
 *
 * A fragment is a route only when it starts with `#/` or `#!/` (single-page apps' hash routers);
 * `#items` is an anchor and ignored. In history routes `/<resource>/<id>` names a record only when
 * the id looks like one (digits, a UUID, a long hex or token with a digit): `/reports/weekly` stays a path.
 *
 * "Add" pages (Django /admin/shop/order/add/, Flask-AppBuilder /orderview/add) hold a record that
 * does not exist yet: each person's is their own, so the key names its author (shop.order:add~alice);
 * so are single-page apps' create routes (#/posts/create, /posts/new).
 */
export const PAGE_KEY_MAX = 200;
export const PAGE_KEY_PATTERN = /^[A-Za-z0-9._:/@~+-]{1,200}$/;

const DJANGO_CHANGE = /^(?:\/[^/]+)*?\/admin\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\/([^/]+)\/change\/?$/;
const FAB_RECORD = /^(?:\/[^/]+)*?\/([A-Za-z0-9_]+)\/(?:edit|show)\/([^/]+)\/?$/;
const DJANGO_ADD = /^(?:\/[^/]+)*?\/admin\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\/add\/?$/;
const FAB_ADD = /^(?:\/[^/]+)*?\/([A-Za-z0-9_]+)\/add\/?$/;
const ADMINJS_RECORD = /\/resources\/([A-Za-z0-9_-]+)\/records\/([^/]+)(?:\/(?:edit|show))?\/?$/;
/** react-admin: /<resource>/<id> (edit) and /<resource>/<id>/show. */
const SPA_RECORD = /^(?:\/[^/]+)*?\/([A-Za-z0-9_-]+)\/([^/]+?)(?:\/(?:show|edit))?\/?$/;
const SPA_CREATE = /^(?:\/[^/]+)*?\/([A-Za-z0-9_-]+)\/(?:create|new)\/?$/;
const NOT_AN_ID = new Set(['create', 'new', 'add', 'edit', 'show', 'list']);
/** Digits, a UUID, or a long token with a digit in it (ObjectIds, hashids): not a word like "weekly". */
const ID_LIKE = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[^/]*\d)[A-Za-z0-9_-]{8,})$/i;

export function derivePageKey(url: string, hostKey?: string, userId?: string): string {
  if (hostKey !== undefined) return normalizeHostKey(hostKey);
  let path: string;
  let hashRoute = false;
  try {
    const u = new URL(url, 'http://page.invalid');
    const route = /^#!?(\/[^?]*)/.exec(u.hash);
    hashRoute = route !== null;
    path = route ? route[1]! : u.pathname;
  } catch {
    path = '/';
  }
  path = safeDecode(path).replace(/\/{2,}/g, '/');
  const django = DJANGO_CHANGE.exec(path);
  if (django) return `${django[1]!.toLowerCase()}.${django[2]!.toLowerCase()}:${django[3]}`;
  const fab = FAB_RECORD.exec(path);
  if (fab) return `${fab[1]!.toLowerCase()}:${fab[2]}`;
  const adminjs = ADMINJS_RECORD.exec(path);
  if (adminjs) return `${adminjs[1]!.toLowerCase()}:${adminjs[2]}`;
  const spa = SPA_RECORD.exec(path);
  if (spa && !NOT_AN_ID.has(spa[2]!.toLowerCase()) && (hashRoute || ID_LIKE.test(spa[2]!))) return `${spa[1]!.toLowerCase()}:${spa[2]}`.slice(0, PAGE_KEY_MAX).replace(/[^A-Za-z0-9._:/@~+-]/g, '_');
  const djangoAdd = DJANGO_ADD.exec(path);
  const fabAdd = djangoAdd ? null : (FAB_ADD.exec(path) ?? SPA_CREATE.exec(path));
  const owner = (userId ?? 'anonymous').replace(/[^A-Za-z0-9._@+-]/g, '_').slice(0, 100);
  if (djangoAdd) return `${djangoAdd[1]!.toLowerCase()}.${djangoAdd[2]!.toLowerCase()}:add~${owner}`;
  if (fabAdd) return `${fabAdd[1]!.toLowerCase()}:add~${owner}`;
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.slice(0, PAGE_KEY_MAX).replace(/[^A-Za-z0-9._:/@~+-]/g, '_') || '/';
}

function normalizeHostKey(key: string): string {
  const k = key.trim();
  if (!PAGE_KEY_PATTERN.test(k)) {
    throw new RangeError(`page key must be 1-${PAGE_KEY_MAX} characters of A-Z a-z 0-9 . _ : / @ ~ + -`);
  }
  return k;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
