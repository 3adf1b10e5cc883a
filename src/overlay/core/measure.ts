// What the overlay must not cover: every visible host control in the viewport, measured.
import type { Rect } from './place.js';

const CONTROLS = [
  'a[href]', 'button', 'input:not([type="hidden"])', 'select', 'textarea', 'summary',
  '[role="button"]', '[role="link"]', '[role="checkbox"]', '[role="combobox"]', '[role="tab"]',
  '[contenteditable]:not([contenteditable="false"])', '[tabindex]:not([tabindex="-1"])',
].join(',');

type Visible = Element & { checkVisibility?: (o?: Record<string, boolean>) => boolean };

/** Viewport rects of the host's visible controls (our own host element and helpers excluded). */
export function hostControls(doc: Document, overlayHost: Element): Rect[] {
  const win = doc.defaultView!;
  const vw = win.innerWidth;
  const vh = win.innerHeight;
  const out: Rect[] = [];
  for (const el of doc.querySelectorAll(CONTROLS)) {
    if (el === overlayHost || el.closest('[data-tandem-ignore]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw) continue;
    if ((el as Visible).checkVisibility?.({ visibilityProperty: true, opacityProperty: true }) === false) continue;
    out.push({ left: r.left, top: r.top, width: r.width, height: r.height });
  }
  return out;
}

export const rectOf = (el: Element): Rect => {
  const r = el.getBoundingClientRect();
  return { left: r.left, top: r.top, width: r.width, height: r.height };
};
