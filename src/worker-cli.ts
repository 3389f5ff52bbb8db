/**
 * `letterpress worker`: a process without HTTP that takes batch-job chunks from Redis (REDIS_URL)
 * on its own worker pool and writes images to RESULTS_DIR. SIGTERM/SIGINT finish the chunk in
 * hand, then exit 0.
 */
import { loadFontCatalog } from '../workers/font-catalog.js';
import { AssetCatalog } from './assets.js';
import { PROJECT_ROOT, type Config } from './config.js';
import { engineOptions } from './jobs/create-engine.js';
import { ItemRenderer } from './jobs/item-renderer.js';
import { RenderPool } from './pool.js';
import { TemplateStore } from './templates.js';
import pino from 'pino';

/** Runs until a signal; resolves after a clean shutdown. */
export async function runWorker(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel });
  if (!config.redisUrl) {
    log.fatal('letterpress worker needs REDIS_URL');
    process.exit(2);
  }
  const catalog = loadFontCatalog({ dirs: config.fontDirs, packageRoot: PROJECT_ROOT, fallback: config.fallbackFonts });
  const assets = new AssetCatalog(config.assetDirs);
  const templates = new TemplateStore(config.templateDirs, { config, catalog, assets });
  for (const s of templates.skipped) log.error(s, 'template skipped');
  const pool = new RenderPool(config, catalog);
  await pool.warm();
  const { RedisEngine } = await import('./jobs/redis-engine.js');
  const renderer = new ItemRenderer({ config, catalog, assets }, templates, pool, config.jobItemTimeoutMs);
  const engine = new RedisEngine(config, renderer, engineOptions(config), log, true);
  await engine.start();
  log.info({ worker: engine.workerId, pool: config.poolSize }, 'letterpress worker ready');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info('worker stopping');
  await engine.close();
  await pool.close();
}
