// Regenerates src/schema.d.ts from Tandem's OpenAPI document with openapi-typescript.
//   npx tsx clients/typescript/scripts/generate.ts                    # from this checkout (in-process, no server needed)
//   npx tsx clients/typescript/scripts/generate.ts http://host/docs/json   # from a running Tandem
// The client's tests regenerate from a live server and compare with the committed file.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateSchema } from './schema.js';

const target = fileURLToPath(new URL('../src/schema.d.ts', import.meta.url));
const from = process.argv[2];
let doc: unknown;
if (from) {
  doc = await (await fetch(from)).json();
} else {
  const { buildApp } = await import('../../../src/app.js');
  const { loadConfig } = await import('../../../src/config.js');
  const app = await buildApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: ':memory:', DEV_MODE: 'false' }), { logger: false });
  doc = app.swagger();
  await app.close();
}
writeFileSync(target, await generateSchema(doc));
console.log(`wrote ${target}`);
