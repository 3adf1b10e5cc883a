// Placement that measures: where on screen a box of the overlay can sit without covering any
// visible host control. Pure (rects in, position out) so it is unit-tested without a browser.

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}
export type Corner = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';
export const CORNERS: readonly Corner[] = ['bottom-right', 'bottom-left', 'top-left', 'top-right'];

export const overlaps = (a: Rect, b: Rect, gap = 0) =>
  a.left < b.left + b.width + gap && b.left < a.left + a.width + gap && a.top < b.top + b.height + gap && b.top < a.top + a.height + gap;

const fits = (r: Rect, obstacles: readonly Rect[], gap: number) => !obstacles.some((o) => overlaps(r, o, gap));

/**
 * The free spot for a `w`×`h` box nearest to `corner`, `margin` from the viewport's edges and
 * `gap` from every obstacle; `keep` (the current spot) wins while it is still free, so the box
 * does not wander. Tries the viewport's edges first (where overlays belong), then anywhere.
 * Null when the viewport has no free spot of that size.
 */
export function findSpot(
  viewport: { width: number; height: number },
  obstacles: readonly Rect[],
  size: { w: number; h: number },
  corner: Corner,
  opts: { margin?: number; gap?: number; step?: number; keep?: { left: number; top: number } | null } = {},
): { left: number; top: number } | null {
  const { margin = 8, gap = 4, step = 4 } = opts;
  const { w, h } = size;
  const maxX = viewport.width - w - margin;
  const maxY = viewport.height - h - margin;
  if (maxX < margin - 1 || maxY < margin - 1) return null;
  const at = (left: number, top: number): Rect => ({ left, top, width: w, height: h });
  if (opts.keep && opts.keep.left >= 0 && opts.keep.top >= 0 && opts.keep.left <= maxX + 0.5 && opts.keep.top <= maxY + 0.5 && fits(at(opts.keep.left, opts.keep.top), obstacles, gap)) {
    return opts.keep;
  }
  const cx = corner.endsWith('right') ? maxX : margin;
  const cy = corner.startsWith('bottom') ? maxY : margin;
  const dist = (x: number, y: number) => Math.hypot(x - cx, y - cy);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let x = margin; x < maxX; x += step) xs.push(x);
  xs.push(maxX);
  for (let y = margin; y < maxY; y += step) ys.push(y);
  ys.push(maxY);
  const best = (cands: Array<[number, number]>) => {
    cands.sort((a, b) => dist(a[0], a[1]) - dist(b[0], b[1]));
    for (const [x, y] of cands) if (fits(at(x, y), obstacles, gap)) return { left: x, top: y };
    return null;
  };
  // The edge band: the near vertical edge, then the horizontal ones, then the far edge.
  const edge: Array<[number, number]> = [];
  for (const y of ys) edge.push([margin, y], [maxX, y]);
  for (const x of xs) edge.push([x, margin], [x, maxY]);
  const onEdge = best(edge);
  if (onEdge) return onEdge;
  const inside: Array<[number, number]> = [];
  for (const x of xs.filter((_, i) => i % 2 === 0)) for (const y of ys.filter((_, i) => i % 2 === 0)) inside.push([x, y]);
  return best(inside);
}
