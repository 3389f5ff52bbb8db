/**
 * The Takumi peer for the HTTP benchmark: Fastify answering `GET /og.png?text=…&gradient=0|1`
 * (the satori peer's interface) with the same 1200x630 card, rendered by @takumi-rs/core, a
 * native (Rust) renderer, given the same Inter files.
 *
 * No Piscina pool: Takumi's docs say to build one `Renderer` per process and reuse it, and its
 * native binding renders off the JS thread (each `render` is an N-API async task on libuv's thread
 * pool, with rayon inside) and "scales with cores". The JS thread only builds the small node tree
 * and answers HTTP, so one process with one renderer is how Takumi is deployed and as fast as it
 * gets here; a worker pool would only add message passing and a renderer (fonts, caches) per thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Renderer } from '@takumi-rs/core';
import Fastify from 'fastify';
import { PROJECT_ROOT } from '../../src/config.js';

const fontFile = (w: number): Buffer => fs.readFileSync(path.join(PROJECT_ROOT, `node_modules/@fontsource/inter/files/inter-latin-${w}-normal.woff`));

const renderer = new Renderer();
for (const weight of [400, 700]) await renderer.registerFont({ name: 'Inter', data: fontFile(weight), weight, style: 'normal' });

/** The satori peer's card as a Takumi node tree: one text node per line in a flex column. */
function card(text: string, gradient: boolean) {
  return {
    type: 'container' as const,
    style: {
      width: 1200, height: 630, display: 'flex', flexDirection: 'column' as const, justifyContent: 'center', padding: 72,
      background: gradient ? 'linear-gradient(135deg, #0f172a, #7c3aed)' : '#0f172a',
      color: '#f8fafc', fontFamily: 'Inter', fontWeight: 700, fontSize: 72, lineHeight: 1.2,
    },
    children: text.split('\n').map((line) => ({ type: 'text' as const, text: line })),
  };
}

const app = Fastify({ logger: false });
app.get<{ Querystring: { text?: string; gradient?: string } }>('/og.png', async (req, reply) => {
  const png = await renderer.render(card(req.query.text ?? 'Hello', req.query.gradient === '1'), { width: 1200, height: 630, format: 'png' });
  return reply.type('image/png').send(png);
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT ?? 8091), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
