import { bindingOf } from '../bindings/index.js';
import { createDock } from './dock.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { icon, type IconName } from './icons.js';
import { rectOf } from './measure.js';
import { createPanels } from './panels.js';
import type { Rect } from './place.js';
import { coreCss } from './styles.js';
import { createToasts } from './toasts.js';
import type { ConnectionState, FieldBadge, FieldRegistry, ToolbarButton, UiHost } from './types.js';

export type Theme = 'light' | 'dark' | 'auto';
/** Reaches the overlay from the page and back (layout-independent: the physical T key). */
export const SHORTCUT = { label: 'Alt+Shift+T', test: (e: KeyboardEvent) => e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyT' };

export interface CoreUi extends UiHost {
  setConnection(state: ConnectionState): void;
  /** Joined (null) or refused, with the reason people are shown. */
  setUnavailable(why: string | null): void;
  setUser(id: string | null): void;
  dispose(): void;
}

/**
 * The overlay's Shadow DOM. Closed, it is one launcher button docked to a spot that covers no
 * host control; the user opens its menu (status, people, tools) and panels from there. Nothing
 * opens by itself: news shows as counts and is announced through one live region.
 */
export function createUi(doc: Document, fields: FieldRegistry, opts: { theme?: Theme } = {}): CoreUi {
  const host = h('div', undefined, { id: 'tandem-overlay', 'data-tandem': '' });
  host.style.cssText = 'position:absolute;top:0;left:0;width:0;height:0;z-index:2147483000;';
  const root = host.attachShadow({ mode: 'open' });
  const style = h('style');
  style.textContent = coreCss;
  const wrap = h('div', 'tdm-root', { 'data-theme': opts.theme ?? 'light', part: 'root' });
  const layer = h('div', 'tdm-layer', { 'aria-hidden': 'true' });
  const badges = h('div', 'tdm-badges');

  const launcher = h('button', 'tdm-launcher', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'tdm-menu', 'aria-keyshortcuts': SHORTCUT.label, part: 'launcher' });
  const launcherDot = h('span', 'tdm-conn-dot', { 'aria-hidden': 'true' });
  const launcherCount = h('span', 'tdm-count tdm-launcher-count', { 'aria-hidden': 'true' });
  launcherCount.hidden = true;
  launcher.append(icon('tandem', 22), launcherDot, launcherCount);

  const menu = h('div', 'tdm-bar tdm-menu', { id: 'tdm-menu', role: 'region', 'aria-label': t('menu.label'), part: 'menu' });
  menu.hidden = true;
  const head = h('div', 'tdm-menu-head');
  const conn = h('div', 'tdm-conn', { 'data-state': 'connecting' });
  const connText = h('span', 'tdm-conn-text', {}, t('conn.connecting'));
  conn.append(h('span', 'tdm-conn-dot', { 'aria-hidden': 'true' }), connText);
  const closeMenu = h('button', 'tdm-btn tdm-icon-btn', { type: 'button', 'aria-label': t('menu.close'), part: 'button' });
  closeMenu.append(icon('close'));
  head.append(conn, closeMenu);
  const why = h('p', 'tdm-why');
  why.hidden = true;
  const sections = h('div', 'tdm-sections');
  const toolbar = h('div', 'tdm-toolbar', { role: 'group', 'aria-label': t('tools.label') });
  const foot = h('div', 'tdm-menu-foot');
  const move = h('button', 'tdm-btn tdm-move', { type: 'button', part: 'button' });
  move.append(icon('move'), h('span', '', {}, t('menu.move')));
  foot.append(move, h('p', 'tdm-hint', {}, t('menu.shortcut', { keys: SHORTCUT.label })));
  menu.append(head, why, sections, toolbar, foot);

  const toastBox = h('div', 'tdm-toasts', { part: 'toasts' });
  toastBox.hidden = true;
  const live = h('div', 'tdm-sr', { role: 'status', 'aria-live': 'polite' });
  wrap.append(layer, badges, launcher, menu, toastBox, live);
  root.append(style, wrap);
  doc.body.append(host);
  const win = doc.defaultView!;

  // ---- announcements, counts, connection -------------------------------------------------
  let announceTimer: ReturnType<typeof setTimeout> | undefined;
  let pending: string[] = [];
  const announce = (text: string) => {
    // Batched per tick (a toast and its badge arrive together), added as a new line (a repeat is
    // spoken again, an earlier line is not cut off); the last few lines are kept.
    if (!pending.includes(text)) pending.push(text);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      live.append(h('div', undefined, {}, pending.join('. ')));
      pending = [];
      while (live.childElementCount > 5) live.firstElementChild!.remove();
    }, 50);
  };
  let state: ConnectionState = 'connecting';
  let unavailable: string | null = null;
  const counts = new Map<string, number>();
  const drawLauncher = () => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    launcherCount.hidden = total === 0;
    launcherCount.textContent = String(total);
    const status = unavailable !== null ? t('conn.unavailable') : t(`conn.${state}`);
    launcher.setAttribute('aria-label', [t('launcher.label'), status, total ? t('launcher.new', { n: total }) : ''].filter(Boolean).join(', '));
    launcher.dataset.state = unavailable !== null ? 'unavailable' : state;
    conn.dataset.state = launcher.dataset.state;
    connText.textContent = status;
    why.hidden = unavailable === null;
    why.textContent = unavailable ?? '';
    wrap.dataset.available = String(unavailable === null);
    host.dataset.connection = state;
    host.dataset.available = String(unavailable === null);
  };

  // ---- layout: once per frame ------------------------------------------------------------
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
  win.addEventListener('scroll', scheduleLayout, { capture: true, passive: true });
  win.addEventListener('resize', scheduleLayout, { passive: true });
  doc.addEventListener('input', scheduleLayout, true);
  const ro = new ResizeObserver(scheduleLayout);
  ro.observe(doc.body);
  if (fields.form) ro.observe(fields.form);
  // Our own measuring elements in the page are marked data-tandem-ignore: their changes are not layout changes.
  const mo = new MutationObserver((records) => {
    if (records.some((r) => !(r.target instanceof Element && r.target.closest('[data-tandem-ignore]')) && !r.target.parentElement?.closest('[data-tandem-ignore]'))) scheduleLayout();
  });
  mo.observe(doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'hidden'] });

  // ---- the launcher, its menu and the panels ---------------------------------------------
  /** The menu and the open panel sit next to the launcher (above or below it, on its side), never over it; bottom sheets on small screens. */
  const placeNear = (el: HTMLElement) => {
    if (el.hidden) return;
    const small = win.innerWidth < 600;
    el.dataset.sheet = String(small);
    if (small) return void el.style.removeProperty('left');
    const l = launcher.getBoundingClientRect();
    const below = l.top + l.height / 2 < win.innerHeight / 2;
    el.style.maxHeight = `${Math.max(160, below ? win.innerHeight - l.bottom - 16 : l.top - 16)}px`;
    const m = el.getBoundingClientRect();
    el.style.left = `${Math.min(Math.max(8, l.left + l.width / 2 > win.innerWidth / 2 ? l.right - m.width : l.left), win.innerWidth - m.width - 8)}px`;
    // Anchored by the edge nearest the launcher, so content that grows grows away from it (and scrolls past max-height).
    el.style.top = below ? `${l.bottom + 8}px` : 'auto';
    el.style.bottom = below ? 'auto' : `${win.innerHeight - l.top + 8}px`;
  };
  const placeMenu = () => {
    placeNear(menu);
    for (const p of root.querySelectorAll<HTMLElement>('.tdm-panel:not([hidden])')) placeNear(p);
  };
  const dock = createDock(doc, host, launcher, () => {
    wrap.dataset.side = launcher.getBoundingClientRect().left + 20 > win.innerWidth / 2 ? 'right' : 'left';
    placeMenu();
  });
  const panels = createPanels(wrap, root, () => launcher, () => (placeMenu(), scheduleLayout()));
  const ownBoxes = (): Rect[] => [launcher, menu, ...root.querySelectorAll('.tdm-panel')].filter((e) => !(e as HTMLElement).hidden).map(rectOf);
  const toasts = createToasts({ doc, overlayHost: host, container: toastBox, announce, ownBoxes, corner: dock.corner });
  layoutFns.add(dock.place);
  layoutFns.add(placeMenu);
  layoutFns.add(toasts.place);

  let hostFocus: Element | null = null;
  const setMenu = (open: boolean, focusFirst = false) => {
    menu.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      placeMenu();
      if (focusFirst) (menu.querySelector<HTMLElement>('.tdm-root[data-available="true"] .tdm-toolbar button') ?? closeMenu).focus();
    }
    scheduleLayout();
  };
  launcher.addEventListener('click', () => {
    if (dock.consumeDrag()) return;
    if (panels.open()) panels.closeAll();
    setMenu(menu.hidden);
  });
  closeMenu.addEventListener('click', () => (setMenu(false), launcher.focus()));
  move.addEventListener('click', () => dock.next());
  launcher.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !menu.hidden) (e.stopPropagation(), setMenu(false));
  });
  menu.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    setMenu(false);
    launcher.focus();
  });
  const isInOverlay = () => doc.activeElement === host;
  const onShortcut = (e: KeyboardEvent) => {
    if (!SHORTCUT.test(e)) return;
    e.preventDefault();
    if (isInOverlay()) {
      // Back to the page, where the user was.
      setMenu(false);
      panels.closeAll();
      const back = hostFocus instanceof HTMLElement && hostFocus.isConnected ? hostFocus : (fields.form?.querySelector<HTMLElement>('input, select, textarea, button') ?? doc.body);
      back.focus();
      return;
    }
    hostFocus = doc.activeElement;
    const open = panels.open();
    if (open) open.open();
    else setMenu(true, true);
  };
  doc.addEventListener('keydown', onShortcut, true);

  // ---- field badges ----------------------------------------------------------------------
  const badgeGroups = new Map<string, HTMLElement>();
  layoutFns.add(() => {
    const origin = badges.getBoundingClientRect();
    for (const [name, group] of badgeGroups) {
      const f = fields.get(name);
      if (!f || group.childElementCount === 0) continue;
      const r = bindingOf(f).visible().getBoundingClientRect();
      group.style.display = r.width === 0 && r.height === 0 ? 'none' : 'flex';
      group.style.left = `${r.right - origin.left - group.offsetWidth}px`;
      group.style.top = `${r.top - origin.top}px`;
    }
  });

  const ui: CoreUi = {
    root,
    surface: wrap,
    layer,
    addStyle(css) {
      root.append(h('style', undefined, {}, css));
    },
    addBarSection({ id, label }) {
      const s = h('div', `tdm-section tdm-section-${id}`, { role: 'group', 'aria-label': label });
      sections.append(s);
      return s;
    },
    addToolbarButton({ id, label, text, onClick, icon: iconName }): ToolbarButton {
      // The visible text is the accessible name (with the count spoken after it); `label` is a tooltip.
      const el = h('button', `tdm-btn tdm-tool tdm-tool-${id}`, { type: 'button', title: label, part: 'button tool' });
      const count = h('span', 'tdm-count', { 'aria-hidden': 'true' });
      const spoken = h('span', 'tdm-sr');
      count.hidden = true;
      if (iconName) el.append(icon(iconName as IconName, 18));
      el.append(h('span', 'tdm-tool-text', {}, text), count, spoken);
      el.addEventListener('click', () => {
        setMenu(false);
        onClick();
      });
      toolbar.append(el);
      return {
        el,
        setBadge(n) {
          const before = counts.get(id) ?? 0;
          const now = n ?? 0;
          counts.set(id, now);
          count.hidden = now === 0;
          count.textContent = now ? String(now) : '';
          spoken.textContent = now ? ` (${t('count.new', { n: now })})` : '';
          if (now > before) announce(t('announce.badge', { label: text, n: now }));
          drawLauncher();
        },
        remove: () => (el.remove(), counts.delete(id), drawLauncher()),
      };
    },
    addPanel: (o) => panels.add(o),
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
    toast: (text, o) => toasts.show(text, o),
    announce,
    setConnection(next) {
      state = next;
      drawLauncher();
    },
    setUnavailable(reason) {
      unavailable = reason;
      drawLauncher();
    },
    setUser: (id) => dock.setUser(id),
    dispose() {
      ro.disconnect();
      mo.disconnect();
      win.removeEventListener('scroll', scheduleLayout, { capture: true });
      win.removeEventListener('resize', scheduleLayout);
      doc.removeEventListener('input', scheduleLayout, true);
      doc.removeEventListener('keydown', onShortcut, true);
      host.remove();
    },
  };
  drawLauncher();
  scheduleLayout();
  return ui;
}
