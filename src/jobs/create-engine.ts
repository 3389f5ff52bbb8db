/** Picks the job engine from the configuration: Redis/BullMQ when REDIS_URL is set, else embedded. */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { EmbeddedEngine } from './embedded-engine.js';
import type { JobEngine } from './engine.js';
import type { ItemRenderer } from './item-renderer.js';
import { FileJobStore } from './job-store.js';

/** Engine options from the configuration. */
export function engineOptions(config: Config) {
  return {
    concurrency: config.jobConcurrency, maxActive: config.jobMaxActive, maxPending: config.jobMaxPending,
    retries: config.jobRetries, ttlMs: config.jobTtlMs, webhookSecret: config.signingKeys[0],
  };
}

/** Creates (does not start) the engine for this configuration. */
export async function createEngine(config: Config, renderer: ItemRenderer, log: FastifyBaseLogger): Promise<JobEngine> {
  if (config.redisUrl) {
    const { RedisEngine } = await import('./redis-engine.js');
    return new RedisEngine(config, renderer, engineOptions(config), log);
  }
  // A held data folder is waited for briefly here; EngineSupervisor retries the start after that.
  return new EmbeddedEngine(new FileJobStore(config.dataDir, { waitMs: 3000 }), renderer, engineOptions(config), log);
}
