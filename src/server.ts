import { buildApp } from './app.js';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, withSecretFiles } from './config.js';

// The only module that reads process.env and listens.
async function main() {
  let config;
  try {
    config = loadConfig(withSecretFiles(process.env, (p) => readFileSync(p, 'utf8')));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }

  const app = await buildApp(config);
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { url: config.publicUrl, database: app.db.kind, redis: Boolean(app.redis), devMode: config.devMode },
    config.devMode ? `Tandem is running: open ${config.publicUrl}/demo/` : `Tandem is running on ${config.publicUrl}`,
  );
  if (config.devMode) console.log(`\n  Tandem demo: ${config.publicUrl}/demo/   API docs: ${config.publicUrl}/docs\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining connections');
    // A hung close must not keep the process around forever.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 5_000).unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  // Logged loudly rather than crashing every connected user's session; uncaught exceptions still exit.
  process.on('unhandledRejection', (err) => app.log.error({ err }, 'unhandled promise rejection'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
