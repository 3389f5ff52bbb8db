/**
 * The peer's server for the HTTP benchmark: Fastify + Piscina, one worker per core, as ours,
 * answering `GET /og.png?text=…&gradient=0|1` with a satori + resvg card.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Piscina } from 'piscina';

const pool = new Piscina({
  filename: path.join(path.dirname(fileURLToPath(import.meta.url)), 'satori-worker.js'),
  minThreads: os.availableParallelism(),
  maxThreads: os.availableParallelism(),
});
const app = Fastify({ logger: false });
app.get<{ Querystring: { text?: string; gradient?: string } }>('/og.png', async (req, reply) => {
  const png = (await pool.run({ text: req.query.text ?? 'Hello', gradient: req.query.gradient === '1' })) as Uint8Array;
  return reply.type('image/png').send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT ?? 8090), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => pool.close()).then(() => process.exit(0)));
