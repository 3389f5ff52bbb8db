import { describe, expect, it } from 'vitest';
import { rangesHas } from '../workers/unicode-ranges.js';
import { ART_PLACEHOLDER, isArtFace } from '../workers/emoji-art.js';
import { inProcessFonts } from './helpers.js';
import { paragraphs } from './layout-helpers.js';

const familyOf = (text: string, o: Parameters<typeof paragraphs>[1] = {}): string[] =>
  paragraphs(text, o)[0].graphemes.map((g) => g.face.family);

describe('per-character font fallback', () => {
  it('gives each script of a mixed string a font that has it', () => {
    // lang is pinned: with kana in the text, auto would (rightly) prefer Japanese Han forms.
    const gs = paragraphs('Hello 世界 こんにちは 안녕 مرحبا שלום 👋', { lang: 'zh-Hans' })[0].graphemes;
    const pick = (ch: string): string => gs.find((g) => g.text === ch)!.face.family;
    expect(pick('H')).toBe('Inter');
    expect(pick('世')).toBe('Noto Sans SC');
    expect(pick('こ')).toBe('Noto Sans JP');
    expect(pick('안')).toBe('Noto Sans KR');
    expect(pick('م')).toBe('Noto Sans Arabic');
    expect(pick('ש')).toBe('Noto Sans Hebrew');
    expect(pick('👋')).toBe('Noto Color Emoji');
  });

  it('uses the colour emoji font even where a text font has a monochrome glyph', () => {
    // Noto Sans SC maps U+1F308 (rainbow) and regional indicators to monochrome glyphs.
    expect(familyOf('🌈', { font: 'Noto Sans SC' })).toEqual(['Noto Color Emoji']);
    expect(familyOf('🇨🇳', { font: 'Noto Sans SC' })).toEqual(['Noto Color Emoji']);
    expect(familyOf('❤️')).toEqual(['Noto Color Emoji']);
  });

  it('keeps ZWJ sequences, skin tones, flags and keycaps whole in one emoji face', () => {
    for (const seq of ['👩‍💻', '👨‍👩‍👧', '🏳️‍🌈', '👏🏽', '1️⃣', '🇯🇵']) {
      const gs = paragraphs(seq)[0].graphemes;
      expect(gs).toHaveLength(1);
      expect(gs[0].face.family).toBe('Noto Color Emoji');
      // 🏳️‍🌈 is in no subset that forms it: drawn from Noto's artwork, measured as one 😀 (emoji-art.ts).
      expect(isArtFace(gs[0].face)).toBe(seq === '🏳️‍🌈');
      const drawn = isArtFace(gs[0].face) ? gs[0].text : seq;
      if (isArtFace(gs[0].face)) expect(drawn).toBe(ART_PLACEHOLDER);
      const cps = [...drawn].map((c) => c.codePointAt(0)!).filter((cp) => cp !== 0x200d && cp !== 0xfe0f);
      const { catalog } = inProcessFonts();
      const face = catalog.faces.find((f) => f.alias === gs[0].face.alias)!;
      for (const cp of cps) expect(rangesHas(face.ranges, cp), `${seq}: U+${cp.toString(16)} in ${face.file}`).toBe(true);
    }
  });

  it('keeps text-presentation symbols in the text font (© stays a letterform)', () => {
    expect(familyOf('© 2026')[0]).toBe('Inter');
  });

  it('prefers the Arabic family for Arabic even when a CJK font covers some letters', () => {
    const fams = familyOf('مرحبا', { font: 'Noto Sans SC' });
    expect(new Set(fams)).toEqual(new Set(['Noto Sans Arabic']));
  });

  it('sets Han characters in Japanese forms for Japanese text and Chinese forms otherwise', () => {
    const ja = paragraphs('東京で開催')[0].graphemes;
    expect(ja[0].face.family).toBe('Noto Sans JP');
    const zh = paragraphs('东京开会')[0].graphemes;
    expect(zh[0].face.family).toBe('Noto Sans SC');
    expect(paragraphs('東京', { lang: 'ja' })[0].graphemes[0].face.family).toBe('Noto Sans JP');
  });

  it('gives CJK punctuation next to Chinese the Chinese font (full-width forms)', () => {
    const gs = paragraphs('他说：“今天”')[0].graphemes;
    expect(gs.find((g) => g.text === '“')!.face.family).toBe('Noto Sans SC');
  });

  it('uses the requested weight, or the nearest one a fallback family has', () => {
    const gs = paragraphs('Bold 粗体', { weight: 700 })[0].graphemes;
    expect(gs[0].face.weight).toBe(700);
    expect(gs.find((g) => g.text === '粗')!.face.weight).toBe(700);
    const heavy = paragraphs('粗', { weight: 900 })[0].graphemes;
    expect(heavy[0].face.weight).toBe(700);
  });
});
