/**
 * Entry point: parse the config (exit 1 listing every bad variable), start the app, print an
 * playground URL and an example URL. SIGTERM/SIGINT stop accepting, finish in-flight renders, close the pool and exit 0
 * (or 1 after SHUTDOWN_TIMEOUT_MS); a second signal exits at once.
 */
import { buildApp } from './app.js';
import { loadConfigOrExit } from './config.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const { app, warmed } = await buildApp(config);
  const address = await app.listen({ port: config.port, host: config.host });
  await warmed;
  const port = new URL(address).port;
  app.log.info(`playground: http://localhost:${port}/`);
  app.log.info(`example: http://localhost:${port}/render.png?text=${encodeURIComponent('Hello 世界 👋')}&w=1200&h=630`);
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight renders');
    setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
