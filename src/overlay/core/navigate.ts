/** Where following a page link leads (a work item's page, a notification's link). */
export type PageLinkTarget = { kind: 'refused' } | { kind: 'here' } | { kind: 'go'; href: string };

/**
 * Pure. Page URLs come from other users' pages, so anything but http(s) (javascript:, data:…) is
 * refused, and so is any origin that is neither this page's nor one of the tenant's host origins
 * (`hostOrigins`, from the room:join answer): a link never leads off the tenant's admin. On this
 * origin only path and hash are kept: query strings carry the other user's session (the demo's
 * `?as=`), and this user keeps their own.
 */
export function pageLinkTarget(url: string, here: { href: string; origin: string; pathname: string }, hostOrigins: readonly string[] = []): PageLinkTarget {
  let target: URL;
  try {
    target = new URL(url, here.href);
  } catch {
    return { kind: 'refused' };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return { kind: 'refused' };
  if (target.origin !== here.origin) return hostOrigins.includes(target.origin) ? { kind: 'go', href: target.href } : { kind: 'refused' };
  if (target.pathname === here.pathname) return { kind: 'here' };
  return { kind: 'go', href: target.pathname + target.hash };
}

/** The tenant's host origins as the room:join answer names them (none before a join: this origin only). */
export function hostOriginsOf(room: { answer: Record<string, unknown> } | null | undefined): string[] {
  const o = room?.answer.hostOrigins;
  return Array.isArray(o) ? o.filter((x): x is string => typeof x === 'string') : [];
}
