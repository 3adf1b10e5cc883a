// DOM helpers for the chat module. User text only ever goes through textContent.

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
  const initials = kind === 'app' ? '⚙' : name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('') || '?';
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.codePointAt(0)!) >>> 0;
  const a = el('span', 'tdmc-avatar', { 'aria-hidden': 'true', style: `background: hsl(${hash % 360} 55% 45%)` });
  a.textContent = initials;
  return a;
}

export const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export const CSS = `
.tdmc-wrap { display: flex; flex-direction: column; gap: 6px; height: 100%; min-height: 0; font: 13px/1.4 system-ui, sans-serif; }
.tdmc-list { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 8px; min-height: 120px; max-height: 55vh; }
.tdmc-msg { display: grid; grid-template-columns: 28px 1fr; gap: 6px; }
.tdmc-avatar { width: 26px; height: 26px; border-radius: 50%; color: #fff; display: inline-flex; align-items: center; justify-content: center; font-size: 11px; font-weight: 600; }
.tdmc-head { display: flex; gap: 6px; align-items: baseline; }
.tdmc-name { font-weight: 600; }
.tdmc-time, .tdmc-meta { color: #667; font-size: 11px; }
.tdmc-body { white-space: pre-wrap; overflow-wrap: anywhere; }
.tdmc-deleted { color: #889; font-style: italic; }
.tdmc-actions { display: flex; gap: 4px; flex-wrap: wrap; margin-top: 2px; }
.tdmc-actions button, .tdmc-react { font: inherit; font-size: 11px; border: 1px solid #ccd; background: #f6f7f9; border-radius: 10px; padding: 0 6px; cursor: pointer; }
.tdmc-react[aria-pressed="true"] { background: #dbe8ff; border-color: #8ab; }
.tdmc-composer { display: flex; flex-direction: column; gap: 4px; position: relative; }
.tdmc-composer textarea { font: inherit; min-height: 48px; resize: vertical; padding: 4px; border: 1px solid #bbc; border-radius: 4px; }
.tdmc-composer button { align-self: flex-end; }
.tdmc-typing { min-height: 16px; color: #667; font-size: 11px; }
.tdmc-suggest { position: absolute; bottom: 100%; left: 0; background: #fff; border: 1px solid #bbc; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.15); list-style: none; margin: 0; padding: 2px 0; max-height: 160px; overflow-y: auto; z-index: 2; }
.tdmc-suggest li { padding: 2px 8px; cursor: pointer; }
.tdmc-suggest li[aria-selected="true"] { background: #dbe8ff; }
.tdmc-thread { border-left: 3px solid #dbe8ff; padding-left: 6px; }
.tdmc-bar { display: flex; gap: 6px; align-items: center; justify-content: space-between; }
.tdmc-notif { padding: 4px; border-radius: 4px; cursor: pointer; }
.tdmc-notif[data-read="false"] { background: #eef4ff; }
.tdmc-notif[data-urgent="true"] .tdmc-name::before { content: '⚠ '; color: #b00; }
.tdm-field-badge-comments { pointer-events: auto; cursor: pointer; background: #f5c542; color: #222; border-radius: 8px; padding: 0 5px; font: 600 11px system-ui, sans-serif; }
.tdmc-field-select { font: inherit; }
.tdmc-resolved { opacity: .7; }
`;
