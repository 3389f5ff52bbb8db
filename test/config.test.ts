import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

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
    const c = loadConfig({ FONT_DIRS: '/a:/b' });
    expect(c.fontDirs.slice(1)).toEqual(['/a', '/b']);
    expect(c.fontDirs[0]).toMatch(/fonts$/);
  });
});
