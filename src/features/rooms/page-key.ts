/**
 * Pure: derives the room's page key from where the page is. Two people on the same record
 * must get the same key whatever their query string, fragment or trailing slash.
 *
 *   Django admin        /admin/shop/order/42/change/   → shop.order:42
 *   Flask-AppBuilder    /orderview/edit/42, /show/42   → orderview:42
 *   anything else       /reports/weekly?x=1#top        → /reports/weekly
 *
 * "Add" pages (Django /admin/shop/order/add/, Flask-AppBuilder /orderview/add) hold a record that
 * does not exist yet: each person's is their own, so the key names its author (shop.order:add~alice).
 */
export const PAGE_KEY_MAX = 200;
export const PAGE_KEY_PATTERN = /^[A-Za-z0-9._:/@~+-]{1,200}$/;

const DJANGO_CHANGE = /^(?:\/[^/]+)*?\/admin\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\/([^/]+)\/change\/?$/;
const FAB_RECORD = /^(?:\/[^/]+)*?\/([A-Za-z0-9_]+)\/(?:edit|show)\/([^/]+)\/?$/;
const DJANGO_ADD = /^(?:\/[^/]+)*?\/admin\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\/add\/?$/;
const FAB_ADD = /^(?:\/[^/]+)*?\/([A-Za-z0-9_]+)\/add\/?$/;

export function derivePageKey(url: string, hostKey?: string, userId?: string): string {
  if (hostKey !== undefined) return normalizeHostKey(hostKey);
  let path: string;
  try {
    path = new URL(url, 'http://page.invalid').pathname;
  } catch {
    path = '/';
  }
  path = safeDecode(path).replace(/\/{2,}/g, '/');
  const django = DJANGO_CHANGE.exec(path);
  if (django) return `${django[1]!.toLowerCase()}.${django[2]!.toLowerCase()}:${django[3]}`;
  const fab = FAB_RECORD.exec(path);
  if (fab) return `${fab[1]!.toLowerCase()}:${fab[2]}`;
  const djangoAdd = DJANGO_ADD.exec(path);
  const fabAdd = djangoAdd ? null : FAB_ADD.exec(path);
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
