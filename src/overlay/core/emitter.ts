import type { Emitter } from './types.js';

export function createEmitter<E>(): Emitter<E> {
  const listeners = new Map<keyof E, Set<(p: never) => void>>();
  return {
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn as (p: never) => void);
      return () => void set!.delete(fn as (p: never) => void);
    },
    emit(event, payload) {
      for (const fn of [...(listeners.get(event) ?? [])]) {
        try {
          (fn as (p: unknown) => void)(payload);
        } catch (err) {
          console.error(`tandem: a "${String(event)}" listener failed`, err);
        }
      }
    },
  };
}
