// Generates the sample photos under assets/photos/ (procedural, seeded, so the same bytes come out
// every time; no third-party images to license). Logos and the seal are hand-written SVG files.
// Run: node scripts/make-assets.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import sharp from 'sharp';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'photos');
fs.mkdirSync(root, { recursive: true });

/** Mulberry32: a small seeded PRNG. */
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A ridge line by midpoint displacement: heights for x = 0..n. */
function ridge(rand, n, rough, base, amp) {
  const h = new Float64Array(n + 1);
  h[0] = base + (rand() - 0.5) * amp; h[n] = base + (rand() - 0.5) * amp;
  for (let step = n; step > 1; step >>= 1) {
    for (let i = step >> 1; i < n; i += step) {
      h[i] = (h[i - (step >> 1)] + h[i + (step >> 1)]) / 2 + (rand() - 0.5) * amp * (step / n) ** rough;
    }
  }
  return h;
}

async function save(canvas, name, w, h) {
  const raw = canvas.data();
  await sharp(raw, { raw: { width: w, height: h, channels: 4 } }).removeAlpha().jpeg({ quality: 80, mozjpeg: true }).toFile(path.join(root, name));
}

async function mountains() {
  const w = 1600, h = 1000, rand = rng(7);
  const c = createCanvas(w, h), ctx = c.getContext('2d');
  const sky = ctx.createLinearGradient(0, 0, 0, h * 0.75);
  sky.addColorStop(0, '#0b1026'); sky.addColorStop(0.45, '#3b2a5a'); sky.addColorStop(0.75, '#c2556b'); sky.addColorStop(1, '#f6a65a');
  ctx.fillStyle = sky; ctx.fillRect(0, 0, w, h);
  for (let i = 0; i < 220; i++) {
    ctx.fillStyle = `rgba(255,255,255,${0.2 + rand() * 0.6})`;
    ctx.beginPath(); ctx.arc(rand() * w, rand() * h * 0.4, rand() * 1.4 + 0.3, 0, Math.PI * 2); ctx.fill();
  }
  const sun = ctx.createRadialGradient(w * 0.68, h * 0.62, 0, w * 0.68, h * 0.62, 260);
  sun.addColorStop(0, 'rgba(255,236,180,1)'); sun.addColorStop(0.15, 'rgba(255,200,120,0.9)'); sun.addColorStop(1, 'rgba(255,160,90,0)');
  ctx.fillStyle = sun; ctx.fillRect(0, 0, w, h);
  const layers = [['#6b3a63', 0.52, 160], ['#4a2950', 0.6, 140], ['#2c1a3d', 0.7, 120], ['#150d24', 0.82, 90]];
  layers.forEach(([color, base, amp], k) => {
    const n = 512, line = ridge(rand, n, 0.9 - k * 0.1, base * h, amp * 2);
    ctx.fillStyle = color; ctx.beginPath(); ctx.moveTo(0, h);
    for (let i = 0; i <= n; i++) ctx.lineTo((i / n) * w, line[i]);
    ctx.lineTo(w, h); ctx.closePath(); ctx.fill();
  });
  await save(c, 'mountains.jpg', w, h);
}

async function cityNight() {
  const w = 1600, h = 1000, rand = rng(42);
  const c = createCanvas(w, h), ctx = c.getContext('2d');
  const sky = ctx.createLinearGradient(0, 0, 0, h);
  sky.addColorStop(0, '#070b1f'); sky.addColorStop(0.6, '#1d1b4b'); sky.addColorStop(1, '#4c1d5f');
  ctx.fillStyle = sky; ctx.fillRect(0, 0, w, h);
  for (let i = 0; i < 40; i++) {
    const r = 20 + rand() * 70, x = rand() * w, y = rand() * h * 0.6;
    const g = ctx.createRadialGradient(x, y, 0, x, y, r);
    const hue = [330, 200, 45, 280][i % 4];
    g.addColorStop(0, `hsla(${hue},90%,65%,0.35)`); g.addColorStop(1, `hsla(${hue},90%,65%,0)`);
    ctx.fillStyle = g; ctx.beginPath(); ctx.arc(x, y, r, 0, Math.PI * 2); ctx.fill();
  }
  for (let row = 0; row < 2; row++) {
    let x = -20;
    while (x < w) {
      const bw = 50 + rand() * 110, bh = (row === 0 ? 250 : 140) + rand() * (row === 0 ? 420 : 260);
      const top = h - bh;
      ctx.fillStyle = row === 0 ? '#161235' : '#0b0a1c';
      ctx.fillRect(x, top, bw, bh);
      for (let wy = top + 10; wy < h - 8; wy += 14) {
        for (let wx = x + 6; wx < x + bw - 8; wx += 11) {
          if (rand() < (row === 0 ? 0.32 : 0.45)) {
            ctx.fillStyle = rand() < 0.7 ? `rgba(255,214,140,${0.5 + rand() * 0.5})` : `rgba(160,210,255,${0.4 + rand() * 0.4})`;
            ctx.fillRect(wx, wy, 5, 7);
          }
        }
      }
      x += bw + 4 + rand() * 18;
    }
  }
  await save(c, 'city-night.jpg', w, h);
}

async function paper() {
  const w = 1200, h = 900, rand = rng(3);
  const c = createCanvas(w, h), ctx = c.getContext('2d');
  ctx.fillStyle = '#f5efe0'; ctx.fillRect(0, 0, w, h);
  const img = ctx.getImageData(0, 0, w, h), d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const n = (rand() - 0.5) * 14;
    d[i] += n; d[i + 1] += n; d[i + 2] += n * 0.8;
  }
  ctx.putImageData(img, 0, 0);
  ctx.strokeStyle = 'rgba(120,90,50,0.06)';
  for (let i = 0; i < 500; i++) {
    const x = rand() * w, y = rand() * h, a = rand() * Math.PI, l = 10 + rand() * 40;
    ctx.lineWidth = 0.5 + rand(); ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + Math.cos(a) * l, y + Math.sin(a) * l); ctx.stroke();
  }
  const v = ctx.createRadialGradient(w / 2, h / 2, h * 0.3, w / 2, h / 2, w * 0.75);
  v.addColorStop(0, 'rgba(120,80,30,0)'); v.addColorStop(1, 'rgba(120,80,30,0.18)');
  ctx.fillStyle = v; ctx.fillRect(0, 0, w, h);
  await save(c, 'paper.jpg', w, h);
}

await mountains();
await cityNight();
await paper();
for (const f of fs.readdirSync(root)) console.log(f, fs.statSync(path.join(root, f)).size, 'bytes');
