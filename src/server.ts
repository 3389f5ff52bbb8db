/**
 * Entry point: parse the config (exit 1 listing every bad variable), handle signals from the
 * start (see shutdown.ts), start the app, print the start banner. SIGTERM/SIGINT end event
 * streams and stop the job engine, drain HTTP, close the pool and exit 0 (or 1 after
 * SHUTDOWN_TIMEOUT_MS); a second signal exits at once.
 */
import pino from 'pino';
import { buildApp } from './app.js';
import { loadConfigOrExit } from './config.js';
import { createLogSink, printBanner } from './logging.js';
import { Shutdown } from './shutdown.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const sink = createLogSink(config);
  const log = pino({ level: config.logLevel }, sink);
  const shutdown = new Shutdown({ timeoutMs: config.shutdownTimeoutMs, sink, log }).install();
  try {
    const lp = await buildApp(config, { logSink: sink });
    let listen: Promise<string> | null = null;
    shutdown.ready(async () => {
      await listen?.catch(() => {}); // a signal during listen closes once the socket is bound
      await lp.app.close();
    });
    if (shutdown.stopping) return;
    listen = lp.app.listen({ port: config.port, host: config.host });
    const address = await listen;
    if (shutdown.stopping) return;
    await lp.warmed;
    if (shutdown.stopping) return;
    const docsPath = lp.app.hasRoute({ method: 'GET', url: '/docs' }) ? '/docs' : '/docs/json';
    printBanner(sink, log, { listening: address, port: Number(new URL(address).port), docsPath });
  } catch (err) {
    if (shutdown.stopping) return; // the shutdown sequence decides the exit code
    log.fatal({ err }, 'start-up failed');
    await shutdown.exit(1);
  }
}

void main();
