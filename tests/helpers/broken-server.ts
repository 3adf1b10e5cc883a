/**
 * Tandem as its own process, built with the ack-before-commit variant (tests/helpers/broken.ts):
 * the crash test's test of the test spawns this instead of src/server.ts.
 */
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ackBeforeCommit } from './broken.js';

const config = loadConfig(process.env);
const app = await buildApp(config, { seams: { fieldStore: ackBeforeCommit(1_000) } });
await app.listen({ port: config.port, host: config.host });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
