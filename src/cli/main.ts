#!/usr/bin/env node
/**
 * `tandem` — the ops command line: tenants, API keys and user tokens, straight against the
 * database the server uses (DATABASE_URL, or PGlite under DATA_DIR). An entry point, so it may
 * read process.env (through loadConfig, like server.ts).
 */
import { run } from './commands.js';

process.exitCode = await run(process.argv.slice(2), process.env, {
  stdout: (s) => process.stdout.write(`${s}\n`),
  stderr: (s) => process.stderr.write(`${s}\n`),
});
