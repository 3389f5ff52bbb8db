import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../src/config.js';

/** The problems loadConfig reports for `env` (none: []). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('configuration', () => {
  it('has working defaults and is frozen', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.poolSize).toBeGreaterThan(0);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.fontDirs)).toBe(true);
  });

  it('reports every bad variable at once, each by name', () => {
    try {
      loadConfig({ PORT: 'eighty', POOL_SIZE: '0', MAX_PIXELS: '-1', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'POOL_SIZE', 'MAX_PIXELS', 'LOG_LEVEL']) expect(problems).toContain(name);
    }
  });

  it('adds FONT_DIRS after the bundled fonts folder', () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-fonts-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-fonts-b-'));
    const c = loadConfig({ FONT_DIRS: `${a}:${b}` });
    expect(c.fontDirs.slice(1)).toEqual([a, b]);
    expect(c.fontDirs[0]).toMatch(/fonts$/);
  });

  // Values that parse but cannot work: each refused with the variable's name and the allowed range.
  const unworkable: [Record<string, string>, string][] = [
    [{ MAX_QUEUE: '0' }, 'MAX_QUEUE="0": expected an integer from 1 to 100000 (0 would answer every render 503)'],
    [{ POOL_SIZE: '0' }, 'POOL_SIZE="0": expected an integer from 1 to 128'],
    [{ POOL_SIZE: '5000' }, 'POOL_SIZE="5000": expected an integer from 1 to 128'],
    [{ RENDER_TIMEOUT_MS: '0' }, 'RENDER_TIMEOUT_MS="0": expected an integer from 100 to 600000'],
    [{ JOB_ITEM_TIMEOUT_MS: '0' }, 'JOB_ITEM_TIMEOUT_MS="0": expected an integer from 100 to 600000'],
    [{ SHUTDOWN_TIMEOUT_MS: '0' }, 'SHUTDOWN_TIMEOUT_MS="0": expected an integer from 1000 to 600000'],
    [{ SHUTDOWN_TIMEOUT_MS: '500' }, 'SHUTDOWN_TIMEOUT_MS="500": expected an integer from 1000 to 600000'],
    [{ RATE_LIMIT_WINDOW_MS: '10' }, 'RATE_LIMIT_WINDOW_MS="10": expected an integer from 1000 to 86400000'],
    [{ JOB_CONCURRENCY: '0' }, 'JOB_CONCURRENCY="0": expected an integer from 1 to 1024'],
    [{ JOB_MAX_ACTIVE: '0' }, 'JOB_MAX_ACTIVE="0": expected an integer from 1 to 1000'],
    [{ JOB_MAX_PENDING: '0' }, 'JOB_MAX_PENDING="0": expected an integer from 1 to 100000'],
    [{ JOB_MAX_ITEMS: '0' }, 'JOB_MAX_ITEMS="0": expected an integer from 1 to 1000000'],
    [{ JOB_CHUNK_SIZE: '0' }, 'JOB_CHUNK_SIZE="0": expected an integer from 1 to 10000'],
    [{ JOB_LOCK_MS: '10' }, 'JOB_LOCK_MS="10": expected an integer from 1000 to 600000'],
    [{ JOB_TTL_MINUTES: '0' }, 'JOB_TTL_MINUTES="0": expected an integer from 1 to 525600'],
    [{ MAX_WIDTH: '8' }, 'MAX_WIDTH="8": expected an integer from 16 to 16384'],
    [{ MAX_HEIGHT: '0' }, 'MAX_HEIGHT="0": expected an integer from 16 to 16384'],
    [{ MAX_PIXELS: '100' }, 'MAX_PIXELS="100": expected an integer from 256 to 268435456'],
    [{ MAX_TEXT_LENGTH: '0' }, 'MAX_TEXT_LENGTH="0": expected an integer from 1 to 100000'],
    [{ MAX_LAYERS: '0' }, 'MAX_LAYERS="0": expected an integer from 1 to 1000'],
    [{ MAX_BODY_KB: '1' }, 'MAX_BODY_KB="1": expected an integer from 16 to 262144'],
    [{ JOB_MAX_BODY_MB: '0' }, 'JOB_MAX_BODY_MB="0": expected an integer from 1 to 1024'],
    [{ IMAGE_CACHE_MB: String(Math.ceil(os.totalmem() / 1024 / 1024) * 2) }, 'IMAGE_CACHE_MB='],
    [{ PORT: '70000' }, 'PORT="70000": expected an integer from 0 to 65535'],
    [{ JOB_WORKER: '2' }, 'JOB_WORKER="2": expected an integer from 0 to 1'],
    [{ POOL_SIZE: '2.5' }, 'POOL_SIZE="2.5": expected an integer'],
    [{ POOL_SIZE: ' ' }, 'POOL_SIZE=" ": expected an integer'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT="xml": expected pretty|json|auto'],
    [{ FONT_DIRS: '/nonexistent/fonts' }, 'FONT_DIRS: "/nonexistent/fonts" is not a folder'],
    [{ ASSET_DIRS: '/nonexistent/assets' }, 'ASSET_DIRS: "/nonexistent/assets" is not a folder'],
    [{ TEMPLATE_DIRS: '/nonexistent/templates' }, 'TEMPLATE_DIRS: "/nonexistent/templates" is not a folder'],
    [{ DATA_DIR: path.join(PROJECT_ROOT, 'package.json') }, 'DATA_DIR: '],
    [{ WEBHOOK_HOSTS: 'https://hooks.example.com/x' }, 'WEBHOOK_HOSTS: "https://hooks.example.com/x" is not a host or host:port'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL="localhost:6379": expected a redis:// or rediss:// URL'],
    [{ REDIS_URL: 'redis://user:secret@:6379x' }, 'REDIS_URL="redis://…@'],
    [{ ALLOW_UNSIGNED: 'yes' }, 'ALLOW_UNSIGNED="yes": expected 1'],
  ];
  for (const [env, message] of unworkable) {
    it(`refuses ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`, () => {
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(message);
      expect(problems[0].startsWith(Object.keys(env)[0])).toBe(true);
    });
  }

  it('accepts the edge values that do work', () => {
    for (const env of [
      { MAX_QUEUE: '1', POOL_SIZE: '1', JOB_RETRIES: '0', IMAGE_CACHE_MB: '0', MAX_DATA_URI_KB: '0', RATE_LIMIT_MAX: '0', PORT: '0' },
      { MAX_WIDTH: '16', MAX_HEIGHT: '16', MAX_PIXELS: '256', SHUTDOWN_TIMEOUT_MS: '1000', RENDER_TIMEOUT_MS: '100' },
      { WEBHOOK_HOSTS: 'hooks.example.com,127.0.0.1:8080,[::1]:9000', REDIS_URL: 'rediss://user:pw@redis.internal:6380/2', ALLOW_UNSIGNED: '0' },
    ]) expect(problemsOf(env)).toEqual([]);
  });

  it('the server refuses to start on an unworkable value: exit 1, every problem on stderr, nothing served', () => {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/server.js')], {
      env: { ...process.env, PORT: '0', MAX_QUEUE: '0', SHUTDOWN_TIMEOUT_MS: '0', LOG_FORMAT: 'loud' }, encoding: 'utf8', timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('invalid configuration');
    for (const name of ['MAX_QUEUE="0"', 'SHUTDOWN_TIMEOUT_MS="0"', 'LOG_FORMAT="loud"']) expect(r.stderr).toContain(name);
    expect(r.stdout).not.toMatch(/listening/i);
  });
});
