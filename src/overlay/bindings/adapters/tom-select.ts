// Tom Select: the original <select> (or <input>) stays the submitted control and gets native
// change events; the instance on `el.tomselect` draws the control and must be told of writes.
import { lockElements } from '../native.js';
import type { Value, WidgetAdapter } from '../types.js';

interface TomSelect {
  wrapper: HTMLElement;
  dropdown?: HTMLElement;
  options: Record<string, unknown>;
  settings: { valueField?: string; labelField?: string };
  addOption(o: Record<string, string>): void;
  setValue(v: string | string[], silent?: boolean): void;
  lock(): void;
  unlock(): void;
}

const toList = (v: Value) => (v === null || v === '' ? [] : Array.isArray(v) ? v : [String(v)]);

export const tomSelect: WidgetAdapter = {
  name: 'tom-select',
  detect: (f) => !!(f.element as { tomselect?: unknown }).tomselect,
  // Tom Select's own search input (id "<id>-ts-control") sits in its wrapper, inside the form: not a field.
  ignore: (el) => el.closest('.ts-wrapper') !== null && !(el as { tomselect?: unknown }).tomselect,
  bind({ field, native }) {
    const ts = () => (field.element as unknown as { tomselect: TomSelect }).tomselect;
    return {
      write(v, labels) {
        const t = ts();
        const valueField = t.settings.valueField ?? 'value';
        const labelField = t.settings.labelField ?? 'text';
        for (const x of toList(v)) if (!(x in t.options)) t.addOption({ [valueField]: x, [labelField]: labels?.[x] ?? x });
        t.setValue(toList(v), true);
        native.write(v);
      },
      visible: () => ts().wrapper,
      owns: (el) => el === field.element || ts().wrapper.contains(el) || (ts().dropdown?.contains(el) ?? false),
      setLocked(locked) {
        if (locked) ts().lock();
        else ts().unlock();
        native.setLocked(locked);
        lockElements([ts().wrapper], locked);
      },
    };
  },
};
