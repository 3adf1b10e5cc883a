// The TypeScript client's example in docs/api.md is the file the client's tests run against a real
// server (clients/typescript/examples/erp.ts): an example that drifts from it would no longer be tested.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = readFileSync('docs/api.md', 'utf8');

describe('docs/api.md, the TypeScript client', () => {
  it('shows the example the client tests run, importing the package instead of its source', () => {
    const at = doc.indexOf("An ERP's side of Tandem (`clients/typescript/examples/erp.ts`");
    expect(at).toBeGreaterThan(-1);
    const block = /```ts\n([\s\S]*?)```/.exec(doc.slice(at))![1]!;
    const file = readFileSync('clients/typescript/examples/erp.ts', 'utf8').replace("from '../src/index.js'", "from '@tandem/client'");
    expect(block).toBe(file);
  });
});
