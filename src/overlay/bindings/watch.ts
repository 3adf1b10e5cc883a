// Nothing changes unseen: one watcher notices every change of a field's value, whoever made it.
// Signals, from cheapest: native input/change events; the value setters of the form's controls
// (widgets that assign `.value` and fire nothing: Django's calendar, lookup popups); jQuery's
// trigger and val (select2, datepickers); DOM mutations (options rebuilt by SelectFilter2);
// widget signals an adapter names; and a periodic reconcile for anything else. Each signal only
// schedules a check; a check compares the binding's value with the last one seen. Our own writes
// go through `write`, which updates the last value seen, so they are never echoed as local edits.
import type { FieldInfo, FieldRegistry } from '../core/types.js';
import { sameValue } from '../../features/fields/document.js';
import { bindingOf, jqueries, onBound } from './registry.js';
import type { FieldBinding, JQueryLike, Value } from './types.js';

export interface Watcher {
  /** Writes `v` into the page (through the binding) without reporting it as a local change. */
  write(f: FieldInfo, v: Value, labels?: Record<string, string>): void;
  /** Runs `fn` (which changes the page) without reporting the change; `f`'s last value is re-read. */
  quietly(f: FieldInfo, fn: () => void): void;
  /** Checks every field now (before a submit); returns once changes were reported. */
  checkAll(): void;
  /** The registry changed (a form redrawn): watch the new elements; what they show now is not a change. */
  refresh(): void;
  stop(): void;
}

const HOOKED: Array<[typeof HTMLElement, string]> = [
  [HTMLInputElement, 'value'],
  [HTMLInputElement, 'checked'],
  [HTMLTextAreaElement, 'value'],
  [HTMLSelectElement, 'value'],
  [HTMLSelectElement, 'selectedIndex'],
];
const JQ_EVENTS = /^(change|input|select|changeDate|dp\.change|select2:select|select2:unselect|select2:clear)$/;
export const RECONCILE_MS = 750;

export function createWatcher(fields: FieldRegistry, onChange: (f: FieldInfo, v: Value) => void): Watcher {
  const last = new Map<string, Value>();
  let quiet = 0;
  const scheduled = new Set<FieldInfo>();
  let flushQueued = false;
  const undo: Array<() => void> = [];

  const check = (f: FieldInfo) => {
    if (fields.get(f.name) !== f) return; // drawn again or gone since it was scheduled
    const v = bindingOf(f).read();
    if (last.has(f.name) && sameValue(last.get(f.name), v)) return;
    last.set(f.name, v);
    onChange(f, v);
  };
  const flush = () => {
    flushQueued = false;
    const todo = [...scheduled];
    scheduled.clear();
    for (const f of todo) check(f);
  };
  /** Checks run after the current task's microtasks: a widget finishes updating before we read it. */
  const schedule = (f: FieldInfo | undefined) => {
    if (!f || quiet > 0) return;
    scheduled.add(f);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  };
  const fieldOf = (t: EventTarget | null) => (t instanceof Element ? fields.fieldOf(t) : undefined);

  // Which FieldInfo each last value was read from: a field drawn again starts from what it shows.
  const seenAs = new Map<string, FieldInfo>();
  const seed = () => {
    for (const name of [...last.keys()]) if (!fields.get(name)) (last.delete(name), seenAs.delete(name));
    for (const f of fields.all()) {
      if (seenAs.get(f.name) === f) continue;
      seenAs.set(f.name, f);
      last.set(f.name, bindingOf(f).read());
    }
  };
  seed();

  // 1. Native events (capture: a host handler that stops propagation must not hide a change).
  for (const type of ['input', 'change'] as const) {
    const fn = (e: Event) => schedule(fieldOf(e.target));
    document.addEventListener(type, fn, true);
    undo.push(() => document.removeEventListener(type, fn, true));
  }

  // 2. Value setters, per element (an own property shadowing the prototype's accessor).
  const hookElement = (el: HTMLElement) => {
    for (const [ctor, prop] of HOOKED) {
      if (!(el instanceof ctor) || Object.prototype.hasOwnProperty.call(el, prop)) continue;
      const d = Object.getOwnPropertyDescriptor(ctor.prototype, prop);
      if (!d?.get || !d.set) continue;
      const { get, set } = d;
      Object.defineProperty(el, prop, {
        configurable: true,
        enumerable: d.enumerable ?? false,
        get() {
          return get.call(this);
        },
        set(v: unknown) {
          set.call(this, v);
          schedule(fields.fieldOf(el));
        },
      });
      undo.push(() => delete (el as unknown as Record<string, unknown>)[prop]);
    }
  };
  for (const f of fields.all()) for (const el of f.elements) hookElement(el);

  // 3. jQuery: `.trigger('change')` calls jQuery handlers only, `.val(x)` fires nothing.
  const hookedJq = new WeakSet<object>();
  const hookJquery = (jq: JQueryLike) => {
    if (hookedJq.has(jq)) return;
    hookedJq.add(jq);
    const ev = jq.event;
    if (ev && typeof ev.trigger === 'function') {
      const orig = ev.trigger;
      ev.trigger = function (this: unknown, event: unknown, data: unknown, elem: unknown, ...rest: unknown[]) {
        const out = orig.call(this, event, data, elem, ...rest);
        const type = typeof event === 'string' ? event : (event as { type?: string } | null)?.type;
        if (type && JQ_EVENTS.test(type.split('.')[0]!) && elem instanceof Element) schedule(fieldOf(elem));
        return out;
      };
      undo.push(() => (ev.trigger = orig));
    }
    const val = jq.fn.val as ((this: ArrayLike<Element>, ...a: unknown[]) => unknown) | undefined;
    if (typeof val === 'function') {
      jq.fn.val = function (this: ArrayLike<Element>, ...args: unknown[]) {
        const out = val.apply(this, args);
        if (args.length > 0) for (let i = 0; i < this.length; i++) schedule(fieldOf(this[i]!));
        return out;
      };
      undo.push(() => (jq.fn.val = val));
    }
  };
  const hookAllJquery = () => jqueries().forEach(hookJquery);
  hookAllJquery();

  // 4. DOM mutations inside the form: options added, moved or rebuilt; attributes set by script.
  const mo = new MutationObserver((records) => {
    for (const r of records) schedule(fieldOf(r.target));
  });
  const observeForm = () => {
    mo.disconnect();
    if (fields.form) mo.observe(fields.form, { subtree: true, childList: true, attributes: true, attributeFilter: ['value', 'checked', 'selected'] });
  };
  observeForm();
  undo.push(() => mo.disconnect());

  // 5. Widget signals, as adapters bind fields.
  const widgetOff = new Map<string, () => void>();
  const subscribedAs = new Map<string, FieldInfo>();
  const subscribe = (f: FieldInfo, b: FieldBinding) => {
    subscribedAs.set(f.name, f);
    widgetOff.get(f.name)?.();
    if (b.listen) widgetOff.set(f.name, b.listen(() => schedule(f)));
    for (const el of f.elements) hookElement(el);
  };
  undo.push(onBound(subscribe));
  undo.push(() => widgetOff.forEach((off) => off()));
  // Fields bind while the registry scans the form, before any watcher listens: subscribe to those here.
  const subscribeBound = () => {
    for (const f of fields.all()) {
      const b = bindingOf(f);
      if (b.adapter !== 'native' && b.listen && subscribedAs.get(f.name) !== f) subscribe(f, b);
    }
  };

  subscribeBound();

  // 6. The reconcile: anything no signal told us about, and jQuery loaded after us.
  const timer = setInterval(() => {
    hookAllJquery();
    for (const f of fields.all()) schedule(f);
  }, RECONCILE_MS);
  undo.push(() => clearInterval(timer));

  const quietly = (f: FieldInfo, fn: () => void) => {
    quiet++;
    try {
      fn();
    } finally {
      quiet--;
      last.set(f.name, bindingOf(f).read());
    }
  };
  return {
    write: (f, v, labels) => quietly(f, () => bindingOf(f).write(v, labels)),
    quietly,
    checkAll() {
      scheduled.clear();
      for (const f of fields.all()) check(f);
    },
    refresh() {
      seed();
      for (const f of fields.all()) for (const el of f.elements) hookElement(el);
      subscribeBound();
      observeForm();
    },
    stop: () => undo.splice(0).reverse().forEach((u) => u()),
  };
}
