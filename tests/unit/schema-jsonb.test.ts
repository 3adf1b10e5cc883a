// Drizzle's own jsonb parses a string value the driver already parsed ("12.50" came back as 12.5):
// every schema file takes jsonb from src/db/schema/jsonb.ts instead.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('schema', () => {
  it('no table uses drizzle-orm’s own jsonb column', () => {
    const dir = 'src/db/schema';
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'jsonb.ts')
      .filter((f) => /import\s*\{[^}]*\bjsonb\b[^}]*\}\s*from\s*'drizzle-orm\/pg-core'/s.test(readFileSync(`${dir}/${f}`, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
