// Single-page apps save through fetch or XMLHttpRequest, not by submitting a form: the overlay
// sees the host's writes (PUT, PATCH, POST) finish, so the fields module can tell the room
// "saved" when the record's URL was written (fields/saves.ts decides which requests are saves).
// Installed once, when tandem.js loads; the host's requests are passed through untouched.

export interface HostWrite {
  method: string;
  /** Absolute URL of the request. */
  url: string;
  status: number;
  /** The request's body when it was JSON text (what a data provider sends); undefined otherwise. */
  body?: unknown;
}
type Listener = (w: HostWrite) => void | Promise<unknown>;

const WRITES = new Set(['PUT', 'PATCH', 'POST']);
const listeners = new Set<Listener>();
const inFlight = new Set<Promise<unknown>>();

/** Told of every host write that completed (any status); returns an unsubscribe. */
export function onHostWrite(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Resolves when no host write (and no listener's work on one) is pending, or after `maxMs`. */
export async function hostWritesSettled(maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (inFlight.size && Date.now() < until) {
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())))]);
  }
}

const jsonOf = (body: unknown): unknown => {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

const track = (p: Promise<unknown>) => {
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
};

/** At most this long does a host's answer wait for the listeners (telling the room takes one round trip). */
const LISTENER_MAX_MS = 2000;
function done(w: HostWrite): Promise<unknown> {
  const all = Promise.allSettled([...listeners].map(async (fn) => fn(w)));
  return Promise.race([all, new Promise((r) => setTimeout(r, LISTENER_MAX_MS))]);
}

function install(): void {
  const origFetch = window.fetch;
  if (typeof origFetch === 'function') {
    window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const res = origFetch.call(this ?? window, input, init);
      if (!WRITES.has(method)) return res;
      const url = new URL(input instanceof Request ? input.url : String(input), document.baseURI).href;
      // Listeners run before the host sees the answer: a host that navigates on success must not outrun "saved".
      const body = jsonOf(init?.body);
      const seen = res.then(async (r) => (await done({ method, url, status: r.status, body }), r));
      track(seen.catch(() => undefined));
      return seen;
    } as typeof fetch;
  }
  const X = window.XMLHttpRequest?.prototype;
  if (X) {
    const open = X.open;
    const send = X.send;
    const info = new WeakMap<XMLHttpRequest, { method: string; url: string }>();
    X.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
      info.set(this, { method: String(method).toUpperCase(), url: new URL(String(url), document.baseURI).href });
      return (open as (...a: unknown[]) => void).call(this, method, url, ...rest);
    } as typeof X.open;
    X.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
      const i = info.get(this);
      if (i && WRITES.has(i.method)) {
        track(
          new Promise<void>((resolve) => {
            this.addEventListener('loadend', () => void done({ ...i, status: this.status, body: jsonOf(body) }).finally(resolve), { once: true });
          }),
        );
      }
      return send.call(this, body);
    };
  }
}

if (typeof window !== 'undefined') install();
