// The launcher's dock: a free corner spot, measured against the host's controls every layout
// frame (kept while still free, so it does not wander), movable by dragging or by the menu's
// "move" button, and remembered per user in localStorage.
import { hostControls } from './measure.js';
import { CORNERS, type Corner, findSpot } from './place.js';

/** Sizes tried in turn: the full touch target first, smaller only when nothing else is free. */
const SIZES = [44, 36, 28];
const MARGIN = 8;

export interface Dock {
  /** Re-measures and moves the launcher if something now sits under it. */
  place(): void;
  corner(): Corner;
  /** Cycles to the next corner (keyboard alternative to dragging). */
  next(): void;
  /** Remembers the corner per user (call when the user is known). */
  setUser(id: string | null): void;
  /** True right after a drag ended: the click that follows must not toggle the menu. */
  consumeDrag(): boolean;
}

export function createDock(doc: Document, overlayHost: Element, launcher: HTMLElement, onMoved: () => void): Dock {
  const win = doc.defaultView!;
  let corner: Corner = 'bottom-right';
  let userKey: string | null = null;
  let spot: { left: number; top: number } | null = null;
  let size = SIZES[0]!;
  let dragged = false;

  const load = () => {
    try {
      const saved = userKey ? win.localStorage.getItem(userKey) : null;
      if (saved && (CORNERS as readonly string[]).includes(saved)) corner = saved as Corner;
    } catch {
      /* storage blocked: the default corner */
    }
  };
  const save = () => {
    try {
      if (userKey) win.localStorage.setItem(userKey, corner);
    } catch {
      /* storage blocked: remembered for this page only */
    }
  };

  const apply = () => {
    launcher.style.setProperty('--tdm-launcher-size', `${size}px`);
    launcher.style.left = `${spot!.left}px`;
    launcher.style.top = `${spot!.top}px`;
    launcher.dataset.corner = corner;
    onMoved();
  };

  const place = () => {
    if (drag) return;
    const vp = { width: doc.documentElement.clientWidth || win.innerWidth, height: win.innerHeight };
    const obstacles = hostControls(doc, overlayHost);
    for (const s of SIZES) {
      const found = findSpot(vp, obstacles, { w: s, h: s }, corner, { margin: MARGIN, keep: s === size ? spot : null });
      if (found) {
        size = s;
        spot = found;
        launcher.dataset.covering = 'false';
        return apply();
      }
    }
    // Nowhere free (a page made only of controls): the corner, flagged so tests and people see it.
    size = SIZES.at(-1)!;
    spot = { left: corner.endsWith('right') ? vp.width - size - MARGIN : MARGIN, top: corner.startsWith('bottom') ? vp.height - size - MARGIN : MARGIN };
    launcher.dataset.covering = 'true';
    apply();
  };

  // Dragging: past a few pixels a press becomes a move; the drop point picks the corner.
  let drag: { x: number; y: number; moved: boolean } | null = null;
  launcher.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, moved: false };
    launcher.setPointerCapture?.(e.pointerId);
  });
  launcher.addEventListener('pointermove', (e) => {
    if (!drag) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 6) return;
    drag.moved = true;
    launcher.style.left = `${e.clientX - size / 2}px`;
    launcher.style.top = `${e.clientY - size / 2}px`;
  });
  const end = (e: PointerEvent) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null;
    if (!moved) return;
    dragged = true;
    const right = e.clientX > win.innerWidth / 2;
    const bottom = e.clientY > win.innerHeight / 2;
    corner = `${bottom ? 'bottom' : 'top'}-${right ? 'right' : 'left'}` as Corner;
    spot = { left: e.clientX - size / 2, top: e.clientY - size / 2 };
    save();
    place();
  };
  launcher.addEventListener('pointerup', end);
  launcher.addEventListener('pointercancel', end);

  return {
    place,
    corner: () => corner,
    next() {
      corner = CORNERS[(CORNERS.indexOf(corner) + 1) % CORNERS.length]!;
      spot = null;
      save();
      place();
    },
    setUser(id) {
      userKey = id ? `tandem:dock:${id}` : null;
      const before = corner;
      load();
      if (corner !== before) ((spot = null), place());
    },
    consumeDrag() {
      const d = dragged;
      dragged = false;
      return d;
    },
  };
}
