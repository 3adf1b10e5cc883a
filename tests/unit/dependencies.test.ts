import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Known DoS fixes we depend on. The registry's audit endpoint is not reachable here, so the floor
// is checked against what is actually installed — every copy, including nested ones.
const FLOORS: Record<string, string> = { ws: '8.21.0', 'engine.io': '6.6.9', 'socket.io-parser': '4.2.6' };

const root = new URL('../../node_modules/', import.meta.url).pathname;

function parse(v: string): number[] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function atLeast(version: string, floor: string): boolean {
  const a = parse(version);
  const b = parse(floor);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** Every installed copy of `name` under node_modules (hoisted and nested), with its version. */
function installed(name: string): Array<{ path: string; version: string }> {
  const found: Array<{ path: string; version: string }> = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const pkgDir = join(dir, entry);
      if (entry.startsWith('@')) {
        walk(pkgDir, depth); // a scope folder holds packages
        continue;
      }
      if (entry === name) {
        try {
          const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name?: string; version: string };
          if (pkg.name === name) found.push({ path: pkgDir, version: pkg.version });
        } catch {
          /* not a package */
        }
      }
      const nested = join(pkgDir, 'node_modules');
      try {
        if (statSync(nested).isDirectory()) walk(nested, depth + 1);
      } catch {
        /* no nested node_modules */
      }
    }
  };
  walk(root, 0);
  return found;
}

describe('installed dependency floors', () => {
  it('compares versions numerically', () => {
    expect(atLeast('8.21.0', '8.21.0')).toBe(true);
    expect(atLeast('8.9.0', '8.21.0')).toBe(false);
    expect(atLeast('8.100.0', '8.21.0')).toBe(true);
    expect(atLeast('6.6.8', '6.6.9')).toBe(false);
    expect(atLeast('7.0.0', '6.6.9')).toBe(true);
    expect(atLeast('4.2.6-rc.1', '4.2.6')).toBe(true);
  });

  for (const [name, floor] of Object.entries(FLOORS)) {
    it(`every installed ${name} is at least ${floor}`, () => {
      const copies = installed(name);
      expect(copies.length, `${name} is not installed`).toBeGreaterThan(0);
      const below = copies.filter((c) => !atLeast(c.version, floor));
      expect(below, `${name} copies below ${floor}`).toEqual([]);
    });
  }

  it('finds nested copies, not just the hoisted one', () => {
    // engine.io-client and engine.io each pin their own ws; the walk must see them.
    const paths = installed('ws').map((c) => c.path);
    expect(paths.some((p) => p.endsWith('/node_modules/ws'))).toBe(true);
    expect(paths.every((p) => !p.includes('@types'))).toBe(true);
  });
});
