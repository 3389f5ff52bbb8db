import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NO_LINE_END, NO_LINE_START } from '../workers/itemize.js';
import { wrappedLines } from './layout-helpers.js';

const corpus = JSON.parse(fs.readFileSync(new URL('./fixtures/corpus/text-samples.json', import.meta.url), 'utf8')) as { samples: { id: string; text: string }[] };
const sample = (id: string): string => corpus.samples.find((s) => s.id === id)!.text;

describe('line breaking', () => {
  it('wraps Latin text between words, never inside one', () => {
    const lines = wrappedLines(sample('latin-title'), 300);
    expect(lines.length).toBeGreaterThan(1);
    const words = sample('latin-title').split(' ');
    expect(lines.join(' ').split(' ')).toEqual(words);
    for (const l of lines) expect(l).not.toMatch(/^\s|\s$/);
  });

  it('breaks a word longer than the line between graphemes only when it must', () => {
    const lines = wrappedLines(sample('latin-long-word'), 300);
    expect(lines.join('').replace(/ /g, '')).toBe(sample('latin-long-word').replace(/ /g, ''));
    expect(lines[0].startsWith('Pneumono')).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
  });

  it('breaks Chinese between ideographs', () => {
    const text = sample('zh-title');
    const lines = wrappedLines(text, 200);
    expect(lines.join('')).toBe(text);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[0].length).toBeGreaterThanOrEqual(4);
  });

  it('never starts a line with closing punctuation nor ends one with opening punctuation (CJK kinsoku), at every width', () => {
    for (const id of ['zh-punct', 'zh-title', 'ja', 'zh-mixed']) {
      const text = sample(id);
      for (let width = 80; width <= 700; width += 7) {
        const lines = wrappedLines(text, width);
        expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
        for (let i = 0; i < lines.length; i++) {
          const first = [...lines[i]][0];
          const last = [...lines[i]].at(-1)!;
          if (i > 0) expect(NO_LINE_START.has(first), `${id} @${width}: line ${i} starts with ${first}`).toBe(false);
          if (i < lines.length - 1) expect(NO_LINE_END.has(last), `${id} @${width}: line ${i} ends with ${last}`).toBe(false);
        }
      }
    }
  });

  it('keeps the listed closing marks off line starts: ，。、」）!?', () => {
    for (const mark of ['，', '。', '、', '」', '）', '!', '?']) {
      const text = `一二三四五${mark}六七八`;
      for (let width = 60; width <= 300; width += 5) {
        const lines = wrappedLines(text, width);
        for (const l of lines.slice(1)) expect(l.startsWith(mark)).toBe(false);
      }
    }
  });

  it('starts a new line at every newline, keeping blank lines', () => {
    const lines = wrappedLines(sample('newlines'), 2000);
    expect(lines).toEqual(['First line', 'Second line', '', 'After a blank line']);
  });
});
