/**
 * Service configuration: environment variables parsed once at start into one frozen, typed
 * object. Every bad variable is collected and reported together, each message naming it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RenderLimits } from '../workers/protocol.js';
import { deepFreeze } from '../workers/shared.js';

/** Project root (where package.json, fonts/ and dist/ live): the nearest folder up with a package.json. */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir, '..');
  }
}

/** The effective configuration. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  /** Log output: `pretty` (pino-pretty), `json` (one line per entry), or `auto`: pretty when stdout is a terminal. */
  readonly logFormat: 'pretty' | 'json' | 'auto';
  /** Font folders: the repo's fonts/ first, then FONT_DIRS. */
  readonly fontDirs: readonly string[];
  /** Overrides the manifest's fallback chain when set. */
  readonly fallbackFonts: readonly string[];
  readonly poolSize: number;
  /** Tasks allowed to wait for a worker; past it requests get 503 at once. */
  readonly maxQueue: number;
  /** How long a request may wait for a place in a full queue before it is refused (0: refuse at once). */
  readonly queueWaitMs: number;
  /** Requests allowed to wait for a place in the full queue; past it they are refused at once. */
  readonly maxWaiting: number;
  readonly renderTimeoutMs: number;
  readonly maxTextLength: number;
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly maxPixels: number;
  /** Bytes of encoded images kept in memory for repeated URLs (0 disables). */
  readonly imageCacheBytes: number;
  /** HMAC keys for signed URLs, newest first; empty means URLs need no signature. */
  readonly signingKeys: readonly string[];
  /** Render requests allowed per client IP per window; 0 turns rate limiting off. */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  /** Image folders for poster layers: the repo's assets/ first, then ASSET_DIRS. */
  readonly assetDirs: readonly string[];
  /** Template folders: the repo's templates/ first, then TEMPLATE_DIRS. */
  readonly templateDirs: readonly string[];
  /** Most layers in one poster document. */
  readonly maxLayers: number;
  /** Largest decoded size of one data: URI image, in bytes. */
  readonly maxDataUriBytes: number;
  /** Largest POST /render body, in bytes. */
  readonly maxBodyBytes: number;
  /** Batch jobs: where job state and results live (embedded mode), and their limits. */
  readonly dataDir: string;
  /** Items rendering at once across all jobs (a bounded share of the pool). */
  readonly jobConcurrency: number;
  readonly jobMaxActive: number;
  readonly jobMaxPending: number;
  readonly jobMaxItems: number;
  readonly jobItemTimeoutMs: number;
  readonly jobRetries: number;
  readonly jobTtlMs: number;
  readonly jobMaxBodyBytes: number;
  /** Hosts (host or host:port) job webhooks may call; empty turns webhooks off. */
  readonly webhookHosts: readonly string[];
  /** Scale-out: Redis for job state and the chunk queue (BullMQ); null runs jobs embedded. */
  readonly redisUrl: string | null;
  /** Results folder shared by every instance in Redis mode. */
  readonly resultsDir: string;
  /** Items per BullMQ chunk in Redis mode. */
  readonly jobChunkSize: number;
  /** Redis mode: whether this instance takes chunks (an API-only instance sets JOB_WORKER=0). */
  readonly jobWorker: boolean;
  /** Redis mode: chunk lock period; a worker silent this long is presumed dead and its chunk handed on. */
  readonly jobLockMs: number;
  /** Redis mode: the longest any Redis call may take before the request answers 503 (and Redis counts as away). */
  readonly redisTimeoutMs: number;
  /** Redis mode: a results folder with no job in Redis is deleted once untouched this long. */
  readonly jobOrphanGraceMs: number;
}

/** Raised with every problem found in the environment. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * One WEBHOOK_HOSTS entry: a host name or IP (IPv6 in brackets), optionally `:port`. Without a
 * port it allows only the default port of the webhook URL's scheme (see jobs/job-input.ts).
 */
export const WEBHOOK_HOST_ENTRY = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

/** Default values, documented in the README. */
export const DEFAULTS = {
  PORT: 8080, HOST: '0.0.0.0', LOG_LEVEL: 'info', LOG_FORMAT: 'auto', RENDER_TIMEOUT_MS: 10_000, MAX_TEXT_LENGTH: 2000,
  MAX_WIDTH: 4096, MAX_HEIGHT: 4096, MAX_PIXELS: 16_777_216, IMAGE_CACHE_MB: 64,
} as const;

/** Largest POOL_SIZE accepted. */
const MAX_POOL_SIZE = 128;
/** The machine's memory, the most IMAGE_CACHE_MB may take. */
const memoryMb = Math.floor(os.totalmem() / (1024 * 1024));

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** Parses the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  // `why` says what a value outside the range would do, for values that parse but cannot work.
  const int = (name: string, def: number, min: number, max: number, why = ''): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}${why ? ` (${why})` : ''}`);
      return def;
    }
    return n;
  };
  const list = (name: string, sep: RegExp): string[] => (env[name] ?? '').split(sep).map((s) => s.trim()).filter(Boolean);
  const dirs = (name: string): string[] => {
    const out = list(name, /[:,]/).map((d) => path.resolve(d));
    for (const d of out) {
      if (!isDir(d)) problems.push(`${name}: ${JSON.stringify(d)} is not a folder (expected existing folders, ':'- or ','-separated)`);
    }
    return out;
  };
  const logLevel = env.LOG_LEVEL || DEFAULTS.LOG_LEVEL;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected fatal|error|warn|info|debug|trace|silent`);
  const logFormat = env.LOG_FORMAT || DEFAULTS.LOG_FORMAT;
  if (!['pretty', 'json', 'auto'].includes(logFormat)) problems.push(`LOG_FORMAT=${JSON.stringify(logFormat)}: expected pretty|json|auto`);
  const cores = os.availableParallelism();
  const poolSize = int('POOL_SIZE', cores, 1, MAX_POOL_SIZE, 'each worker thread loads every font; more threads than cores only add memory');
  const renderTimeoutMs = int('RENDER_TIMEOUT_MS', DEFAULTS.RENDER_TIMEOUT_MS, 100, 600_000, 'below 100 ms no render finishes');
  const config: Config = {
    port: int('PORT', DEFAULTS.PORT, 0, 65535),
    host: env.HOST || DEFAULTS.HOST,
    logLevel,
    // NODE_ENV=production never pretty-prints, whatever stdout is.
    logFormat: logFormat === 'auto' && env.NODE_ENV === 'production' ? 'json' : (logFormat as Config['logFormat']),
    fontDirs: [path.join(PROJECT_ROOT, 'fonts'), ...dirs('FONT_DIRS')],
    fallbackFonts: list('FALLBACK_FONTS', /,/),
    poolSize,
    maxQueue: int('MAX_QUEUE', poolSize * 8, 1, 100_000, '0 would answer every render 503'),
    queueWaitMs: int('QUEUE_WAIT_MS', 1000, 0, 60_000),
    maxWaiting: int('MAX_WAITING', 1024, 0, 1_000_000),
    renderTimeoutMs,
    maxTextLength: int('MAX_TEXT_LENGTH', DEFAULTS.MAX_TEXT_LENGTH, 1, 100_000),
    maxWidth: int('MAX_WIDTH', DEFAULTS.MAX_WIDTH, 16, 16_384),
    maxHeight: int('MAX_HEIGHT', DEFAULTS.MAX_HEIGHT, 16, 16_384),
    maxPixels: int('MAX_PIXELS', DEFAULTS.MAX_PIXELS, 256, 268_435_456),
    imageCacheBytes: int('IMAGE_CACHE_MB', DEFAULTS.IMAGE_CACHE_MB, 0, memoryMb, 'at most the memory of this machine; 0 turns the cache off') * 1024 * 1024,
    signingKeys: list('SIGNING_KEYS', /,/),
    rateLimitMax: int('RATE_LIMIT_MAX', 0, 0, 10_000_000),
    rateLimitWindowMs: int('RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000, 'Retry-After and RateLimit-Reset count whole seconds'),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 1000, 600_000, 'below a second not even an idle server drains'),
    assetDirs: [path.join(PROJECT_ROOT, 'assets'), ...dirs('ASSET_DIRS')],
    templateDirs: [path.join(PROJECT_ROOT, 'templates'), ...dirs('TEMPLATE_DIRS')],
    maxLayers: int('MAX_LAYERS', 64, 1, 1000),
    maxDataUriBytes: int('MAX_DATA_URI_KB', 2048, 0, 65_536) * 1024,
    maxBodyBytes: int('MAX_BODY_KB', 4096, 16, 262_144, 'below 16 KB hardly a poster fits') * 1024,
    dataDir: path.resolve(env.DATA_DIR || path.join(PROJECT_ROOT, 'data')),
    jobConcurrency: int('JOB_CONCURRENCY', Math.max(1, Math.floor(poolSize / 2)), 1, 1024, '0 would never render a row'),
    jobMaxActive: int('JOB_MAX_ACTIVE', 2, 1, 1000),
    jobMaxPending: int('JOB_MAX_PENDING', 100, 1, 100_000),
    jobMaxItems: int('JOB_MAX_ITEMS', 10_000, 1, 1_000_000),
    jobItemTimeoutMs: int('JOB_ITEM_TIMEOUT_MS', renderTimeoutMs, 100, 600_000, 'below 100 ms no row finishes'),
    jobRetries: int('JOB_RETRIES', 2, 0, 10),
    jobTtlMs: int('JOB_TTL_MINUTES', 24 * 60, 1, 525_600) * 60_000,
    jobMaxBodyBytes: int('JOB_MAX_BODY_MB', 32, 1, 1024) * 1024 * 1024,
    webhookHosts: list('WEBHOOK_HOSTS', /,/),
    redisUrl: env.REDIS_URL?.trim() || null,
    resultsDir: path.resolve(env.RESULTS_DIR || env.DATA_DIR || path.join(PROJECT_ROOT, 'data')),
    jobChunkSize: int('JOB_CHUNK_SIZE', 25, 1, 10_000),
    jobWorker: int('JOB_WORKER', 1, 0, 1) === 1,
    jobLockMs: int('JOB_LOCK_MS', 30_000, 1000, 600_000, 'below a second a busy worker would lose its chunk'),
    redisTimeoutMs: int('REDIS_TIMEOUT_MS', 2000, 50, 60_000),
    jobOrphanGraceMs: int('JOB_ORPHAN_GRACE_S', 3600, 1, 30 * 86_400) * 1000,
  };
  for (const h of config.webhookHosts) {
    if (!WEBHOOK_HOST_ENTRY.test(h)) {
      problems.push(`WEBHOOK_HOSTS: ${JSON.stringify(h)} is not a host or host:port (no scheme, no path), so no webhook could match it`);
    }
  }
  if (config.redisUrl !== null && !/^rediss?:$/.test(safeUrl(config.redisUrl)?.protocol ?? '')) {
    problems.push(`REDIS_URL=${JSON.stringify(config.redisUrl.replace(/\/\/[^@/]*@/, '//…@'))}: expected a redis:// or rediss:// URL`);
  }
  if (env.ALLOW_UNSIGNED !== undefined && !['', '0', '1'].includes(env.ALLOW_UNSIGNED)) {
    problems.push(`ALLOW_UNSIGNED=${JSON.stringify(env.ALLOW_UNSIGNED)}: expected 1 (serve unsigned URLs in production) or 0`);
  }
  for (const [name, v] of [['DATA_DIR', config.dataDir], ['RESULTS_DIR', env.RESULTS_DIR ? config.resultsDir : null]] as const) {
    if (v !== null && fs.existsSync(v) && !isDir(v)) problems.push(`${name}: ${JSON.stringify(v)} is a file, expected a folder (created when missing)`);
  }
  for (const [i, key] of config.signingKeys.entries()) {
    if (key.length < 16) problems.push(`SIGNING_KEYS: key ${i + 1} is shorter than 16 characters`);
  }
  if (env.NODE_ENV === 'production' && config.signingKeys.length === 0 && env.ALLOW_UNSIGNED !== '1') {
    problems.push('SIGNING_KEYS: required when NODE_ENV=production (or set ALLOW_UNSIGNED=1 to serve unsigned URLs on purpose)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** The hard limits a render worker re-checks, from the config. */
export function renderLimits(config: Config): RenderLimits {
  const { maxWidth, maxHeight, maxPixels, maxTextLength, maxLayers } = config;
  return { maxWidth, maxHeight, maxPixels, maxTextLength, maxLayers };
}

/** Loads the config; on bad variables prints every problem and exits 1 (for entry points). */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
