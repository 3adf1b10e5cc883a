/** Where following a page link leads (a work item's page, a notification's link). */
export type PageLinkTarget = { kind: 'refused' } | { kind: 'here' } | { kind: 'go'; href: string };

/**
 * Pure. Page URLs come from other users' pages, so anything but http(s) (javascript:, data:…) is
 * refused. On this origin only path and hash are kept: query strings carry the other user's
 * session (the demo's `?as=`), and this user keeps their own.
 */
export function pageLinkTarget(url: string, here: { href: string; origin: string; pathname: string }): PageLinkTarget {
  let target: URL;
  try {
    target = new URL(url, here.href);
  } catch {
    return { kind: 'refused' };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return { kind: 'refused' };
  if (target.origin !== here.origin) return { kind: 'go', href: target.href };
  if (target.pathname === here.pathname) return { kind: 'here' };
  return { kind: 'go', href: target.pathname + target.hash };
}
