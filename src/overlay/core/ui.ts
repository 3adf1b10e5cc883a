import { bindingOf } from '../bindings/index.js';
import { coreCss } from './styles.js';
import type { ConnectionState, FieldBadge, FieldRegistry, Panel, ToolbarButton, UiHost } from './types.js';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export interface CoreUi extends UiHost {
  setConnection(state: ConnectionState): void;
  dispose(): void;
}

const h = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, attrs: Record<string, string> = {}) => {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
};

/**
 * The overlay's Shadow DOM: a bar (connection indicator, module sections, toolbar), panels,
 * field badges, a drawing layer and toasts. The page gets bottom padding for the bar so the
 * host's own controls can always be scrolled clear of it.
 */
export function createUi(doc: Document, fields: FieldRegistry): CoreUi {
  const host = h('div', undefined, { id: 'tandem-overlay', 'data-tandem': '' });
  host.style.cssText = 'position:absolute;top:0;left:0;width:0;height:0;z-index:2147483000;';
  const root = host.attachShadow({ mode: 'open' });
  const style = h('style');
  style.textContent = coreCss;
  const wrap = h('div', 'tdm-root');
  const layer = h('div', 'tdm-layer', { 'aria-hidden': 'true' });
  const badges = h('div', 'tdm-badges');
  const bar = h('section', 'tdm-bar', { role: 'region', 'aria-label': 'Tandem: people on this page' });
  const conn = h('div', 'tdm-conn', { role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' });
  const connDot = h('span', 'tdm-conn-dot', { 'aria-hidden': 'true' });
  const connText = h('span', 'tdm-conn-text');
  connText.textContent = CONNECTION_TEXT.connecting;
  conn.append(connDot, connText);
  conn.title = 'Tandem: connecting';
  const sections = h('div', 'tdm-section');
  const toolbar = h('div', 'tdm-toolbar', { role: 'toolbar', 'aria-label': 'Tandem tools' });
  const collapse = h('button', 'tdm-btn tdm-collapse', { type: 'button', 'aria-expanded': 'true', 'aria-label': 'Hide the Tandem bar' });
  collapse.textContent = '–';
  collapse.addEventListener('click', () => {
    const collapsed = bar.dataset.collapsed !== 'true';
    bar.dataset.collapsed = String(collapsed);
    collapse.setAttribute('aria-expanded', String(!collapsed));
    collapse.setAttribute('aria-label', collapsed ? 'Show the Tandem bar' : 'Hide the Tandem bar');
    collapse.textContent = collapsed ? '+' : '–';
    reserveSpace();
  });
  bar.append(conn, sections, toolbar, collapse);
  const toasts = h('div', 'tdm-toasts', { role: 'status', 'aria-live': 'polite' });
  wrap.append(layer, badges, bar, toasts);
  root.append(style, wrap);
  doc.body.append(host);

  // Reserve room under the page for the fixed bar.
  const body = doc.body;
  const originalPadding = body.style.paddingBottom;
  const basePadding = parseFloat(getComputedStyle(body).paddingBottom) || 0;
  const reserveSpace = () => {
    body.style.paddingBottom = `${basePadding + bar.getBoundingClientRect().height + 24}px`;
  };

  // Layout listeners, run at most once per frame.
  const layoutFns = new Set<() => void>();
  let scheduled = false;
  const runLayout = () => {
    scheduled = false;
    for (const fn of [...layoutFns]) {
      try {
        fn();
      } catch (err) {
        console.error('tandem: layout listener failed', err);
      }
    }
  };
  const scheduleLayout = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(runLayout);
  };
  const win = doc.defaultView!;
  win.addEventListener('scroll', scheduleLayout, { capture: true, passive: true });
  win.addEventListener('resize', scheduleLayout, { passive: true });
  doc.addEventListener('input', scheduleLayout, true);
  const ro = new ResizeObserver(() => {
    reserveSpace();
    scheduleLayout();
  });
  ro.observe(bar);
  ro.observe(body);
  if (fields.form) ro.observe(fields.form);
  // Our own measuring elements in the page are marked data-tandem-ignore: their changes are not layout changes.
  const mo = new MutationObserver((records) => {
    if (records.some((r) => !(r.target instanceof Element && r.target.closest('[data-tandem-ignore]')) && !r.target.parentElement?.closest('[data-tandem-ignore]'))) scheduleLayout();
  });
  mo.observe(body, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'hidden'] });

  // Panels: one open at a time.
  const panels = new Map<string, Panel>();
  let openPanel: Panel | null = null;

  // Field badges, grouped per field.
  const badgeGroups = new Map<string, HTMLElement>();
  const placeBadges = () => {
    const origin = badges.getBoundingClientRect();
    for (const [name, group] of badgeGroups) {
      const f = fields.get(name);
      if (!f || group.childElementCount === 0) continue;
      const r = bindingOf(f).visible().getBoundingClientRect();
      group.style.display = r.width === 0 && r.height === 0 ? 'none' : 'flex';
      group.style.left = `${r.right - origin.left - group.offsetWidth}px`;
      group.style.top = `${r.top - origin.top}px`;
    }
  };
  layoutFns.add(placeBadges);

  const ui: CoreUi = {
    root,
    layer,
    addStyle(css) {
      const s = h('style');
      s.textContent = css;
      root.append(s);
    },
    addBarSection({ id, label }) {
      const s = h('div', `tdm-section tdm-section-${id}`, { role: 'group', 'aria-label': label });
      sections.append(s);
      return s;
    },
    addToolbarButton({ id, label, text, onClick }): ToolbarButton {
      const el = h('button', `tdm-btn tdm-tool-${id}`, { type: 'button', 'aria-label': label, title: label });
      const t = h('span');
      t.textContent = text;
      const count = h('span', 'tdm-count', { 'aria-hidden': 'true' });
      count.hidden = true;
      el.append(t, count);
      el.addEventListener('click', onClick);
      toolbar.append(el);
      return {
        el,
        setBadge(n) {
          count.hidden = n === null;
          count.textContent = n === null ? '' : String(n);
          el.setAttribute('aria-label', n === null ? label : `${label} (${n})`);
        },
        remove: () => el.remove(),
      };
    },
    addPanel({ id, title }): Panel {
      const el = h('aside', `tdm-panel tdm-panel-${id}`, { role: 'dialog', 'aria-label': title, tabindex: '-1' });
      el.hidden = true;
      const head = h('div', 'tdm-panel-head');
      const heading = h('span');
      heading.textContent = title;
      const close = h('button', 'tdm-btn', { type: 'button', 'aria-label': `Close ${title}` });
      close.textContent = '×';
      const body = h('div', 'tdm-panel-body');
      head.append(heading, close);
      el.append(head, body);
      wrap.append(el);
      let returnFocus: Element | null = null;
      const panel: Panel = {
        body,
        get isOpen() {
          return !el.hidden;
        },
        open() {
          if (openPanel && openPanel !== panel) openPanel.close();
          returnFocus = root.activeElement ?? doc.activeElement;
          el.hidden = false;
          openPanel = panel;
          el.focus();
        },
        close() {
          if (el.hidden) return;
          el.hidden = true;
          if (openPanel === panel) openPanel = null;
          if (returnFocus instanceof HTMLElement) returnFocus.focus();
        },
        toggle: () => (panel.isOpen ? panel.close() : panel.open()),
        remove() {
          panel.close();
          el.remove();
          panels.delete(id);
        },
      };
      close.addEventListener('click', () => panel.close());
      el.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') panel.close();
      });
      panels.set(id, panel);
      return panel;
    },
    fieldBadge(field, { id, label }): FieldBadge {
      let group = badgeGroups.get(field);
      if (!group) {
        group = h('div', 'tdm-field-badges');
        badges.append(group);
        badgeGroups.set(field, group);
      }
      const el = h('span', `tdm-field-badge tdm-field-badge-${id}`, { 'aria-label': label, title: label });
      group.append(el);
      scheduleLayout();
      return { el, remove: () => (el.remove(), scheduleLayout()) };
    },
    onLayout(fn) {
      layoutFns.add(fn);
      scheduleLayout();
      return () => void layoutFns.delete(fn);
    },
    toast(text, opts = {}) {
      const t = h('div', 'tdm-toast', { 'data-kind': opts.kind ?? 'info' });
      t.textContent = text;
      toasts.append(t);
      setTimeout(() => t.remove(), opts.ms ?? 4_000);
    },
    setConnection(state) {
      conn.dataset.state = state;
      connText.textContent = CONNECTION_TEXT[state];
      conn.title = `Tandem: ${CONNECTION_TEXT[state]}`;
      host.dataset.connection = state;
    },
    dispose() {
      ro.disconnect();
      mo.disconnect();
      win.removeEventListener('scroll', scheduleLayout, { capture: true });
      win.removeEventListener('resize', scheduleLayout);
      doc.removeEventListener('input', scheduleLayout, true);
      body.style.paddingBottom = originalPadding;
      host.remove();
    },
  };
  reserveSpace();
  return ui;
}
