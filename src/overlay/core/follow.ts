// Single-page apps change the page without loading one: the route (pushState, replaceState,
// popstate, hashchange) and the record form (drawn after the record is fetched, replaced,
// removed). The overlay follows both: it snapshots what decides its room and its fields, and when
// that changes it mounts again on the new page (boot.ts). Watching is one MutationObserver on
// the body that only sets a timer: a page that redraws constantly costs one scan per THROTTLE_MS.
import { controlsOf, findForm } from './page.js';

/** What the overlay is mounted on. */
export interface PageSnapshot {
  /** Path, plus the hash route (`#/posts/1`) when the app routes by hash; query and anchors never move rooms. */
  route: string;
  /** The host's key (Tandem.setPage, `data-tandem-page`, `data-room`), if any. */
  key: string | undefined;
  title: string | undefined;
  form: HTMLFormElement | null;
  controls: Element[];
  /** The controls' values: a form is mounted once it stopped changing (a record form is drawn empty, then filled). */
  values: string;
}

const THROTTLE_MS = 150;

declare global {
  interface Window {
    /** The host's calls into the overlay (docs/embedding.md, "Single-page apps"). */
    Tandem?: TandemApi;
  }
}
export interface TandemApi {
  /** Names the page's room (and its title) from code; `null` goes back to the key derived from the route. */
  setPage(page: { key: string; title?: string } | null): void;
  /** The record form, when the biggest form is not it (an element or a CSS selector); `null`: find it again. */
  setForm(form: HTMLFormElement | string | null): void;
  /** The host saved the record (values: what it saved, by field name; default: what the form shows). Resolves true once the room was told. */
  saved(values?: Record<string, unknown>): Promise<boolean>;
}

let hostPage: { key: string; title?: string } | null = null;
let hostForm: HTMLFormElement | string | null = null;
const changed = new Set<() => void>();
const poke = () => changed.forEach((fn) => fn());

export function routeOf(loc: Location): string {
  const hash = /^#!?(\/[^?]*)/.exec(loc.hash);
  return loc.pathname + (hash ? `#${hash[1]}` : '');
}

export function snapshot(doc: Document, config: { room?: string; form?: string }): PageSnapshot {
  const attr = doc.querySelector<HTMLElement>('[data-tandem-page]');
  const key = hostPage?.key ?? (attr?.dataset.tandemPage || undefined) ?? config.room;
  const title = hostPage?.title ?? (attr?.dataset.tandemTitle || undefined);
  const chosen =
    hostForm instanceof HTMLFormElement ? hostForm : (doc.querySelector<HTMLFormElement>(typeof hostForm === 'string' ? hostForm : 'form[data-tandem-form]') ?? null);
  const form = chosen ?? findForm(doc, config.form);
  const controls = form ? controlsOf(form) : [];
  const values = controls.map((c) => (c instanceof HTMLInputElement && (c.type === 'checkbox' || c.type === 'radio') ? String(c.checked) : c.value)).join('\u0000');
  return { route: routeOf(doc.location), key, title, form, controls, values };
}

export const samePlace = (a: PageSnapshot, b: PageSnapshot) => a.route === b.route && a.key === b.key;
export const sameForm = (a: PageSnapshot, b: PageSnapshot) =>
  a.form === b.form && a.controls.length === b.controls.length && a.controls.every((c, i) => c === b.controls[i]);

/**
 * Calls `onChange(next)` when the place (route, host key) changes, at once, or when the form or
 * its controls change and then stay the same, values included, for one more scan (React draws a
 * form in steps: empty while the record loads, then filled).
 */
export function followPage(doc: Document, config: { room?: string; form?: string }, current: () => PageSnapshot, onChange: (next: PageSnapshot) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let candidate: PageSnapshot | null = null;
  const scan = () => {
    timer = undefined;
    const next = snapshot(doc, config);
    const now = current();
    if (!samePlace(next, now)) return (candidate = null), onChange(next);
    if (sameForm(next, now)) return void (candidate = null);
    if (candidate && sameForm(candidate, next) && candidate.values === next.values) return (candidate = null), onChange(next);
    candidate = next;
    schedule();
  };
  const schedule = () => void (timer ??= setTimeout(scan, THROTTLE_MS));

  const mo = new MutationObserver(schedule);
  mo.observe(doc.body ?? doc.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-tandem-page', 'data-tandem-form'] });
  const onNav = () => schedule();
  window.addEventListener('popstate', onNav);
  window.addEventListener('hashchange', onNav);
  window.addEventListener('tandem:navigate', onNav);
  changed.add(onNav);
  return () => {
    clearTimeout(timer);
    mo.disconnect();
    window.removeEventListener('popstate', onNav);
    window.removeEventListener('hashchange', onNav);
    window.removeEventListener('tandem:navigate', onNav);
    changed.delete(onNav);
  };
}

/** pushState and replaceState fire no event: wrapped once, they announce `tandem:navigate`. */
function hookHistory(): void {
  for (const name of ['pushState', 'replaceState'] as const) {
    const orig = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const out = orig.apply(this, args);
      window.dispatchEvent(new Event('tandem:navigate'));
      return out;
    };
  }
}

export function installHostApi(saved: TandemApi['saved']): void {
  window.Tandem = {
    setPage(page) {
      if (page !== null && (typeof page !== 'object' || typeof page.key !== 'string' || !page.key.trim())) {
        throw new TypeError('Tandem.setPage needs { key: string, title?: string } or null');
      }
      hostPage = page && { key: page.key.trim(), ...(typeof page.title === 'string' ? { title: page.title } : {}) };
      poke();
    },
    setForm(form) {
      if (form !== null && typeof form !== 'string' && !(form instanceof HTMLFormElement)) throw new TypeError('Tandem.setForm needs a <form> element, a CSS selector or null');
      hostForm = form;
      poke();
    },
    saved(values) {
      if (values !== undefined && (values === null || typeof values !== 'object' || Array.isArray(values))) {
        return Promise.reject(new TypeError('Tandem.saved takes nothing or { fieldName: value } of what was saved'));
      }
      return saved(values);
    },
  };
}

if (typeof window !== 'undefined' && typeof history !== 'undefined') hookHistory();
