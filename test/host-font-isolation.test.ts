import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import opentype from 'opentype.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { decode, inkBounds, renderUrl, serveChild } from './helpers.js';

/** A code point no bundled font has (Adlam), which the host font below covers with a solid block. */
const MISSING = 0x1e900;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-hostfonts-'));
const children: ChildProcess[] = [];

/** Writes a one-glyph font, "Host Leak", that draws U+1E900 as a 1 em solid block. */
function writeHostFont(file: string): void {
  const block = new opentype.Path();
  block.moveTo(0, -200); block.lineTo(0, 800); block.lineTo(1000, 800); block.lineTo(1000, -200); block.close();
  const font = new opentype.Font({
    familyName: 'Host Leak', styleName: 'Regular', unitsPerEm: 1000, ascender: 800, descender: -200,
    glyphs: [
      new opentype.Glyph({ name: '.notdef', advanceWidth: 500, path: new opentype.Path() }),
      new opentype.Glyph({ name: 'leak', unicode: MISSING, advanceWidth: 1000, path: block }),
    ],
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(font.toArrayBuffer()));
}

const clean = path.join(tmp, 'clean-home');
const leaky = path.join(tmp, 'leaky-home');
/** Every place a process could pick fonts up from: ~/.fonts (@napi-rs/canvas), XDG data and a fontconfig file. */
const leakyEnv = {
  HOME: leaky, XDG_DATA_HOME: path.join(leaky, '.local/share'), FONTCONFIG_FILE: path.join(leaky, 'fonts.conf'),
};

beforeAll(() => {
  fs.mkdirSync(clean, { recursive: true });
  writeHostFont(path.join(leaky, '.fonts', 'host-leak.otf'));
  writeHostFont(path.join(leaky, '.local/share/fonts', 'host-leak.otf'));
  writeHostFont(path.join(leaky, 'fc', 'host-leak.otf'));
  fs.writeFileSync(leakyEnv.FONTCONFIG_FILE, `<?xml version="1.0"?>\n<fontconfig><dir>${path.join(leaky, 'fc')}</dir></fontconfig>\n`);
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What a plain process on this machine (no Letterpress code) sees as font families. */
function familiesSeenByCanvas(env: Record<string, string>): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e',
    "import { GlobalFonts } from '@napi-rs/canvas'; console.log(JSON.stringify(GlobalFonts.families.map((f) => f.family)));"],
  { cwd: PROJECT_ROOT, env: { ...process.env, DISABLE_SYSTEM_FONTS_LOAD: '', ...env }, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('host fonts never reach an image', () => {
  it('the leaky home is a font folder @napi-rs/canvas would otherwise load', () => {
    expect(familiesSeenByCanvas(leakyEnv)).toContain('Host Leak');
    expect(familiesSeenByCanvas({ HOME: clean })).not.toContain('Host Leak');
  });

  it('one URL gives the same ETag and bytes with and without a host font that covers a character the bundle lacks', async () => {
    // DISABLE_SYSTEM_FONTS_LOAD is cleared: the server must protect itself, not inherit it from the test process.
    const base = { POOL_SIZE: '1', DISABLE_SYSTEM_FONTS_LOAD: '', DATA_DIR: path.join(tmp, 'data') };
    const url = renderUrl({ text: `a${String.fromCodePoint(MISSING)}b 中文 বাংলা ☺`, w: 400, h: 120, size: 48, fit: 'none', bg: 'ffffff', color: '000000' });
    const bodies: Buffer[] = [];
    const etags: string[] = [];
    for (const env of [{ ...base, HOME: clean }, { ...base, ...leakyEnv }]) {
      const { proc, base: origin } = await serveChild(env, children);
      const res = await fetch(origin + url);
      expect(res.status).toBe(200);
      etags.push(res.headers.get('etag')!);
      bodies.push(Buffer.from(await res.arrayBuffer()));
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    expect(etags[1]).toBe(etags[0]);
    expect(bodies[1].equals(bodies[0]), 'image bytes differ with a host font installed').toBe(true);
    // And the missing character is our notdef box outline, not the host font's solid block.
    const img = await decode(bodies[0]);
    const ink = inkBounds(img, [255, 255, 255]);
    expect(ink.count).toBeGreaterThan(100);
  });
});
