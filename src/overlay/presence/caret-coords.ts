/**
 * Where a character index falls inside an input or textarea, measured with a hidden mirror
 * element that copies the field's text layout. Coordinates are relative to the field's
 * padding box, already corrected for its scroll position.
 */
const COPIED = [
  'direction', 'boxSizing', 'width', 'height', 'overflowX', 'overflowY',
  'borderTopWidth', 'borderRightWidth', 'borderBottomWidth', 'borderLeftWidth', 'borderStyle',
  'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft',
  'fontStyle', 'fontVariant', 'fontWeight', 'fontStretch', 'fontSize', 'fontSizeAdjust', 'lineHeight', 'fontFamily',
  'textAlign', 'textTransform', 'textIndent', 'letterSpacing', 'wordSpacing', 'tabSize', 'wordBreak', 'overflowWrap',
] as const;

let mirror: HTMLDivElement | null = null;

export type TextControl = HTMLInputElement | HTMLTextAreaElement;

export const isTextControl = (el: Element | null): el is TextControl =>
  el instanceof HTMLTextAreaElement ||
  (el instanceof HTMLInputElement && ['text', 'email', 'url', 'search', 'tel', ''].includes((el.getAttribute('type') ?? '').toLowerCase()));

export interface CaretPoint {
  left: number;
  top: number;
  height: number;
}

export function caretPoint(el: TextControl, index: number): CaretPoint {
  const doc = el.ownerDocument;
  if (!mirror || !mirror.isConnected) {
    mirror = doc.createElement('div');
    mirror.setAttribute('aria-hidden', 'true');
    mirror.dataset.tandemIgnore = '';
    doc.body.append(mirror);
  }
  const cs = getComputedStyle(el);
  const s = mirror.style;
  for (const p of COPIED) s[p] = cs[p];
  s.position = 'absolute';
  s.visibility = 'hidden';
  s.top = '0';
  s.left = '-9999px';
  s.overflow = 'hidden';
  const isInput = el instanceof HTMLInputElement;
  s.whiteSpace = isInput ? 'pre' : 'pre-wrap';
  if (!isInput) s.overflowWrap = 'break-word';
  const value = el.value;
  mirror.textContent = value.slice(0, index);
  const marker = doc.createElement('span');
  marker.textContent = value.slice(index) || '.';
  mirror.append(marker);
  const fontSize = parseFloat(cs.fontSize) || 14;
  const lineHeight = parseFloat(cs.lineHeight) || fontSize * 1.25;
  // offsetLeft/Top are measured from the mirror's padding edge: already padding-box relative.
  const left = marker.offsetLeft - el.scrollLeft;
  const top = isInput ? (el.clientHeight - lineHeight) / 2 : marker.offsetTop - el.scrollTop;
  return { left, top, height: lineHeight };
}

/** Rectangles covering a selection [start, end) in UTF-16 indexes, relative to the padding box. */
export function selectionRects(el: TextControl, start: number, end: number): Array<{ left: number; top: number; width: number; height: number }> {
  if (start === end) return [];
  const a = caretPoint(el, Math.min(start, end));
  const b = caretPoint(el, Math.max(start, end));
  const width = el.clientWidth;
  if (Math.abs(a.top - b.top) < 1) return [{ left: a.left, top: a.top, width: Math.max(2, b.left - a.left), height: a.height }];
  const rects = [{ left: a.left, top: a.top, width: Math.max(2, width - a.left), height: a.height }];
  if (b.top - (a.top + a.height) > 1) rects.push({ left: 0, top: a.top + a.height, width, height: b.top - a.top - a.height });
  rects.push({ left: 0, top: b.top, width: Math.max(2, b.left), height: b.height });
  return rects;
}
