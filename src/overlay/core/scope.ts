// A module's init may add listeners to window/document and start intervals that it never removes
// (on a server-rendered page the overlay lives as long as the page). In a single-page app the
// overlay mounts again on every new page, so what each init adds synchronously is recorded here and
// undone when that mount ends. Only window and document targets are recorded: listeners on the
// module's own elements go with them.

export function recordGlobals<T>(fn: () => T): { result: T; undo: () => void } {
  const undo: Array<() => void> = [];
  const add = EventTarget.prototype.addEventListener;
  const setIntervalOrig = window.setInterval;
  EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions) {
    if (listener && (this === window || this === document)) {
      const capture = typeof options === 'boolean' ? options : (options?.capture ?? false);
      undo.push(() => this.removeEventListener(type, listener, capture));
    }
    return add.call(this, type, listener, options);
  };
  window.setInterval = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = setIntervalOrig(handler, ms, ...args);
    undo.push(() => clearInterval(id));
    return id;
  }) as typeof window.setInterval;
  try {
    return { result: fn(), undo: () => undo.splice(0).reverse().forEach((u) => u()) };
  } finally {
    EventTarget.prototype.addEventListener = add;
    window.setInterval = setIntervalOrig;
  }
}
