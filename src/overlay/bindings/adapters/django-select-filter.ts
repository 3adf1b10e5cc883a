// Django admin's filter_horizontal / filter_vertical (admin/js/SelectFilter2.js + SelectBox.js).
// On window `load` SelectFilter2 renames the original <select multiple> to `<id>_from` (name
// `<name>_old`, the "available" box) and adds `<id>_to` carrying the field's name (the "chosen"
// box); the form submits every option in `_to`. Moving options rebuilds both boxes from
// SelectBox.cache and fires no event. The overlay may bind the field before or after that
// rename, so every method looks the boxes up again and behaves natively until they exist.
import type { FieldInfo } from '../../core/types.js';
import type { FieldBinding, Value, WidgetAdapter } from '../types.js';

interface CacheNode { value: string; text: string; displayed: number }
interface SelectBoxApi {
  cache: Record<string, CacheNode[] | undefined>;
  redisplay(id: string): void;
  filter(id: string, text: string): void;
}
type Win = Window & { SelectBox?: SelectBoxApi; SelectFilter?: { refresh_icons?(id: string): void } };

const baseId = (el: Element) => el.id.replace(/_(from|to)$/, '');

interface Boxes { base: string; from: HTMLSelectElement; to: HTMLSelectElement; selector: HTMLElement; sb: SelectBoxApi }

/** The two boxes once SelectFilter2 has run, else null. */
function boxesOf(el: Element): Boxes | null {
  const base = baseId(el);
  const doc = el.ownerDocument;
  const from = doc.getElementById(`${base}_from`);
  const to = doc.getElementById(`${base}_to`);
  const sb = (doc.defaultView as Win | null)?.SelectBox;
  const selector = to?.closest<HTMLElement>('.selector');
  if (!(from instanceof HTMLSelectElement) || !(to instanceof HTMLSelectElement) || !selector || !sb?.cache[from.id] || !sb.cache[to.id]) return null;
  return { base, from, to, selector, sb };
}

const isFilterSelect = (el: Element) =>
  el instanceof HTMLSelectElement && el.multiple && (el.matches('.selectfilter, .selectfilterstacked') || boxesOf(el) !== null);

const asList = (v: Value): string[] => (Array.isArray(v) ? v.map(String) : v === null || v === '' || typeof v === 'boolean' ? [] : [String(v)]);

function move(b: Boxes, want: Set<string>): void {
  const from = b.sb.cache[b.from.id]!;
  const to = b.sb.cache[b.to.id]!;
  for (let i = to.length - 1; i >= 0; i--) if (!want.has(to[i]!.value)) from.push({ ...to.splice(i, 1)[0]!, displayed: 1 });
  for (let i = 0; i < from.length; i++) if (want.has(from[i]!.value)) to.push({ ...from.splice(i--, 1)[0]!, displayed: 1 });
  // A value neither box knows (an object created since the page was served): shown by its id.
  for (const v of want) if (!to.some((n) => n.value === v)) to.push({ value: v, text: v, displayed: 1 });
  const filter = b.selector.ownerDocument.getElementById(`${b.base}_input`) as HTMLInputElement | null;
  if (filter?.value) b.sb.filter(b.from.id, filter.value); // keep the user's filter on the available box
  else b.sb.redisplay(b.from.id);
  b.sb.redisplay(b.to.id);
  (b.selector.ownerDocument.defaultView as Win | null)?.SelectFilter?.refresh_icons?.(b.base);
}

export const djangoSelectFilter: WidgetAdapter = {
  name: 'django-select-filter',
  detect: (f: FieldInfo) => f.kind === 'select' && isFilterSelect(f.element),
  // The available box and its filter input are the widget's internals: `_to` is the field.
  ignore: (el) =>
    (el instanceof HTMLSelectElement && /_from$/.test(el.id) && boxesOf(el) !== null) ||
    (el instanceof HTMLInputElement && el.parentElement?.classList.contains('selector-filter') === true),
  bind({ field, native }): Partial<FieldBinding> {
    const boxes = () => boxesOf(field.element);
    // What the page was served with: the original select's selected options, before SelectFilter2
    // rebuilt them (its new options have no `selected` attribute); if bound later, the chosen box.
    const b0 = boxes();
    const saved = b0 ? [...b0.to.options].map((o) => o.value) : (native.readSaved() as string[]);
    const label = (v: string) => {
      const b = boxes();
      const n = b && [...b.sb.cache[b.to.id]!, ...b.sb.cache[b.from.id]!].find((x) => x.value === v);
      return n ? n.text : native.describe(v);
    };
    return {
      read: () => {
        const b = boxes();
        return b ? [...b.to.options].map((o) => o.value) : native.read();
      },
      readSaved: () => saved,
      write(v) {
        const b = boxes();
        if (b) move(b, new Set(asList(v)));
        else native.write(v);
      },
      visible: () => boxes()?.selector ?? native.visible(),
      owns: (el) => boxes()?.selector.contains(el) ?? native.owns(el),
      setLocked(locked) {
        const b = boxes();
        if (!b) return native.setLocked(locked);
        // `inert`, not `disabled`: a disabled `_to` box would be left out of the submitted form.
        b.selector.inert = locked;
        b.selector.toggleAttribute('aria-disabled', locked);
      },
      describe: (v) => (asList(v).length ? asList(v).map(label).join(', ') : '(empty)'),
      // Moves rebuild the boxes' options; the chosen box is not the element the overlay registered.
      listen(changed) {
        const root = field.element.closest('.selector')?.parentElement ?? field.element.parentElement;
        if (!root) return () => undefined;
        const mo = new MutationObserver(changed);
        mo.observe(root, { childList: true, subtree: true });
        return () => mo.disconnect();
      },
    };
  },
};
