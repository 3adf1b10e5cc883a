// The Django admin adapters bundled on their own (with the native bindings they build on) and put
// into a page, so a test asks each method directly: window.bind(elementId, name, kind), window.ignored(el).
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

const ENTRY = `
import { builtInAdapters } from './src/overlay/bindings/adapters/index.ts';
import { djangoAdapters } from './src/overlay/bindings/adapters/django.ts';
import { nativeBinding } from './src/overlay/bindings/native.ts';
window.__adapters = { builtInAdapters: [...djangoAdapters, ...builtInAdapters], nativeBinding };`;

export async function bundle(): Promise<string> {
  const out = await build({ stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'iife', target: 'es2020', write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}

/** Puts `bind(elementId, name, kind)` in the page: the first adapter that detects the field binds it. */
export async function install(p: Page, code: string): Promise<void> {
  await p.addScriptTag({ content: code });
  await p.evaluate(() => {
    type A = { name: string; detect(f: unknown, jq: null): boolean; bind(env: unknown): object; ignore?(el: Element): boolean };
    const t = (window as unknown as { __adapters: { builtInAdapters: A[]; nativeBinding(f: unknown): object } }).__adapters;
    const w = window as unknown as Record<string, unknown>;
    w.bind = (id: string, name: string, kind: string) => {
      const el = document.getElementById(id)!;
      const f = { name, kind, label: name, readOnly: false, element: el, elements: [el] };
      const a = t.builtInAdapters.find((x) => x.detect(f, null));
      if (!a) return null;
      const native = t.nativeBinding(f);
      return { ...native, ...a.bind({ field: f, native, jq: null }), adapter: a.name };
    };
    w.ignored = (el: Element) => t.builtInAdapters.some((a) => a.ignore?.(el) ?? false);
  });
}
