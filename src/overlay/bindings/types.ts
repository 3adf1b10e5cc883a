/**
 * Field bindings: the only way the overlay touches a host field. A binding reads the value the
 * form would submit, writes a value so the page *shows* it, names the element people see, and
 * locks the field. Native controls get native bindings; widget libraries (select2, datepickers,
 * Django admin's widgets, Tom Select, flatpickr, …) get one small adapter each, found by
 * detection. Local changes are noticed by one watcher for every binding (native events, value
 * setters, jQuery's event system, DOM mutations, a periodic reconcile), so an adapter only says
 * how to read, write and show: see watch.ts.
 */
import type { FieldInfo, FieldKind } from '../core/types.js';

/** A field's value on the wire: text/number/date → string, checkbox → boolean (a group: the
 *  checked values), radio → the checked value or null, select → the value (multiple: the values). */
export type Value = string | boolean | number | string[] | null;

export interface FieldBinding {
  /** 'native' or the adapter's name (for tests and debugging: data-tandem-binding). */
  readonly adapter: string;
  /** The value the form would submit now. */
  read(): Value;
  /** The value the form would have submitted as the page was served (default values). */
  readSaved(): Value;
  /** Makes the page show and submit `v` (the widget's display included). Never reported back as a local change.
   *  `labels`: how the writer's page displays the values, for a page that lacks one of the options. */
  write(v: Value, labels?: Record<string, string>): void;
  /** The element people see and point at: focus rings, carets, badges and highlights go here. */
  visible(): HTMLElement;
  /** True when `el` is part of this field's widget (focus there means "in this field"). */
  owns(el: Element): boolean;
  /** Locks or unlocks the field and its widget (a delegated or frozen field). */
  setLocked(locked: boolean): void;
  /** A readable rendering of a value (the option's label, …) for dialogs; textContent only. */
  describe(v: Value): string;
  /** Extra change signals the widget gives (beyond native events, setters and jQuery events); returns an unsubscribe. */
  listen?(changed: () => void): () => void;
}

/** What an adapter is given: the field, the native binding to build on, and the page's jQuery (if any). */
export interface AdapterEnv {
  field: FieldInfo;
  native: FieldBinding;
  /** `window.jQuery`, or Django admin's `django.jQuery` (a noConflict copy), whichever drives this element. */
  jq: JQueryLike | null;
}

/**
 * One widget library. `detect` is cheap and is asked again when a field may have been enhanced
 * after the overlay started (widgets initialise on their own ready handlers); the first adapter
 * whose `detect` answers true binds the field. `bind` returns what differs from the native binding.
 */
export interface WidgetAdapter {
  name: string;
  /** The kind the widget gives its control, when not the control's own: a datepicker's text
   *  input holds a date, a versioned value chosen whole (two picks must never merge as text). */
  kind?: FieldKind;
  detect(field: FieldInfo, jq: JQueryLike | null): boolean;
  bind(env: AdapterEnv): Partial<Omit<FieldBinding, 'adapter'>>;
  /** Controls that are a widget's internals, not fields of their own (e.g. SelectFilter2's "available" box). */
  ignore?(el: Element): boolean;
  /** Controls the scan would skip that are fields all the same (flatpickr's altInput mode turns the submitted input into type=hidden). */
  claims?(el: Element): boolean;
  /** The field's label, when the control has none of its own (Material UI labels the FormControl, not its hidden input). */
  label?(field: FieldInfo): string;
  /** Whether the field is read-only, when the widget sets `readonly` itself (flatpickr does, so people pick from its calendar). */
  readOnly?(field: FieldInfo): boolean;
}

/** The little of jQuery the adapters use. */
export interface JQueryLike {
  (el: Element | string): JQueryObject;
  fn: Record<string, unknown> & { jquery?: string };
  event?: { trigger: (...args: unknown[]) => unknown };
  datepicker?: unknown;
}
export interface JQueryObject {
  length: number;
  data(key: string): unknown;
  val(): unknown;
  val(v: unknown): JQueryObject;
  trigger(type: string, extra?: unknown): JQueryObject;
  prop(name: string, v: unknown): JQueryObject;
  [method: string]: unknown;
}
