/**
 * The overlay's module API. Modules (presence, fields, chat, work) register themselves with
 * `registerModule` and receive one `OverlayContext` when the overlay boots. Keep this stable:
 * other modules are written against it. See src/overlay/README.md.
 */
import type { Socket } from 'socket.io-client';

export type FieldKind = 'text' | 'textarea' | 'select' | 'checkbox' | 'radio' | 'number' | 'date' | 'other';

/** One form field of the host page, as the server knows it (name, kind, label, readOnly) plus its elements. */
export interface FieldInfo {
  name: string;
  kind: FieldKind;
  label: string;
  readOnly: boolean;
  /** The main element (for radios: the first of the group). */
  element: HTMLElement;
  /** Every element of the field (several for a radio group). */
  elements: HTMLElement[];
}

export interface FieldRegistry {
  /** The form Tandem found (null when the page has none). */
  readonly form: HTMLFormElement | null;
  all(): FieldInfo[];
  get(name: string): FieldInfo | undefined;
  /** The field an element belongs to (the element itself or one of its ancestors). */
  fieldOf(el: EventTarget | null): FieldInfo | undefined;
}

/** How the form's fields changed when a single-page app redrew part of it (same page, same room). */
export interface FieldChanges {
  added: FieldInfo[];
  removed: FieldInfo[];
  /** Same name, new element(s): React drew the control again. */
  moved: Array<{ from: FieldInfo; to: FieldInfo }>;
  /** The <form> element itself is another one. */
  formChanged: boolean;
}

export interface SessionUser {
  id: string;
  name: string;
  avatar: string | null;
  roles: string[];
}

/** The room the overlay joined; `answer` is the whole room:join answer (features add parts by name). */
export interface RoomState {
  roomId: string;
  pageKey: string;
  permissions: Array<'read' | 'write' | 'comment'>;
  created: boolean;
  answer: Record<string, unknown>;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface OverlayEvents {
  /** After every successful room:join: the first one (rejoin=false) and after each reconnect (rejoin=true). */
  joined: { room: RoomState; rejoin: boolean };
  /** The socket connected again after a loss (before the room is re-joined). */
  reconnected: void;
  /** The connection dropped; `reason` is socket.io's. */
  disconnected: { reason: string };
  /** Connection indicator state changed. */
  connection: { state: ConnectionState };
  /**
   * The form changed on the same page (fields drawn, redrawn or removed): the registry holds the
   * new fields; the room is joined again on the same connection (a `joined` with rejoin=true follows).
   */
  fields: FieldChanges;
  /** room:join was refused (e.g. no permission); the error from the server. */
  joinFailed: { code: string; message: string };
}

export interface Emitter<E> {
  on<K extends keyof E>(event: K, fn: (payload: E[K]) => void): () => void;
  emit<K extends keyof E>(event: K, payload: E[K]): void;
}

export interface ToolbarButton {
  el: HTMLButtonElement;
  /** A small count next to the label; null hides it. */
  setBadge(n: number | null): void;
  remove(): void;
}

export interface Panel {
  /** Put your content here (textContent only for user text). */
  body: HTMLElement;
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  remove(): void;
}

export interface FieldBadge {
  el: HTMLElement;
  remove(): void;
}

export interface UiHost {
  /** The overlay's shadow root; host CSS does not reach in, ours does not leak out. */
  readonly root: ShadowRoot;
  /** The themed element inside the shadow root (it carries the `--_*` colours): dialogs go here. */
  readonly surface: HTMLElement;
  /** Adds CSS to the shadow root (scope it with your module's class names). */
  addStyle(css: string): void;
  /** A labelled region in the bar, before the toolbar (presence puts its avatars here). */
  addBarSection(opts: { id: string; label: string }): HTMLElement;
  /** A button in the presence bar's toolbar slot (keyboard reachable; `label` is its accessible name). */
  /** A tool in the overlay's menu: `text` is what people see and its accessible name, `label` a tooltip, `icon` one of core/icons.ts. */
  addToolbarButton(opts: { id: string; label: string; text: string; onClick: () => void; icon?: string }): ToolbarButton;
  /** A side panel (one open at a time), opened from a toolbar button; bottom sheet on phones. */
  addPanel(opts: { id: string; title: string }): Panel;
  /** A small badge attached to a host field's top-right corner; follows the field on scroll/resize. */
  fieldBadge(field: string, opts: { id: string; label: string }): FieldBadge;
  /** An absolutely positioned layer pinned to the page, for drawing over fields (pointer-events: none).
   *  Position children at `el.getBoundingClientRect()` minus `layer.getBoundingClientRect()`. */
  readonly layer: HTMLElement;
  /** Called whenever the layout may have changed (scroll, resize, input, DOM changes); returns unsubscribe. */
  onLayout(fn: () => void): () => void;
  /** A short non-blocking message (role=status). */
  toast(text: string, opts?: { kind?: 'info' | 'error'; ms?: number }): void;
  /** Says `text` to screen readers (one polite live region for the whole overlay). */
  announce(text: string): void;
}

/** Acks are `{ ok: true, ... }` or `{ ok: false, error }`. */
export type Ack<T = Record<string, unknown>> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string; details?: unknown } };

export interface OverlayContext {
  /** The one socket.io-client socket; the same object across reconnects. Listen with ctx.socket.on(...). */
  readonly socket: Socket;
  /** Emits with an ack and a timeout (default 10 s); a timeout resolves as `{ ok: false, error: { code: 'timeout' } }`. */
  request<T = Record<string, unknown>>(event: string, payload: unknown, timeoutMs?: number): Promise<Ack<T>>;
  /** The current room, null until joined (and while re-joining). */
  readonly room: RoomState | null;
  /** The signed-in user, null until the server's session greeting. */
  readonly user: SessionUser | null;
  readonly connection: ConnectionState;
  readonly fields: FieldRegistry;
  readonly ui: UiHost;
  readonly events: Emitter<OverlayEvents>;
  /** A fresh token from the host's token URL. */
  getToken(): Promise<string>;
  /** Services modules offer each other, by name (e.g. 'presence'). */
  provide<T>(name: string, service: T): void;
  use<T>(name: string): T | undefined;
  /** The server's base URL (for REST calls; send `Authorization: Bearer ${await getToken()}`). */
  readonly serverUrl: string;
}

export interface OverlayModule {
  name: string;
  /** Called once per mount (a single-page app mounts again per route and form), before the socket connects. May return a disposer. */
  init(ctx: OverlayContext): void | (() => void) | Promise<void | (() => void)>;
}
