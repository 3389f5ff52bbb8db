// The playground page: three modes (text, template, poster) feeding one live preview with its
// stats, errors next to the offending control, and copyable URL / <img> / curl / signed URL.
import { ApiError, fetchImage, getJson, signUrl } from './api.js';
import { FieldSet, h, kindOf, numericMember } from './controls.js';
import { lineOf, locateNearest } from './json-locate.js';
import { buildPath, curlGet, curlPost, imgTag, withDpr } from './snippets.js';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 250;

/** Where the render route's parameters go; any parameter not listed lands in "More". */
const GROUPS = [
  ['Text', ['text', 'font', 'weight', 'size', 'minSize', 'fit', 'maxLines', 'lineHeight', 'letterSpacing']],
  ['Colours', ['bg', 'angle', 'color']],
  ['Layout', ['w', 'h', 'padding', 'align', 'valign', 'direction', 'lang', 'lineBreak', 'wordBreak']],
  ['Output', ['format', 'dpr', 'q']],
];
const LABELS = {
  text: 'Text', w: 'Width', h: 'Height', dpr: 'Pixel ratio', q: 'Quality', bg: 'Background', angle: 'Gradient angle',
  color: 'Text colour', font: 'Font', weight: 'Weight', size: 'Size', minSize: 'Smallest size', align: 'Align',
  valign: 'Vertical align', padding: 'Padding', lineHeight: 'Line height', letterSpacing: 'Letter spacing',
  maxLines: 'Max lines', fit: 'Fit', direction: 'Direction', lang: 'CJK glyph forms', format: 'Format',
  lineBreak: 'Line break (CSS)', wordBreak: 'Word break (CSS)',
};
const INITIAL_TEXT = { text: 'Hello 世界 👋\nLetterpress', w: '1200', h: '630', bg: '0f172a,7c3aed', angle: '135', color: 'ffffff', weight: '800' };
const INITIAL_POSTER = {
  width: 1200, height: 630,
  background: { type: 'linear', angle: 135, stops: ['#0f172a', '#312e81'] },
  layers: [
    { type: 'image', src: 'logos/letterpress.svg', x: 72, y: 64, width: 56, height: 56 },
    { type: 'text', x: 72, y: 160, width: 900, height: 300, size: 72, weight: 800, color: '#ffffff', balance: true,
      spans: [{ text: 'Posters in ' }, { text: 'every script', color: '#f472b6' }, { text: ' — 中文、日本語、العربية' }] },
    { type: 'text', x: 1000, y: 24, width: 150, height: 590, writingMode: 'vertical', text: '春眠不觉晓，处处闻啼鸟。', size: 48, color: '#fde68a' },
  ],
};

const state = {
  mode: 'text', signing: false, defaults: {}, formats: ['png'], querySchema: null,
  templates: [], template: null, assets: [],
  current: null, controller: null, seq: 0, timer: 0, objectUrl: null, posterErrorAt: null,
};

const textFields = new FieldSet($('text-form'), schedule);
const templateFields = new FieldSet($('template-form'), schedule);
const key = () => $('key').value.trim();

/** Re-renders after the user pauses typing. */
function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, DEBOUNCE_MS);
}

// ---- text mode -------------------------------------------------------------------------------

/** The field spec for one query-schema property. */
function fieldFor(name, prop, extra = {}) {
  const kind = kindOf(name, prop);
  const def = state.defaults[name];
  const num = prop.type === 'number' || prop.type === 'integer' ? prop : numericMember(prop) ?? {};
  return {
    name, kind, label: LABELS[name] ?? name, hint: prop.description, placeholder: def === undefined ? undefined : String(def),
    min: num.minimum, max: num.maximum, integer: num.type === 'integer', options: prop.enum, maxLength: prop.maxLength, ...extra,
  };
}

function buildTextControls(fonts) {
  const props = { ...state.querySchema.properties };
  delete props.sig; // signing has its own control
  const placed = new Set();
  for (const [title, names] of [...GROUPS, ['More', Object.keys(props)]]) {
    const todo = names.filter((n) => !placed.has(n) && (n === 'format' || props[n]));
    if (todo.length === 0) continue;
    const group = textFields.group(title);
    for (const name of todo) {
      placed.add(name);
      if (name === 'format') textFields.add({ name, kind: 'choice', label: LABELS.format, options: state.formats, hint: 'The file extension of the URL.' }, group);
      else textFields.add(fieldFor(name, props[name], name === 'font' ? { suggestions: fonts } : {}), group);
    }
  }
}

function setTextValues(values) {
  for (const name of textFields.fields.keys()) textFields.set(name, values[name] ?? (name === 'format' ? 'png' : ''));
}

function textRequest() {
  const fmt = textFields.get('format') || 'png';
  const pairs = textFields.values().filter(([k]) => k !== 'format');
  const num = (k) => Number(textFields.get(k) || state.defaults[k]);
  return { kind: 'get', path: `/render.${fmt}`, pairs, ext: fmt === 'jpeg' ? 'jpg' : fmt, w: num('w'), h: num('h'), alt: textFields.get('text').replace(/\s+/g, ' ').trim(), fields: textFields };
}

// ---- template mode ---------------------------------------------------------------------------

async function loadTemplates(selected) {
  const [{ templates }, { assets }] = await Promise.all([getJson('/templates'), getJson('/assets')]);
  state.templates = templates;
  state.assets = assets.map((a) => a.name);
  const select = $('template-select');
  select.replaceChildren(...templates.map((t) => h('option', { value: t.name, text: `${t.title} (${t.name})` })));
  const first = templates.find((t) => t.name === selected?.name) ?? templates[0];
  if (first) await selectTemplate(first.name, selected?.values);
}

function extOf(url) {
  return /\.([a-z]+)(?:\?|$)/.exec(url)?.[1] ?? 'png';
}

async function selectTemplate(name, values = {}) {
  const t = state.templates.find((x) => x.name === name);
  if (!t) return;
  state.template = t;
  $('template-select').value = name;
  $('template-desc').textContent = t.description;
  templateFields.clear();
  const vars = templateFields.group('Variables');
  for (const [vn, v] of Object.entries(t.variables)) {
    const value = values[vn] ?? String(v.default ?? v.example ?? '');
    const hint = [v.description, v.required ? 'Required.' : null].filter(Boolean).join(' ') || undefined;
    const base = { name: vn, label: vn, hint, value, placeholder: v.default === undefined ? undefined : String(v.default) };
    if (v.type === 'color') templateFields.add({ ...base, kind: 'color' }, vars);
    else if (v.type === 'number') templateFields.add({ ...base, kind: 'number', min: v.minimum, max: v.maximum }, vars);
    else if (v.type === 'asset') templateFields.add({ ...base, kind: 'choice', placeholder: undefined, options: state.assets }, vars);
    else templateFields.add({ ...base, kind: (v.maxLength ?? 500) > 100 ? 'multiline' : 'string', maxLength: v.maxLength }, vars);
  }
  const out = templateFields.group('Output');
  const props = state.querySchema.properties;
  templateFields.add({ name: 'format', kind: 'choice', label: LABELS.format, options: state.formats, value: values.format ?? extOf(t.url), hint: 'The file extension of the URL.' }, out);
  for (const r of ['dpr', 'q']) if (props[r]) templateFields.add({ ...fieldFor(r, props[r]), placeholder: r === 'dpr' ? undefined : String(state.defaults[r]), value: values[r] ?? '' }, out);
  $('template-doc').textContent = '';
  getJson(`/templates/${encodeURIComponent(name)}`).then((full) => {
    if (state.template === t) {
      t.document = full.document;
      $('template-doc').textContent = JSON.stringify(full.document, null, 2);
    }
  }, (e) => showError(e));
}

function templateRequest() {
  const t = state.template;
  if (!t) return null;
  const fmt = templateFields.get('format') || extOf(t.url);
  const pairs = templateFields.values().filter(([k, v]) => {
    if (k === 'format') return false;
    const decl = t.variables[k];
    return !decl || decl.required || String(decl.default) !== v;
  });
  return { kind: 'get', path: `/t/${t.name}.${fmt}`, pairs, ext: fmt === 'jpeg' ? 'jpg' : fmt, w: t.width, h: t.height, alt: t.title, fields: templateFields };
}

/** The template's document with the current variable values filled in, for the poster editor. */
function filledDocument() {
  const t = state.template;
  const values = Object.fromEntries(templateFields.values());
  const value = (name) => {
    const decl = t.variables[name];
    const v = values[name] ?? String(decl?.default ?? decl?.example ?? '');
    if (decl?.type === 'number') return Number(v);
    if (decl?.type === 'color' && /^[0-9a-f]{3,8}$/i.test(v)) return `#${v}`;
    return v;
  };
  return JSON.parse(JSON.stringify(t.document), (_k, v) => {
    if (typeof v !== 'string') return v;
    const whole = /^\{\{\s*([a-zA-Z]\w*)\s*\}\}$/.exec(v);
    if (whole) return value(whole[1]);
    return v.replace(/\{\{\s*([a-zA-Z]\w*)\s*\}\}/g, (_m, n) => String(value(n)));
  });
}

// ---- poster mode -----------------------------------------------------------------------------

function posterRequest() {
  const text = $('poster-json').value;
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ApiError(0, 'invalid_json', `not valid JSON: ${e.message}`, '/');
  }
  const fmt = doc && typeof doc.format === 'string' ? doc.format : 'png';
  return { kind: 'post', path: '/render', json: JSON.stringify(doc), ext: fmt === 'jpeg' ? 'jpg' : fmt, alt: 'Poster' };
}

// ---- preview ---------------------------------------------------------------------------------

function buildRequest() {
  if (state.mode === 'text') return textRequest();
  if (state.mode === 'template') return templateRequest();
  return posterRequest();
}

/** Renders the current settings, cancelling any request still in flight. */
async function refresh() {
  clearTimeout(state.timer);
  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  const seq = ++state.seq;
  const stale = () => seq !== state.seq;
  let req;
  try {
    req = buildRequest();
  } catch (e) {
    state.current = null;
    showError(e);
    updateShare();
    return;
  }
  if (!req) return;
  state.current = req;
  saveHash(req);
  updateShare();
  if (state.signing && !key()) {
    showError(new ApiError(0, 'key_needed', 'This server renders signed URLs only: enter a signing key to preview.', 'authorization'));
    return;
  }
  setBusy(true);
  try {
    let fetchReq;
    if (req.kind === 'get') {
      req.unsigned = buildPath(req.path, req.pairs);
      if (state.signing) {
        const [one, two] = await Promise.all([signUrl(req.unsigned, key(), controller.signal), signUrl(buildPath(req.path, withDpr(req.pairs, 2)), key(), controller.signal)]);
        req.signed = one;
        req.signed2x = two;
      }
      fetchReq = { url: req.signed ?? req.unsigned };
    } else {
      fetchReq = { url: req.path, body: req.json, key: state.signing ? key() : undefined };
    }
    const img = await fetchImage(fetchReq, controller.signal);
    if (stale()) {
      URL.revokeObjectURL(img.objectUrl);
      return;
    }
    showImage(img, fetchReq.url);
    updateShare();
  } catch (e) {
    if (stale() || e.name === 'AbortError') return;
    showError(e);
  } finally {
    if (!stale()) setBusy(false);
  }
}

function setBusy(busy) {
  $('stage').setAttribute('aria-busy', String(busy));
}

function fmtBytes(n) {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function showImage(img, url) {
  clearErrors();
  const preview = $('preview');
  if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
  state.objectUrl = img.objectUrl;
  preview.src = img.objectUrl;
  preview.dataset.url = url;
  preview.dataset.bytes = String(img.bytes);
  preview.dataset.etag = img.etag ?? '';
  $('stage').classList.add('loaded');
  $('stage').classList.remove('stale');
  $('placeholder').hidden = true;
  $('stat-size').textContent = `${img.width} × ${img.height} px`;
  $('stat-bytes').replaceChildren(fmtBytes(img.bytes), h('small', { text: `${img.bytes.toLocaleString('en')} bytes` }));
  const server = img.cached ? 'cached' : img.renderMs === null ? `${Math.round(img.ms)} ms` : `${Math.round(img.renderMs)} ms`;
  $('stat-time').replaceChildren(server, h('small', { text: `${Math.round(img.ms)} ms round trip` }));
  $('stat-type').textContent = img.type || '–';
}

function clearErrors() {
  $('error').hidden = true;
  $('error').classList.remove('notice');
  textFields.clearErrors();
  templateFields.clearErrors();
  $('poster-goto').hidden = true;
  $('key-box').classList.remove('invalid');
  for (const id of ['poster-error', 'key-error']) {
    $(id).hidden = true;
    $(id).textContent = '';
  }
  document.querySelectorAll('.field.invalid').forEach((el) => el.classList.remove('invalid'));
  document.querySelector('#panel-template .field[data-param="name"] .field-error').hidden = true;
}

/** Shows an error in the status box and next to the control of its param. */
function showError(e) {
  clearErrors();
  const err = e instanceof ApiError ? e : new ApiError(0, 'network', e?.message ?? String(e));
  $('error').hidden = false;
  const notice = err.code === 'key_needed';
  $('error').classList.toggle('notice', notice);
  $('error-status').textContent = err.status ? String(err.status) : '';
  $('error-code').textContent = err.code;
  $('error-code').hidden = notice;
  $('error-param').textContent = err.param ?? '';
  $('error-param-wrap').hidden = !err.param || notice;
  $('error-message').textContent = err.message;
  $('error').dataset.code = err.code;
  $('error').dataset.param = err.param ?? '';
  $('stage').classList.add('stale');
  if (!$('stage').classList.contains('loaded')) $('placeholder').textContent = notice ? 'Enter a signing key to preview.' : 'No image: see the error below.';
  if (notice) return;
  const line = `${err.code}: ${err.message}`;
  if (!err.param) return;
  if (err.param === 'authorization' || err.param === 'sig') {
    $('key-error').textContent = line;
    $('key-error').hidden = !state.signing;
    $('key-box').classList.toggle('invalid', state.signing);
    return;
  }
  if (state.mode === 'poster') {
    const text = $('poster-json').value;
    const at = err.param === '/' ? null : locateNearest(text, err.param);
    $('poster-error').textContent = err.param === '/' ? line : `${err.param}${at ? ` (line ${lineOf(text, at.start)})` : ''} — ${line}`;
    $('poster-error').hidden = false;
    if (at) {
      state.posterErrorAt = at;
      $('poster-goto').hidden = false;
    }
    $('poster-error').closest('.field').classList.add('invalid');
    return;
  }
  const fields = state.mode === 'text' ? textFields : templateFields;
  if (fields.showError(err.param, line)) return;
  if (state.mode === 'template' && err.param === 'name') {
    const f = document.querySelector('#panel-template .field[data-param="name"]');
    f.classList.add('invalid');
    f.querySelector('.field-error').textContent = line;
    f.querySelector('.field-error').hidden = false;
  }
}

// ---- sharing ---------------------------------------------------------------------------------

function snippetFor(kind) {
  const r = state.current;
  if (!r) return null;
  const origin = location.origin;
  if (r.kind === 'post') {
    if (kind !== 'curl') return null;
    return curlPost(origin, r.path, r.json, r.ext, state.signing);
  }
  const plain = buildPath(r.path, r.pairs);
  switch (kind) {
    case 'url': return origin + plain;
    case 'signed': return r.signed ? origin + r.signed : null;
    case 'img': {
      if (state.signing && !r.signed) return null;
      const one = state.signing ? r.signed : plain;
      const two = state.signing ? r.signed2x : buildPath(r.path, withDpr(r.pairs, 2));
      return imgTag(origin + one, origin + two, r.w, r.h, r.alt);
    }
    case 'curl': {
      if (state.signing && !r.signed) return null;
      const sig = r.signed ? new URL(r.signed, origin).searchParams.get('sig') : null;
      return curlGet(origin, r.path, sig ? [...r.pairs, ['sig', sig]] : r.pairs, r.ext);
    }
    default: return null;
  }
}

function updateShare() {
  const r = state.current;
  $('url-out').textContent = !r ? '' : r.kind === 'post' ? 'POST /render' : (r.signed ?? buildPath(r.path, r.pairs));
  for (const b of document.querySelectorAll('[data-copy]')) b.disabled = snippetFor(b.dataset.copy) === null;
}

async function copy(button) {
  const text = snippetFor(button.dataset.copy);
  if (text === null) return;
  const box = $('snippet');
  box.textContent = text;
  box.dataset.kind = button.dataset.copy;
  const label = button.dataset.label ?? (button.dataset.label = button.textContent);
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied ✓';
  } catch {
    // No clipboard (plain http on another host): select the snippet for Ctrl+C.
    getSelection().selectAllChildren(box);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => { button.textContent = label; }, 1500);
}

// ---- location hash: the settings survive a reload and can be shared --------------------------

function saveHash(req) {
  const hash = req.kind === 'get' ? `#${buildPath(req.path.slice(1), req.pairs)}` : '#poster';
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

function readHash() {
  const raw = location.hash.slice(1);
  if (raw === 'poster') return { mode: 'poster' };
  const m = /^(render|t\/([a-z0-9-]+))\.([a-z]+)(?:\?(.*))?$/.exec(raw);
  if (!m) return null;
  const values = Object.fromEntries(new URLSearchParams(m[4] ?? ''));
  values.format = m[3];
  return m[2] ? { mode: 'template', name: m[2], values } : { mode: 'text', values };
}

// ---- start -----------------------------------------------------------------------------------

function setMode(mode) {
  state.mode = mode;
  for (const m of ['text', 'template', 'poster']) {
    $(`tab-${m}`).setAttribute('aria-selected', String(m === mode));
    $(`tab-${m}`).tabIndex = m === mode ? 0 : -1;
    $(`panel-${m}`).hidden = m !== mode;
  }
  document.body.dataset.mode = mode;
  refresh();
}

async function main() {
  const [params, fonts] = await Promise.all([getJson('/playground/params.json'), getJson('/fonts')]);
  state.querySchema = params.render.query;
  state.defaults = params.render.defaults;
  state.formats = params.render.formats;
  state.signing = params.signing;
  $('key-box').hidden = !state.signing;
  document.querySelector('[data-copy="signed"]').hidden = !state.signing;
  buildTextControls([...Object.keys(fonts.generic), ...fonts.families.map((f) => f.name)]);
  const fromHash = readHash();
  setTextValues(fromHash?.mode === 'text' ? fromHash.values : INITIAL_TEXT);
  $('poster-json').value = JSON.stringify(INITIAL_POSTER, null, 2);

  $('text-reset').addEventListener('click', () => { setTextValues(INITIAL_TEXT); refresh(); });
  $('template-select').addEventListener('change', async () => { await selectTemplate($('template-select').value); refresh(); });
  $('template-to-poster').addEventListener('click', () => {
    if (!state.template?.document) return;
    $('poster-json').value = JSON.stringify(filledDocument(), null, 2);
    setMode('poster');
  });
  $('poster-json').addEventListener('input', schedule);
  $('poster-goto').addEventListener('click', () => {
    const ta = $('poster-json');
    const { start, end } = state.posterErrorAt;
    ta.focus();
    ta.setSelectionRange(start, start); // scrolls the line into view
    ta.setSelectionRange(start, end);
  });
  // Enter in a field never submits a form (the page's CSP has form-action 'none').
  for (const form of document.querySelectorAll('form')) form.addEventListener('submit', (ev) => ev.preventDefault());
  $('poster-format').addEventListener('click', () => {
    try {
      $('poster-json').value = JSON.stringify(JSON.parse($('poster-json').value), null, 2);
    } catch {
      refresh(); // shows where the JSON is broken
    }
  });
  $('poster-reset').addEventListener('click', () => { $('poster-json').value = JSON.stringify(INITIAL_POSTER, null, 2); refresh(); });
  $('key').addEventListener('input', schedule);
  for (const b of document.querySelectorAll('[data-copy]')) b.addEventListener('click', () => copy(b));
  const tabs = ['text', 'template', 'poster'];
  for (const m of tabs) {
    $(`tab-${m}`).addEventListener('click', () => setMode(m));
    $(`tab-${m}`).addEventListener('keydown', (ev) => {
      const d = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      const next = tabs[(tabs.indexOf(m) + d + tabs.length) % tabs.length];
      $(`tab-${next}`).focus();
      setMode(next);
    });
  }
  const templatesLoaded = loadTemplates(fromHash?.mode === 'template' ? fromHash : null).catch(showError);
  if (fromHash?.mode === 'template') await templatesLoaded;
  setMode(fromHash?.mode ?? 'text');
  document.body.classList.add('ready');
}

main().catch((e) => showError(e));
