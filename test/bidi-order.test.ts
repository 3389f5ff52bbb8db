import { describe, expect, it } from 'vitest';
import { reorder } from '../workers/layout.js';
import { layout, paragraphs, visualLines } from './layout-helpers.js';

describe('right-to-left text', () => {
  it('detects an RTL paragraph from its first strong character', () => {
    expect(paragraphs('مرحبا بكم')[0].level).toBe(1);
    expect(paragraphs('שלום עולם')[0].level).toBe(1);
    expect(paragraphs('Hello مرحبا')[0].level).toBe(0);
    expect(paragraphs('Hello', { direction: 'rtl' })[0].level).toBe(1);
  });

  it('lays an RTL paragraph out right to left: the first word is rightmost', () => {
    const l = layout('ברוכים הבאים 2026', { box: { x: 0, y: 0, w: 1000, h: 200 } });
    const runs = [...l.runs].sort((a, b) => a.x - b.x);
    const hebrew = runs.filter((r) => /[\u0590-\u05ff]/u.test(r.text));
    const number = runs.find((r) => r.text.includes('2026'))!;
    expect(hebrew.length).toBeGreaterThan(0);
    expect(number.x).toBeLessThan(hebrew[0].x);
    expect(hebrew.every((r) => r.rtl)).toBe(true);
  });

  it('puts an RTL phrase inside LTR text in reversed visual order', () => {
    const l = layout('Hello שלום עולם end', { box: { x: 0, y: 0, w: 2000, h: 200 } });
    const line = visualLines(l)[0];
    expect(line.text.indexOf('Hello')).toBe(0);
    expect(line.text.trim().endsWith('end')).toBe(true);
    // Two RTL runs in different fonts: the logically first (Hebrew) must sit to the right.
    const mixed = layout('Hello שלום مرحبا end', { box: { x: 0, y: 0, w: 2000, h: 200 } });
    const hebrew = mixed.runs.find((r) => r.text.includes('שלום'))!;
    const arabic = mixed.runs.find((r) => r.text.includes('مرحبا'))!;
    const hello = mixed.runs.find((r) => r.text.includes('Hello'))!;
    expect(hebrew.rtl && arabic.rtl).toBe(true);
    expect(arabic.x).toBeLessThan(hebrew.x);
    expect(hello.x).toBeLessThan(arabic.x);
  });

  it('reorders runs by rule L2', () => {
    const runs = [{ t: 'a', level: 0 }, { t: 'b', level: 1 }, { t: 'c', level: 1 }, { t: 'd', level: 2 }, { t: 'e', level: 0 }];
    expect(reorder(runs).map((r) => r.t).join('')).toBe('adcbe');
  });
});
