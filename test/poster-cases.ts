/** Tricky poster layouts rendered as golden images (and reused by other poster tests). */

/** A named poster document. */
export interface PosterCase { readonly name: string; readonly doc: Record<string, unknown> }

const card = { width: 640, height: 360 };

/** The cases, each exercising something easy to get wrong. */
export const POSTER_CASES: readonly PosterCase[] = [
  {
    name: 'mixed-scripts',
    doc: { ...card, background: '#f8fafc', layers: [
      { type: 'text', x: 24, y: 24, width: 592, height: 312, size: 44, align: 'center', valign: 'middle', balance: true, color: '#0f172a',
        text: 'Hello 世界 こんにちは 안녕하세요 مرحبا بالعالم שלום 👋🏽 👩‍💻 🇯🇵 — 2026年' },
    ] },
  },
  {
    name: 'rich-spans',
    doc: { ...card, background: { type: 'linear', angle: 120, stops: ['#1e1b4b', '#4c1d95'] }, layers: [
      { type: 'text', x: 32, y: 32, width: 576, height: 296, size: 52, weight: 700, color: '#e0e7ff', lineHeight: 1.2, valign: 'middle', spans: [
        { text: 'Render ' }, { text: 'ten thousand', color: '#fbbf24', weight: 900 }, { text: ' posters with ' }, { text: 'mono', font: 'mono', color: '#34d399' },
        { text: ', ' }, { text: 'serif', font: 'serif', weight: 400, color: '#f9a8d4' }, { text: ' and 中文重点', color: '#fca5a5' }, { text: '高亮', color: '#fde047', weight: 900 },
      ] },
    ] },
  },
  {
    name: 'vertical-japanese',
    doc: { width: 480, height: 640, background: '#fffbeb', layers: [
      { type: 'text', x: 40, y: 40, width: 400, height: 560, writingMode: 'vertical', size: 44, lineHeight: 1.6, color: '#1c1917', lang: 'ja',
        text: '「東京デザイン週間」は第3回目。ちょっと待って！\nDesign Week 2026 が始まります——会場は渋谷、入場無料（予約制）。' },
    ] },
  },
  {
    name: 'vertical-chinese-ellipsis',
    doc: { width: 480, height: 640, background: '#7f1d1d', layers: [
      { type: 'text', x: 40, y: 40, width: 400, height: 560, writingMode: 'vertical', size: 56, fit: 'none', maxLines: 3, lineHeight: 1.5, color: '#fef3c7', stroke: { color: '#450a0a', width: 2 },
        text: '床前明月光，疑是地上霜。举头望明月，低头思故乡。《静夜思》是唐代诗人李白所作的一首五言古诗，流传极广。' },
    ] },
  },
  {
    name: 'rtl-stroke',
    doc: { ...card, background: '#064e3b', layers: [
      { type: 'text', x: 32, y: 32, width: 576, height: 296, size: 48, align: 'right', valign: 'middle', direction: 'rtl', color: '#ecfdf5', stroke: { color: '#022c22', width: 3 },
        text: 'مرحبا بكم في مؤتمر المطورين 2026\nשלום וברוכים הבאים — Letterpress 3.0' },
    ] },
  },
  {
    name: 'emoji-shadow',
    doc: { ...card, background: { type: 'radial', cx: 0.5, cy: 0.4, stops: ['#fef9c3', '#fb923c'] }, layers: [
      { type: 'text', x: 24, y: 24, width: 592, height: 312, size: 72, align: 'center', valign: 'middle', color: '#431407', shadow: { color: '#00000066', blur: 6, x: 0, y: 4 },
        text: '🎉 👨‍👩‍👧‍👦 🇨🇳 🇸🇦 1️⃣ 👍🏿\nLaunch 🚀 发布会' },
    ] },
  },
  {
    name: 'shapes-rotate-opacity',
    doc: { ...card, background: '#ffffff', layers: [
      { type: 'rect', x: 40, y: 40, width: 260, height: 160, radius: 24, fill: { type: 'linear', angle: 90, stops: ['#06b6d4', { color: '#8b5cf6', offset: 0.6 }, '#ec4899'] } },
      { type: 'ellipse', x: 340, y: 40, width: 260, height: 160, fill: { type: 'radial', stops: ['#fde047', '#f97316'] }, stroke: { color: '#7c2d12', width: 6 } },
      { type: 'rect', x: 40, y: 230, width: 560, height: 90, radius: 45, fill: '#00000000', stroke: { color: '#0f172a', width: 4 } },
      { type: 'text', x: 160, y: 100, width: 320, height: 160, text: 'Rotated 15° at 60%', size: 40, weight: 800, align: 'center', valign: 'middle', rotate: 15, opacity: 0.6, color: '#111827' },
    ] },
  },
  {
    name: 'image-fits',
    doc: { ...card, background: '#e2e8f0', layers: [
      { type: 'image', src: 'photos/mountains.jpg', x: 16, y: 40, width: 190, height: 280, fit: 'cover', radius: 24 },
      { type: 'image', src: 'photos/mountains.jpg', x: 225, y: 40, width: 190, height: 280, fit: 'contain' },
      { type: 'image', src: 'photos/mountains.jpg', x: 434, y: 40, width: 190, height: 280, fit: 'fill', opacity: 0.8 },
      { type: 'image', src: 'logos/letterpress.svg', x: 280, y: 150, width: 80, height: 80, rotate: -12 },
    ] },
  },
  {
    name: 'balance-vs-greedy',
    doc: { ...card, background: '#ffffff', layers: [
      { type: 'text', x: 24, y: 16, width: 592, height: 150, size: 40, weight: 700, fit: 'none', text: 'A headline that greedy line breaking leaves with one orphan word' },
      { type: 'rect', x: 24, y: 178, width: 592, height: 2, fill: '#e11d48' },
      { type: 'text', x: 24, y: 192, width: 592, height: 150, size: 40, weight: 700, fit: 'none', balance: true, text: 'A headline that greedy line breaking leaves with one orphan word' },
    ] },
  },
  {
    name: 'text-background-box',
    doc: { ...card, background: { type: 'image', src: 'photos/city-night.jpg' }, layers: [
      { type: 'text', x: 60, y: 60, width: 520, height: 240, size: 40, weight: 700, align: 'center', valign: 'middle', color: '#111827', balance: true,
        background: { color: '#fde68aee', radius: 20, padding: 20 }, text: '夜市开张 Night market opens Friday' },
    ] },
  },
  {
    name: 'world-scripts',
    doc: { width: 720, height: 560, background: '#ffffff', layers: [
      { type: 'text', x: 24, y: 16, width: 672, height: 400, size: 30, fit: 'none', lineHeight: 1.45, color: '#111827',
        text: 'नमस्ते বাংলা ਪੰਜਾਬੀ ગુજરાતી தமிழ் తెలుగు\nಕನ್ನಡ മലയാളം සිංහල ภาษาไทย ພາສາລາວ\nភាសាខ្មែរ မြန်မာ བོད་ཡིག አማርኛ Հայերեն ქართული\nŒuvre œ ı Ґ Ұ ‐ ‰ ※ ‼ ☺ ✈ ∑ ∞ ⇄ ✓ ♫\n👩‍💻 🏳️‍⚧️ 1️⃣ 🇹🇼 🇭🇰 ☺️ ✈️ \u{1E900}' },
      { type: 'text', x: 24, y: 420, width: 220, height: 120, size: 56, fit: 'none', lang: 'zh-Hans', color: '#991b1b', text: '骨直說' },
      { type: 'text', x: 250, y: 420, width: 220, height: 120, size: 56, fit: 'none', lang: 'zh-Hant', color: '#1e3a8a', text: '骨直說' },
      { type: 'text', x: 476, y: 420, width: 220, height: 120, size: 56, fit: 'none', lang: 'zh-HK', color: '#065f46', text: '骨直說' },
    ] },
  },
];
