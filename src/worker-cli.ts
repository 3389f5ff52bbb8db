/**
 * `letterpress worker`: a process without HTTP that takes batch-job chunks from Redis (REDIS_URL)
 * on its own worker pool and writes images to RESULTS_DIR. SIGTERM/SIGINT (handled from the
 * start, see shutdown.ts) finish the chunk in hand, then exit 0. Logs go through the same bounded,
 * non-blocking sink as the server's.
 */
import { loadFontCatalog } from './font-catalog.js';
import { AssetCatalog } from './assets.js';
import { PROJECT_ROOT, type Config } from './config.js';
import { engineOptions } from './jobs/create-engine.js';
import { ItemRenderer } from './jobs/item-renderer.js';
import { RenderPool } from './pool.js';
import { TemplateStore } from './templates.js';
import pino from 'pino';
import { createLogSink } from './logging.js';
import { Shutdown } from './shutdown.js';

/** Runs until a signal, then exits the process (0 after a clean shutdown). */
export async function runWorker(config: Config): Promise<void> {
  const sink = createLogSink(config);
  const log = pino({ level: config.logLevel }, sink);
  if (!config.redisUrl) {
    log.fatal('letterpress worker needs REDIS_URL');
    await sink.flush(1000);
    process.exit(2);
  }
  const shutdown = new Shutdown({ timeoutMs: config.shutdownTimeoutMs, sink, log }).install();
  log.info({ pool: config.poolSize }, 'letterpress worker starting');
  const catalog = loadFontCatalog({ dirs: config.fontDirs, packageRoot: PROJECT_ROOT, fallback: config.fallbackFonts });
  const assets = new AssetCatalog(config.assetDirs);
  const templates = new TemplateStore(config.templateDirs, { config, catalog, assets });
  for (const s of templates.skipped) log.error(s, 'template skipped');
  const pool = new RenderPool(config, catalog);
  const { RedisEngine } = await import('./jobs/redis-engine.js');
  const renderer = new ItemRenderer({ config, catalog, assets }, templates, pool, config.jobItemTimeoutMs);
  const engine = new RedisEngine(config, renderer, engineOptions(config), log, true);
  // The engine stops first (the chunk in hand finishes), then the pool.
  shutdown.ready(async () => {
    await engine.close();
    await pool.close();
  });
  try {
    await pool.warm();
    if (shutdown.stopping) return;
    await engine.start();
    if (shutdown.stopping) return;
    log.info({ worker: engine.workerId, pool: config.poolSize }, 'letterpress worker ready');
  } catch (err) {
    if (shutdown.stopping) return;
    log.fatal({ err }, 'worker start-up failed');
    await shutdown.exit(1);
  }
}
