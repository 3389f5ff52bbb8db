import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../src/config.js';
import { signRenderUrl } from '../src/signing.js';
import { startApp } from './helpers.js';

const run = promisify(execFile);
const OLD = 'old-key-0123456789abcdef';
const NEW = 'new-key-fedcba9876543210';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ SIGNING_KEYS: `${NEW},${OLD}` });
});
afterAll(async () => {
  await lp?.app.close();
});
const sign = (url: string, key = NEW) => signRenderUrl(url, key, loadConfig({ SIGNING_KEYS: NEW }), lp.catalog);

describe('signed URLs', () => {
  it('refuses unsigned and wrongly signed URLs with 403 before rendering', async () => {
    const before = lp.pool.stats().completed;
    const unsigned = await lp.app.inject('/render.png?text=Hello');
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.json()).toMatchObject({ error: { code: 'invalid_signature', param: 'sig' } });
    expect(unsigned.headers['cache-control']).toBe('no-store');
    const forged = sign('/render.png?text=Hello').replace('text=Hello', 'text=Hacked');
    expect((await lp.app.inject(forged)).statusCode).toBe(403);
    expect((await lp.app.inject('/render.png?text=Hello&sig=short')).statusCode).toBe(403);
    expect(lp.pool.stats().completed).toBe(before);
  });

  it('renders URLs signed with the current or the previous key (rotation)', async () => {
    for (const key of [NEW, OLD]) {
      const res = await lp.app.inject(sign('/render.png?text=Signed&w=300&h=150', key));
      expect(res.statusCode).toBe(200);
    }
    expect((await lp.app.inject(sign('/render.png?text=Signed', 'some-other-key-000000'))).statusCode).toBe(403);
  });

  it('guards badge and placeholder URLs too; a placeholder shares the signature of its /render equivalent', async () => {
    for (const url of ['/badge/build-passing-brightgreen.png', '/600x400/000/fff.png?text=Hi']) {
      expect((await lp.app.inject(url)).statusCode, url).toBe(403);
      const signed = await lp.app.inject(sign(url));
      expect(signed.statusCode, url).toBe(200);
    }
    const sig = (url: string) => new URL(sign(url), 'http://x').searchParams.get('sig');
    expect(sig('/600x400/000/fff.png?text=Hi')).toBe(sig('/render.png?text=Hi&w=600&h=400&bg=000&color=fff&size=100&minSize=4&padding=40'));
  });

  it('signs the canonical request: equivalent spellings share one signature', async () => {
    const a = new URL(sign('/render.png?text=Caf%C3%A9&color=111111&w=300&h=150'), 'http://x').searchParams.get('sig');
    const b = new URL(sign('/render.png?h=150&w=300&text=Cafe%CC%81'), 'http://x').searchParams.get('sig');
    expect(a).toBe(b);
  });

  it('signs jpeg as jpg (one canonical format) and refuses a format the server would refuse', () => {
    const sig = (url: string) => new URL(sign(url), 'http://x').searchParams.get('sig');
    expect(sig('/render.jpeg?text=Hi')).toBe(sig('/render.jpg?text=Hi'));
    expect(() => sign('/render.gif?text=Hi')).toThrow(expect.objectContaining({ code: 'unknown_format', param: 'format' }));
  });

  it('the letterpress sign command prints a URL the server accepts', async () => {
    const { stdout } = await run(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli.js'), 'sign', '/render.png?text=From%20the%20CLI&w=300&h=150'], {
      env: { ...process.env, SIGNING_KEYS: NEW },
    });
    expect((await lp.app.inject(stdout.trim())).statusCode).toBe(200);
  });

  it('production without keys refuses to start unless ALLOW_UNSIGNED=1', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(loadConfig({ NODE_ENV: 'production', ALLOW_UNSIGNED: '1' }).signingKeys).toEqual([]);
    expect(() => loadConfig({ SIGNING_KEYS: 'short' })).toThrow(/shorter than 16/);
  });

  it('letterpress config prints the effective configuration with secrets masked', async () => {
    const { stdout } = await run(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli.js'), 'config'], { env: { ...process.env, SIGNING_KEYS: NEW, PORT: '9999' } });
    const printed = JSON.parse(stdout) as { port: number; signingKeys: string[] };
    expect(printed.port).toBe(9999);
    expect(stdout).not.toContain(NEW);
    expect(printed.signingKeys).toHaveLength(1);
  });
});
