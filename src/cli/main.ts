#!/usr/bin/env node
/**
 * `tandem` — the ops command line: tenants, API keys and user tokens, straight against the
 * database the server uses (DATABASE_URL, or PGlite under DATA_DIR). An entry point, so it may
 * read process.env (through loadConfig, like server.ts).
 */
import { readFileSync } from 'node:fs';
import { withSecretFiles } from '../config.js';
import { run } from './commands.js';

let env: Record<string, string | undefined>;
try {
  env = withSecretFiles(process.env, (p) => readFileSync(p, 'utf8'));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
process.exitCode = await run(process.argv.slice(2), env, {
  stdout: (s) => process.stdout.write(`${s}\n`),
  stderr: (s) => process.stderr.write(`${s}\n`),
});
