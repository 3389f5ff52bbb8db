/**
 * Vertical text uses the fonts' vertical presentation forms for brackets, quotes and the ellipsis
 * (set upright) instead of rotating the horizontal glyphs; every form it draws is in the cmap of
 * the font file it draws it with; dashes and characters without a form keep the rotated glyph.
 */
import fs from 'node:fs';
import opentype from 'opentype.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { layoutVertical } from '../workers/vertical-layout.js';
import { VERTICAL_FORMS, verticalForm } from '../workers/vertical-forms.js';
import { decode, inProcessFonts, startApp } from './helpers.js';
import { opts, paragraphs } from './layout-helpers.js';

function vertical(text: string) {
  const o = opts({ box: { x: 0, y: 0, w: 400, h: 600 }, size: 40, align: 'right' });
  return layoutVertical(paragraphs(text, { lang: 'auto' }), o, inProcessFonts().selector, false);
}

describe('vertical presentation forms', () => {
  it('quotes, brackets and the ellipsis become their vertical forms, upright; dashes stay rotated', () => {
    const l = vertical('他说“你好”「東京」（注）《书》【要】——好…');
    const drawn = l.glyphs.filter((g) => g.mode === 'upright').map((g) => g.text).join('');
    for (const form of '﹁﹂﹁﹂︵︶︽︾︻︼︙') expect(drawn).toContain(form);
    expect(l.glyphs.some((g) => /[“”「」（）《》【】…]/u.test(g.text))).toBe(false);
    expect(l.glyphs.filter((g) => g.text === '—').map((g) => g.mode)).toEqual(['dash', 'dash']); // —— stays one joined rotated stroke
  });

  it('Japanese corner brackets and quotes too', () => {
    const l = vertical('「こんにちは」『世界』');
    expect(l.glyphs.map((g) => g.text).join('')).toBe('﹁こんにちは﹂﹃世界﹄');
  });

  it('every form is in the cmap of the font file it is drawn with', () => {
    const { selector, catalog } = inProcessFonts();
    const sc = selector.pick('中', 'Noto Sans SC', 400, 'Han', 'zh-Hans');
    const jp = selector.pick('あ', 'Noto Sans JP', 400, 'Jpan', 'ja');
    for (const base of [sc, jp]) {
      for (const [ch, form] of VERTICAL_FORMS) {
        const v = verticalForm(ch, base, selector);
        expect(v, `${ch} from ${base.family}`).not.toBeNull();
        expect(v!.text).toBe(form);
        // The catalog knows coverage from @font-face unicode-range; check the font file itself.
        const woff = v!.face.file.replace(/\.woff2$/, '.woff');
        expect(fs.existsSync(woff), woff).toBe(true);
        const font = opentype.parse(new Uint8Array(fs.readFileSync(woff)).buffer);
        expect(font.charToGlyphIndex(form), `${form} (U+${form.codePointAt(0)!.toString(16)}) in ${woff}`).toBeGreaterThan(0);
      }
    }
    expect(catalog.faces.length).toBeGreaterThan(0);
  });

  it('a character without a vertical form stays rotated', () => {
    const l = vertical('東京～大阪');
    expect(l.glyphs.find((g) => g.text === '～')!.mode).toBe('rotate');
  });
});

describe('drawn vertical forms', () => {
  let lp: LetterpressApp;
  beforeAll(async () => {
    lp = await startApp({ FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' });
  });
  afterAll(async () => lp.app.close());

  const draw = async (text: string) => {
    const res = await lp.app.inject({ method: 'POST', url: '/render', payload: {
      width: 120, height: 300, background: '#ffffff',
      layers: [{ type: 'text', x: 0, y: 0, width: 120, height: 300, text, writingMode: 'vertical', size: 64, color: '#000000', font: 'Noto Sans SC' }],
    } });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    return (await decode(res.rawPayload)).data;
  };

  it('“好” is drawn as ﹁好﹂, not as rotated curly quotes', async () => {
    const quoted = await draw('“好”');
    const forms = await draw('﹁好﹂');
    expect(Buffer.compare(quoted, forms)).toBe(0);
  });

  it('（…） is drawn as ︵︙︶', async () => {
    expect(Buffer.compare(await draw('好（…）'), await draw('好︵︙︶'))).toBe(0);
  });
});
