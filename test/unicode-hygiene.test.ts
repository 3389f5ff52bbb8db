import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testConfig } from './helpers.js';
import { canonicalize } from '../src/params.js';
import { AppError } from '../src/errors.js';
import { checkLimits } from '../workers/pipeline.js';
import { cardDocument } from '../src/card.js';
import { MAX_MARKS, normalizeText } from '../workers/text-normalize.js';
import { loadFontCatalog } from '../src/font-catalog.js';
import { PROJECT_ROOT } from '../src/config.js';
import path from 'node:path';

const BIDI = /[\u202a-\u202e\u2066-\u2069]/u;
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;
const PILE = new RegExp(`\\p{Mn}{${MAX_MARKS + 1}}`, 'u');
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const catalog = loadFontCatalog({ dirs: [path.join(PROJECT_ROOT, 'fonts')], packageRoot: PROJECT_ROOT });
const config = testConfig();

describe('text normaliser (property-based)', () => {
  it('never throws, and leaves no bidi overrides, controls, lone surrogates or mark piles', () => {
    fc.assert(fc.property(anyText, (s) => {
      const out = normalizeText(s);
      expect(out.isWellFormed()).toBe(true);
      expect(BIDI.test(out)).toBe(false);
      expect(CONTROL.test(out)).toBe(false);
      expect(PILE.test(out)).toBe(false);
    }), { numRuns: 2000 });
  });

  it('is idempotent: normalising canonical text changes nothing', () => {
    fc.assert(fc.property(anyText, (s) => {
      const once = normalizeText(s);
      expect(normalizeText(once)).toBe(once);
    }), { numRuns: 2000 });
  });

  it('strips bidi overrides but keeps the letters', () => {
    expect(normalizeText('\u202Egnp.exe\u202C')).toBe('gnp.exe');
    expect(normalizeText('a\u2067b\u2069c')).toBe('abc');
  });

  it('caps zalgo piles but keeps Vietnamese and pointed Hebrew intact', () => {
    // NFC first composes Z+acute into Ź, then at most MAX_MARKS marks may follow it.
    expect(normalizeText(`Z${'\u0301'.repeat(40)}`)).toBe(`Ź${'\u0301'.repeat(MAX_MARKS)}`);
    expect(normalizeText('Việt Nam')).toBe('Việt Nam');
    expect(normalizeText('בְּרֵאשִׁ֖ית')).toBe('בְּרֵאשִׁ֖ית'.normalize('NFC'));
  });
});

describe('request canonicalisation (property-based)', () => {
  const query = fc.record({
    text: fc.string({ minLength: 1, maxLength: 80 }),
    w: fc.integer({ min: 1, max: 4096 }),
    h: fc.integer({ min: 1, max: 4096 }),
    dpr: fc.double({ min: 1, max: 3, noNaN: true }),
    size: fc.double({ min: 4, max: 512, noNaN: true }),
    padding: fc.double({ min: 0, max: 2000, noNaN: true }),
    letterSpacing: fc.double({ min: -50, max: 200, noNaN: true }),
  }, { requiredKeys: ['text'] });

  it('either gives a typed 4xx error or a spec within every limit, and is stable when re-canonicalised', () => {
    fc.assert(fc.property(query, fc.constantFrom('png', 'jpg', 'jpeg', 'webp'), (q, format) => {
      let spec;
      try {
        spec = canonicalize(format, q, config, catalog);
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).status).toBeGreaterThanOrEqual(400);
        expect((err as AppError).status).toBeLessThan(500);
        return;
      }
      expect(() => checkLimits(cardDocument(spec), config)).not.toThrow();
      expect(Math.round(spec.w * spec.dpr) * Math.round(spec.h * spec.dpr)).toBeLessThanOrEqual(config.maxPixels);
      expect(spec.padding * 2).toBeLessThan(Math.min(spec.w, spec.h));
      // The spec read back as a query (png has no quality) must canonicalise to itself.
      const asQuery = { ...spec, bg: spec.bg.colors.join(','), q: spec.format === 'png' ? undefined : spec.q };
      const again = canonicalize(spec.format, asQuery as never, config, catalog);
      expect(again).toEqual(spec);
    }), { numRuns: 500 });
  });

  it('the worker re-checks limits on specs that bypassed the edge', () => {
    const spec = canonicalize('png', { text: 'x' }, config, catalog);
    expect(() => checkLimits(cardDocument({ ...spec, w: 100_000 }), config)).toThrow(/limits/);
    expect(() => checkLimits(cardDocument({ ...spec, text: 'x'.repeat(config.maxTextLength + 1) }), config)).toThrow(/text/);
    expect(() => checkLimits({ ...cardDocument(spec), dpr: Number.NaN }, config)).toThrow(/dpr/);
  });
});
