// Unacknowledged edits survive a reload or a closed tab: each text field's client state (its
// clientId, next seq, the server text it is based on and the ops in flight / pending) is kept
// in IndexedDB until the server has acknowledged everything, then deleted.
import type { TextClientState } from '../../ot/client.js';

const DB = 'tandem-fields';
const STORE = 'unacked';

export interface Saved {
  key: string;
  state: TextClientState;
  savedAt: number;
}

let dbPromise: Promise<IDBDatabase | null> | null = null;

function open(): Promise<IDBDatabase | null> {
  if (!dbPromise) {
    dbPromise = new Promise((resolve) => {
      try {
        const req = indexedDB.open(DB, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(null);
      } catch {
        resolve(null); // private mode without IndexedDB: edits still sync, they just do not survive a reload
      }
    });
  }
  return dbPromise;
}

function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return open().then(
    (db) =>
      new Promise<T | undefined>((resolve) => {
        if (!db) return resolve(undefined);
        const t = db.transaction(STORE, mode);
        const req = fn(t.objectStore(STORE));
        t.oncomplete = () => resolve(req ? req.result : undefined);
        t.onerror = () => resolve(undefined);
        t.onabort = () => resolve(undefined);
      }),
  );
}

export const fieldKey = (server: string, pageKey: string, field: string) => `${server}|${pageKey}|${field}`;

// IndexedDB writes are asynchronous: one still in flight when the page unloads is lost, so the
// keystrokes typed just before a reload would be. localStorage is written synchronously on every
// change as the write-ahead copy; loading takes whichever copy is newer. Resending a state twice is
// harmless: the server deduplicates by (clientId, seq).
const LS_PREFIX = 'tandem-unacked:';

function writeAhead(key: string, saved: Saved | null) {
  try {
    if (saved) localStorage.setItem(LS_PREFIX + key, JSON.stringify(saved));
    else localStorage.removeItem(LS_PREFIX + key);
  } catch {
    /* storage full or disabled: IndexedDB still has it, minus the last moments */
  }
}

function readAhead(key: string): Saved | null {
  try {
    const raw = localStorage.getItem(LS_PREFIX + key);
    return raw ? (JSON.parse(raw) as Saved) : null;
  } catch {
    return null;
  }
}

export function saveState(key: string, state: TextClientState) {
  const saved: Saved = { key, state, savedAt: Date.now() };
  writeAhead(key, saved);
  return tx('readwrite', (s) => void s.put(saved));
}

export function clearState(key: string) {
  writeAhead(key, null);
  return tx('readwrite', (s) => void s.delete(key));
}

export async function loadState(key: string): Promise<Saved | null> {
  const stored = (await tx<Saved | undefined>('readonly', (s) => s.get(key) as IDBRequest<Saved | undefined>)) ?? null;
  const ahead = readAhead(key);
  if (!ahead) return stored;
  return !stored || ahead.savedAt >= stored.savedAt ? ahead : stored;
}
