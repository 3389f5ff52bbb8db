/** Shared test setup: configs, a warmed app, in-process fonts and pixel helpers. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { buildApp, type BuildOptions, type LetterpressApp } from '../src/app.js';
import { loadConfig, PROJECT_ROOT, type Config } from '../src/config.js';
import { loadFontCatalog } from '../src/font-catalog.js';
import { initRegistry } from '../workers/font-registry.js';
import { registryBytes, type FontCatalog } from '../workers/protocol.js';
import { FontSelector } from '../workers/font-select.js';

/** A config for tests: one worker, no logs unless asked, a fresh data folder for jobs. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ POOL_SIZE: '1', LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lp-data-')), ...env });
}

/** A stream to pass as `logStream`, and the JSON log lines written to it so far. */
export function logCapture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines };
}

/** Builds an app and waits until its pool is warm. */
export async function startApp(env: Record<string, string> = {}, opts: BuildOptions = {}): Promise<LetterpressApp> {
  const lp = await buildApp(testConfig(env), opts);
  await lp.warmed;
  return lp;
}

/** Runs `fn` against an app whose pool is never warmed (start-up behaviour), then closes it. */
export async function withColdApp(fn: (lp: LetterpressApp) => Promise<void>): Promise<void> {
  const cold = await buildApp(testConfig(), { warm: false });
  try {
    await fn(cold);
  } finally {
    await cold.app.close();
  }
}

let fonts: { catalog: FontCatalog; selector: FontSelector } | null = null;

/** The bundled fonts registered in this process, for layout unit tests. */
export function inProcessFonts(): { catalog: FontCatalog; selector: FontSelector } {
  if (!fonts) {
    const catalog = loadFontCatalog({ dirs: [path.join(PROJECT_ROOT, 'fonts')], packageRoot: PROJECT_ROOT });
    initRegistry(new SharedArrayBuffer(registryBytes(catalog)));
    fonts = { catalog, selector: new FontSelector(catalog) };
  }
  return fonts;
}

/** Decoded RGBA pixels of an encoded image. */
export async function decode(body: Buffer): Promise<{ data: Buffer; width: number; height: number; format: string }> {
  const meta = await sharp(body).metadata();
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, format: meta.format ?? '' };
}

/** Bounding box of pixels that differ from `bg` by more than `tol` in any channel. */
export function inkBounds(img: { data: Buffer; width: number; height: number }, bg: [number, number, number], tol = 24): { x0: number; y0: number; x1: number; y1: number; count: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, count = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 4;
      if (Math.abs(img.data[o] - bg[0]) > tol || Math.abs(img.data[o + 1] - bg[1]) > tol || Math.abs(img.data[o + 2] - bg[2]) > tol) {
        count++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return { x0, y0, x1, y1, count };
}

/** Builds a render URL from parameters. */
export function renderUrl(params: Record<string, string | number>, format = 'png'): string {
  return `/render.${format}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`;
}

/** A server in a child process (`node dist/src/server.js`) on a free port, resolved once /healthz is 200. */
export async function serveChild(env: Record<string, string>, children: ChildProcess[] = []): Promise<{ proc: ChildProcess; base: string; stdout: () => string }> {
  const proc = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  let buf = '';
  const base = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  for (;;) {
    if ((await fetch(`${base}/healthz`)).ok) return { proc, base, stdout: () => buf };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 30_000, what = 'condition'): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads a ZIP archive (stored or deflated entries): entry name -> bytes, in central-directory order. */
export function readZip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    out.set(name, method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/**
 * Sends `requestLine` to a listening app but finishes the request only after `app.close()` began
 * (the drain): returns the raw response head and the JSON body, read until the body is complete
 * (Content-Length) or the socket ends (5 s at most).
 */
export async function answerDuringClose(lp: LetterpressApp, requestLine: string): Promise<{ head: string; json: unknown }> {
  const address = await lp.app.listen({ port: 0, host: '127.0.0.1' });
  const socket = net.connect(Number(new URL(address).port), '127.0.0.1');
  let answer = '';
  let ended = false;
  socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
  socket.on('close', () => { ended = true; });
  await new Promise((r) => socket.once('connect', r));
  socket.write(`${requestLine}\r\nHost: x\r\n`);
  await new Promise((r) => setTimeout(r, 100));
  const closing = lp.app.close();
  await new Promise((r) => setTimeout(r, 100));
  socket.write('\r\n');
  const complete = (): boolean => {
    const end = answer.indexOf('\r\n\r\n');
    const length = /\r\ncontent-length: (\d+)\r\n/i.exec(answer);
    return end >= 0 && length !== null && Buffer.byteLength(answer.slice(end + 4), 'latin1') >= Number(length[1]);
  };
  const deadline = Date.now() + 5000;
  while (!complete() && !ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  await closing;
  const end = answer.indexOf('\r\n\r\n');
  return { head: answer.slice(0, end), json: JSON.parse(answer.slice(end + 4)) };
}
