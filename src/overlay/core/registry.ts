import type { OverlayModule } from './types.js';

const modules: OverlayModule[] = [];

/** Modules call this at import time; main.ts imports each module once, so order = import order. */
export function registerModule(m: OverlayModule): void {
  if (modules.some((x) => x.name === m.name)) throw new Error(`tandem: module "${m.name}" registered twice`);
  modules.push(m);
}

export const registeredModules = (): readonly OverlayModule[] => modules;
