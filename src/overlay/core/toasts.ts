// Toasts: identical ones coalesce into one with a count; every toast is announced through the
// live region; on screen a toast takes a free spot (never over a host control, so never over
// the field someone is typing in) and stays announced-only when there is none.
import { h } from './dom.js';
import { hostControls } from './measure.js';
import { type Corner, findSpot, type Rect } from './place.js';

export interface Toasts {
  show(text: string, opts?: { kind?: 'info' | 'error'; ms?: number }): void;
  place(): void;
}

export function createToasts(opts: {
  doc: Document;
  overlayHost: Element;
  container: HTMLElement;
  announce: (text: string) => void;
  /** Overlay boxes toasts must not cover either (the launcher, an open menu or panel). */
  ownBoxes: () => Rect[];
  corner: () => Corner;
}): Toasts {
  const { doc, container } = opts;
  const active = new Map<string, { el: HTMLElement; count: HTMLElement; n: number; timer: ReturnType<typeof setTimeout> }>();
  let spot: { left: number; top: number } | null = null;

  const place = () => {
    if (active.size === 0) {
      container.hidden = true;
      spot = null;
      return;
    }
    container.hidden = false;
    const vp = { width: doc.documentElement.clientWidth, height: doc.defaultView!.innerHeight };
    const size = { w: container.offsetWidth, h: container.offsetHeight };
    const found = findSpot(vp, [...hostControls(doc, opts.overlayHost), ...opts.ownBoxes()], size, opts.corner(), { keep: spot, step: 8 });
    spot = found;
    container.dataset.placed = String(Boolean(found));
    if (!found) return;
    container.style.left = `${found.left}px`;
    container.style.top = `${found.top}px`;
  };

  const show = (text: string, { kind = 'info', ms = 4_000 }: { kind?: 'info' | 'error'; ms?: number } = {}) => {
    const key = `${kind}\u0000${text}`;
    const same = active.get(key);
    if (same) {
      same.n += 1;
      same.count.textContent = `×${same.n}`;
      same.count.hidden = false;
      same.el.dataset.count = String(same.n);
      clearTimeout(same.timer);
      same.timer = setTimeout(() => remove(key), ms);
      return;
    }
    const el = h('div', 'tdm-toast', { 'data-kind': kind, part: 'toast', 'data-count': '1' });
    const count = h('span', 'tdm-toast-count', { 'aria-hidden': 'true' });
    count.hidden = true;
    el.append(h('span', 'tdm-toast-text', {}, text), count);
    container.append(el);
    active.set(key, { el, count, n: 1, timer: setTimeout(() => remove(key), ms) });
    opts.announce(text);
    place();
  };
  const remove = (key: string) => {
    active.get(key)?.el.remove();
    active.delete(key);
    place();
  };
  return { show, place };
}
