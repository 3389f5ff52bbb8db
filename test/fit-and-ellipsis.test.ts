import { describe, expect, it } from 'vitest';
import { layout, visualLines } from './layout-helpers.js';

const LONG = 'Ship faster with typed, tested, observable services that render every script on earth without tofu boxes';

describe('fitting', () => {
  it('maxLines keeps that many lines and ends the last with an ellipsis that fits the box', () => {
    const l = layout(LONG, { maxLines: 2, size: 40 });
    const lines = visualLines(l);
    expect(l.truncated).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1].text.endsWith('…')).toBe(true);
    for (const line of lines) expect(line.x1).toBeLessThanOrEqual(600 + 0.01);
  });

  it('text that fits has no ellipsis', () => {
    const l = layout('Short title', { maxLines: 2 });
    expect(l.truncated).toBe(false);
    expect(visualLines(l).map((x) => x.text)).toEqual(['Short title']);
  });

  it('fit=none drops lines that do not fit the box height, with an ellipsis', () => {
    const l = layout(LONG, { size: 80, box: { x: 0, y: 0, w: 600, h: 200 } });
    expect(l.lines).toBe(2);
    expect(l.truncated).toBe(true);
  });

  it('fit=shrink picks the largest size (0.5px steps) at which everything fits', () => {
    const box = { x: 0, y: 0, w: 600, h: 200 };
    const l = layout(LONG, { size: 80, fit: 'shrink', box });
    expect(l.truncated).toBe(false);
    expect(l.size).toBeLessThan(80);
    expect(l.lines * l.size * 1.25).toBeLessThanOrEqual(200 + 0.01);
    const bigger = layout(LONG, { size: l.size + 0.5, fit: 'none', box });
    expect(bigger.truncated).toBe(true);
  });

  it('fit=shrink keeps the requested size when the text already fits', () => {
    expect(layout('Hi', { size: 72, fit: 'shrink' }).size).toBe(72);
  });

  it('fit=shrink respects maxLines and stops at minSize, then truncates', () => {
    const l = layout(LONG.repeat(10), { size: 80, fit: 'shrink', minSize: 20, maxLines: 3 });
    expect(l.size).toBe(20);
    expect(l.lines).toBe(3);
    expect(l.truncated).toBe(true);
  });

  it('fit=shrink shrinks rather than breaking a long word', () => {
    const l = layout('Pneumonoultramicroscopicsilicovolcanoconiosis', { size: 80, fit: 'shrink' });
    expect(l.lines).toBe(1);
    expect(visualLines(l)[0].x1).toBeLessThanOrEqual(600);
  });
});

describe('alignment', () => {
  const box = { x: 50, y: 20, w: 500, h: 300 };
  it('left, center and right place each line against the box', () => {
    const left = visualLines(layout('One\nTwo words', { align: 'left', box }));
    const right = visualLines(layout('One\nTwo words', { align: 'right', box }));
    const center = visualLines(layout('One\nTwo words', { align: 'center', box }));
    for (const l of left) expect(l.x0).toBeCloseTo(50, 5);
    for (const l of right) expect(l.x1).toBeCloseTo(550, 5);
    for (const l of center) expect((l.x0 + l.x1) / 2).toBeCloseTo(300, 5);
  });

  it('valign top, middle and bottom place the block in the box', () => {
    const size = 40, lh = 50;
    const top = visualLines(layout('A\nB', { valign: 'top', box, size }));
    const bottom = visualLines(layout('A\nB', { valign: 'bottom', box, size }));
    const middle = visualLines(layout('A\nB', { valign: 'middle', box, size }));
    expect(bottom[0].y - top[0].y).toBeCloseTo(300 - 2 * lh, 5);
    expect(middle[0].y - top[0].y).toBeCloseTo((300 - 2 * lh) / 2, 5);
  });
});
