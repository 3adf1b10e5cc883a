// DOM helpers for the chat module. User text only ever goes through textContent.
import { icon } from '../core/icons.js';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface LinkSpan {
  start: number;
  end: number;
  url: string;
}

/** A message body as text nodes and links (the server recognised them; only http(s) is linked). */
export function renderBody(body: string, links: LinkSpan[]): DocumentFragment {
  const f = document.createDocumentFragment();
  let at = 0;
  for (const l of links) {
    if (l.start < at || !/^https?:\/\//i.test(l.url)) continue;
    f.append(document.createTextNode(body.slice(at, l.start)));
    const a = el('a', 'tdmc-link', { href: l.url, target: '_blank', rel: 'noopener noreferrer nofollow' });
    a.textContent = body.slice(l.start, l.end);
    f.append(a);
    at = l.end;
  }
  f.append(document.createTextNode(body.slice(at)));
  return f;
}

export function avatar(name: string, kind: 'user' | 'app'): HTMLElement {
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('') || '?';
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.codePointAt(0)!) >>> 0;
  const a = el('span', 'tdmc-avatar', { 'aria-hidden': 'true', style: `background: hsl(${hash % 360} 60% 30%)` });
  // Dark enough for white initials at any hue (4.5:1).
  if (kind === 'app') a.append(icon('bot', 16));
  else a.textContent = initials;
  return a;
}

export const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export const CSS = `
.tdmc-wrap { display: flex; flex-direction: column; gap: 6px; height: 100%; min-height: 0; }
.tdmc-list { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 8px; min-height: 120px; max-height: 55vh; }
.tdmc-msg { display: grid; grid-template-columns: 28px 1fr; gap: 6px; }
.tdmc-avatar { width: 26px; height: 26px; border-radius: 50%; color: #fff; display: inline-flex; align-items: center; justify-content: center; font-size: 11px; font-weight: 600; }
.tdmc-head { display: flex; gap: 6px; align-items: baseline; }
.tdmc-name { font-weight: 600; }
.tdmc-time, .tdmc-meta { color: var(--_muted); font-size: 12px; }
.tdmc-body { white-space: pre-wrap; overflow-wrap: anywhere; }
.tdmc-deleted { color: var(--_muted); font-style: italic; }
.tdmc-actions { display: flex; gap: 4px; flex-wrap: wrap; margin-top: 2px; }
.tdmc-actions button, .tdmc-react { font: inherit; font-size: 12px; border: 1px solid var(--_border); background: var(--_surface); color: var(--_fg); border-radius: 10px; padding: 2px 8px; min-height: 28px; min-width: 28px; cursor: pointer; display: inline-flex; align-items: center; justify-content: center; }
.tdmc-react[aria-pressed="true"] { background: var(--_highlight); border-color: var(--_accent); }
.tdmc-composer { display: flex; flex-direction: column; gap: 4px; position: relative; }
.tdmc-composer textarea { font: inherit; min-height: 48px; resize: vertical; padding: 6px; border: 1px solid var(--_border); border-radius: 6px; background: var(--_bg); color: var(--_fg); }
.tdmc-composer button { align-self: flex-end; font: inherit; min-height: 32px; padding: 4px 14px; border-radius: 999px; border: 1px solid var(--_accent); background: var(--_accent); color: var(--_accent-fg); cursor: pointer; }
.tdmc-typing { min-height: 16px; color: var(--_muted); font-size: 12px; }
.tdmc-suggest { position: absolute; bottom: 100%; left: 0; background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: 4px; box-shadow: var(--_shadow); list-style: none; margin: 0; padding: 2px 0; max-height: 160px; overflow-y: auto; z-index: 2; }
.tdmc-suggest li { padding: 2px 8px; cursor: pointer; }
.tdmc-suggest li[aria-selected="true"] { background: var(--_highlight); }
.tdmc-thread { border-left: 3px solid var(--_highlight); padding-left: 6px; }
.tdmc-bar { display: flex; gap: 6px; align-items: center; justify-content: space-between; }
.tdmc-notif { display: flex; flex-direction: column; gap: 2px; width: 100%; text-align: start; font: inherit; color: var(--_fg); background: transparent; border: 1px solid transparent; padding: 6px; border-radius: 6px; cursor: pointer; }
.tdmc-notif > * { display: block; }
.tdmc-notif .tdmc-head { display: flex; }
.tdmc-list[role="list"] { gap: 2px; }
.tdmc-notif[data-read="false"] { background: var(--_highlight); }
.tdmc-notif[data-urgent="true"] .tdm-icon { color: var(--_danger); }
.tdm-field-badge-comments { pointer-events: auto; cursor: pointer; display: inline-flex; align-items: center; gap: 3px; background: #f5c542; color: #1f2328; border-radius: 8px; padding: 1px 6px; font: 700 12px var(--_font); }
.tdmc-field-select { font: inherit; min-height: 32px; background: var(--_surface); color: var(--_fg); border: 1px solid var(--_border); border-radius: 6px; }
.tdmc-back { display: inline-flex; align-items: center; gap: 4px; }
.tdmc-list:focus-visible { outline: 2px solid var(--_accent); }
.tdmc-resolved { opacity: .7; }
`;
