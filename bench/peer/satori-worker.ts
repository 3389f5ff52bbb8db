/**
 * Peer renderer for the benchmark: the stack people use today for OG cards, satori (layout and
 * text to SVG paths, as @vercel/og does) plus @resvg/resvg-js (SVG to PNG), given the same Inter
 * fonts that Letterpress uses for these cards. Runs in a Piscina worker like ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import satori from 'satori';
import { PROJECT_ROOT } from '../../src/config.js';

const fontFile = (w: number): Buffer => fs.readFileSync(path.join(PROJECT_ROOT, `node_modules/@fontsource/inter/files/inter-latin-${w}-normal.woff`));
const fonts = [
  { name: 'Inter', data: fontFile(400), weight: 400 as const, style: 'normal' as const },
  { name: 'Inter', data: fontFile(700), weight: 700 as const, style: 'normal' as const },
];

/** Task: the card's lines and whether its background is a gradient. */
export interface PeerTask { readonly text: string; readonly gradient: boolean }

/** Renders one 1200x630 card to PNG. */
export default async function render(task: PeerTask): Promise<Uint8Array> {
  const element = {
    type: 'div',
    props: {
      style: {
        width: 1200, height: 630, display: 'flex', flexDirection: 'column', justifyContent: 'center', padding: 72,
        background: task.gradient ? 'linear-gradient(135deg, #0f172a, #7c3aed)' : '#0f172a',
        color: '#f8fafc', fontFamily: 'Inter', fontWeight: 700, fontSize: 72, lineHeight: 1.2,
      },
      children: task.text.split('\n').map((line) => ({ type: 'div', props: { children: line } })),
    },
  };
  const svg = await satori(element as never, { width: 1200, height: 630, fonts });
  return new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: false } }).render().asPng();
}
