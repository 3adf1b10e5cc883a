// Which binding drives a field: the first adapter that detects its widget, else the native one.
// Widgets may enhance controls after the overlay started, so a field bound natively is asked
// again, at most every REDETECT_MS (bindingOf runs on every input event and reconcile) and at
// once after an adapter is registered; once an adapter has bound it, the binding is kept while
// its element stays in the page.
import type { FieldInfo } from '../core/types.js';
import { builtInAdapters } from './adapters/index.js';
import { nativeBinding } from './native.js';
import type { FieldBinding, JQueryLike, WidgetAdapter } from './types.js';

const adapters: WidgetAdapter[] = [];
const bound = new WeakMap<FieldInfo, { adapter: WidgetAdapter; binding: FieldBinding }>();
const natives = new WeakMap<FieldInfo, FieldBinding>();
/** When a natively bound field was last asked, and under which set of adapters. */
const detected = new WeakMap<FieldInfo, { generation: number; at: number }>();
let generation = 0;
const REDETECT_MS = 500;
const listeners = new Set<(f: FieldInfo, b: FieldBinding) => void>();

declare global {
  interface Window {
    /** Adapters a host registers before tandem.js runs: `(window.tandemAdapters ||= []).push(adapter)`. */
    tandemAdapters?: WidgetAdapter[];
    jQuery?: unknown;
    django?: { jQuery?: unknown };
  }
}

/** Adds an adapter ahead of the built-in ones (a host's own widgets win over ours). */
export function registerAdapter(a: WidgetAdapter): void {
  if (!a || typeof a.name !== 'string' || typeof a.detect !== 'function' || typeof a.bind !== 'function') {
    throw new TypeError('tandem: an adapter needs name, detect(field, jq) and bind(env)');
  }
  adapters.unshift(a);
  generation++;
}

export function allAdapters(): WidgetAdapter[] {
  return [...adapters, ...builtInAdapters];
}

if (typeof window !== 'undefined') {
  for (const a of window.tandemAdapters ?? []) registerAdapter(a);
  // Adapters pushed after tandem.js loaded register at once (fields still bound natively are asked again).
  window.tandemAdapters = Object.assign([] as WidgetAdapter[], {
    push: (...added: WidgetAdapter[]) => (added.forEach(registerAdapter), adapters.length),
  });
}

/** The jQuery copies on the page that know `el` (Django admin keeps its own as django.jQuery). */
export function jqueries(): JQueryLike[] {
  const out: JQueryLike[] = [];
  for (const j of [window.jQuery, window.django?.jQuery]) {
    if (typeof j === 'function' && !out.includes(j as JQueryLike)) out.push(j as JQueryLike);
  }
  return out;
}

/** The jQuery whose data (widget instances) is attached to `el`: the one that enhanced it. */
export function jqueryFor(el: Element): JQueryLike | null {
  const all = jqueries();
  for (const j of all) {
    const data = (j as unknown as { _data?: (e: Element) => unknown; hasData?: (e: Element) => boolean }).hasData;
    if (data && data(el)) return j;
  }
  return all[0] ?? null;
}

/** Is this control (skipped by type, e.g. hidden) a widget's field all the same? */
export function claimedControl(el: Element): boolean {
  return allAdapters().some((a) => a.claims?.(el) ?? false);
}

/** Is this control a widget's internal, not a field (asked while the registry scans the form)? */
export function ignoredControl(el: Element): boolean {
  return allAdapters().some((a) => a.ignore?.(el) ?? false);
}

function nativeOf(f: FieldInfo): FieldBinding {
  let n = natives.get(f);
  if (!n) natives.set(f, (n = nativeBinding(f)));
  return n;
}

export function bindingOf(f: FieldInfo): FieldBinding {
  const kept = bound.get(f);
  if (kept && f.element.isConnected) return kept.binding;
  const native = nativeOf(f);
  const now = performance.now();
  const last = detected.get(f);
  if (last && last.generation === generation && now - last.at < REDETECT_MS) return native;
  detected.set(f, { generation, at: now });
  const jq = jqueryFor(f.element);
  for (const a of allAdapters()) {
    let hit = false;
    try {
      hit = a.detect(f, jq);
    } catch {
      hit = false; // a broken adapter must not break the field: it stays native
    }
    if (!hit) continue;
    const b: FieldBinding = { ...native, ...a.bind({ field: f, native, jq }), adapter: a.name };
    bound.set(f, { adapter: a, binding: b });
    f.element.dataset.tandemBinding = a.name;
    for (const fn of listeners) fn(f, b);
    return b;
  }
  return native;
}

/** The adapter that binds `f`, if any (the registry asks it for the field's kind while it scans). */
export function widgetOf(f: FieldInfo): WidgetAdapter | undefined {
  bindingOf(f);
  return bound.get(f)?.adapter;
}

/** Told when a field gets a widget binding (the watcher subscribes to the widget's own signals). */
export function onBound(fn: (f: FieldInfo, b: FieldBinding) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
