// Panels: one open at a time, only ever opened by the user (a click, a key, a notification they
// chose); non-modal dialogs beside the launcher, bottom sheets on small screens. Escape closes
// and gives focus back to where it was.
import { h } from './dom.js';
import { t } from './i18n.js';
import { icon } from './icons.js';
import type { Panel } from './types.js';

export interface Panels {
  add(opts: { id: string; title: string }): Panel;
  open(): Panel | null;
  closeAll(): void;
}

export function createPanels(wrap: HTMLElement, root: ShadowRoot, fallbackFocus: () => HTMLElement, onChange: () => void): Panels {
  const panels = new Map<string, Panel>();
  let current: Panel | null = null;

  const focusable = (e: unknown): e is HTMLElement => e instanceof HTMLElement && e.isConnected && e.offsetParent !== null;

  return {
    open: () => current,
    closeAll: () => current?.close(),
    add({ id, title }) {
      const headingId = `tdm-panel-title-${id}`;
      const el = h('div', `tdm-panel tdm-panel-${id}`, { role: 'dialog', 'aria-labelledby': headingId, tabindex: '-1', part: 'panel', 'data-panel': id });
      el.hidden = true;
      const head = h('div', 'tdm-panel-head');
      const heading = h('h2', 'tdm-panel-title', { id: headingId }, title);
      const close = h('button', 'tdm-btn tdm-icon-btn tdm-panel-close', { type: 'button', 'aria-label': t('panel.close', { title }), part: 'button' });
      close.append(icon('close'));
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
          if (current && current !== panel) current.close();
          if (!el.hidden) return;
          returnFocus = root.activeElement ?? document.activeElement;
          el.hidden = false;
          current = panel;
          onChange();
          // The panel's own first-choice control (e.g. the chat composer) may take focus after this.
          el.focus();
        },
        close() {
          if (el.hidden) return;
          el.hidden = true;
          if (current === panel) current = null;
          onChange();
          if (el.contains(root.activeElement) || root.activeElement === null) (focusable(returnFocus) ? returnFocus : fallbackFocus()).focus();
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
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        e.stopPropagation();
        panel.close();
      });
      // Modules redraw panel content; when the focused control is replaced, focus goes to its
      // successor (same data-action / data-input) or the panel, never to the page's <body>.
      let lastKey: string | null = null;
      el.addEventListener('focusin', (e) => {
        const t = e.target as HTMLElement;
        const attr = ['data-action', 'data-input', 'data-message-id'].find((a) => t.hasAttribute(a));
        lastKey = attr ? `[${attr}="${CSS.escape(t.getAttribute(attr)!)}"]` : null;
      });
      new MutationObserver(() => {
        if (el.hidden || root.activeElement !== null || (document.activeElement && document.activeElement !== document.body)) return;
        ((lastKey && body.querySelector<HTMLElement>(lastKey)) || el).focus();
      }).observe(body, { childList: true, subtree: true });
      panels.set(id, panel);
      return panel;
    },
  };
}
