// Inline SVG icons (24×24, stroked with currentColor): no icon font or emoji glyph needed, so
// they render on machines without either and follow the theme's text colour.
const SVG = 'http://www.w3.org/2000/svg';

type Shape = [tag: 'path' | 'circle' | 'rect', attrs: Record<string, string | number>];
const p = (d: string): Shape => ['path', { d }];

const ICONS = {
  tandem: [['circle', { cx: 9, cy: 12, r: 5 }], ['circle', { cx: 15, cy: 12, r: 5 }]],
  chat: [p('M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z')],
  comment: [p('M21 11.5a8.4 8.4 0 0 1-9 8.5 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7A8.4 8.4 0 0 1 12 3h.5a8.5 8.5 0 0 1 8.5 8.5z')],
  inbox: [p('M18 8A6 6 0 0 0 6 8c0 7-3 9-3 9h18s-3-2-3-9'), p('M13.7 21a2 2 0 0 1-3.4 0')],
  work: [['rect', { x: 2, y: 7, width: 20, height: 14, rx: 2 }], p('M16 21V5a2 2 0 0 0-2-2h-4a2 2 0 0 0-2 2v16')],
  close: [p('M18 6 6 18M6 6l12 12')],
  move: [p('M5 9l-3 3 3 3M9 5l3-3 3 3M15 19l-3 3-3-3M19 9l3 3-3 3M2 12h20M12 2v20')],
  warning: [p('M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z'), p('M12 9v4M12 17h.01')],
  check: [p('M20 6 9 17l-5-5')],
  arrow: [p('M5 12h14M12 5l7 7-7 7')],
  back: [p('M19 12H5M12 19l-7-7 7-7')],
  pencil: [p('M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z')],
  smile: [['circle', { cx: 12, cy: 12, r: 10 }], p('M8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01')],
  bot: [['rect', { x: 4, y: 8, width: 16, height: 12, rx: 2 }], p('M12 8V4M9 13h.01M15 13h.01')],
  blocked: [['circle', { cx: 12, cy: 12, r: 10 }], p('M4.9 4.9l14.2 14.2')],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof ICONS;

/** A decorative icon: hidden from assistive technology (the control it sits in carries the name). */
export function icon(name: IconName, size = 16): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: size, height: size, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false', class: `tdm-icon tdm-icon-${name}` })) {
    svg.setAttribute(k, String(v));
  }
  for (const [tag, attrs] of ICONS[name] as Shape[]) {
    const s = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, String(v));
    svg.append(s);
  }
  return svg;
}
