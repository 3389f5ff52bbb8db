// Form controls built from a JSON schema: one field per parameter (text, number with a slider,
// choice, colour with picker helpers), each with its hint and a slot for the server's error.

let uid = 0;

/** Creates an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

let probe = null;
/** A colour as `#rrggbb` (and its alpha, 0–1) if the browser understands it (hex with or without #, CSS names, rgb()), else null. */
export function cssColorToHex(value) {
  const s = String(value).trim();
  if (!s) return null;
  const candidate = /^[0-9a-f]{3,8}$/i.test(s) ? `#${s}` : s;
  probe ??= document.createElement('canvas').getContext('2d');
  const seen = [];
  for (const sentinel of ['#010203', '#040506']) {
    probe.fillStyle = sentinel;
    probe.fillStyle = candidate;
    seen.push(probe.fillStyle);
  }
  if (seen[0] !== seen[1]) return null; // the sentinel survived: not a colour
  const out = seen[0];
  if (out.startsWith('#')) return { hex: out, alpha: 1 };
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/.exec(out);
  if (!m) return null;
  const hex = `#${[m[1], m[2], m[3]].map((n) => Number(n).toString(16).padStart(2, '0')).join('')}`;
  return { hex, alpha: m[4] === undefined ? 1 : Number(m[4]) };
}

/** What kind of control a query-schema property gets. */
export function kindOf(name, prop) {
  if (Array.isArray(prop.enum)) return 'choice';
  if (prop.type === 'number' || prop.type === 'integer') return 'number';
  if (numericMember(prop)) return 'number'; // e.g. a number or a keyword such as "auto": typed as text
  const desc = String(prop.description ?? '');
  if (/colou?r/i.test(desc) && /comma-separated/i.test(desc)) return 'colors';
  if (/colou?r/i.test(desc) || /colou?r/i.test(name)) return 'color';
  if (name === 'text' || (prop.maxLength ?? 0) > 200) return 'multiline';
  return 'string';
}

/** The numeric part of a property that also takes other values (type list, anyOf/oneOf): its bounds drive the slider. */
export function numericMember(prop) {
  const numeric = (t) => t === 'number' || t === 'integer';
  if (Array.isArray(prop.type) && prop.type.some(numeric)) return { ...prop, type: prop.type.find(numeric) };
  return [...(prop.anyOf ?? []), ...(prop.oneOf ?? [])].find((m) => numeric(m.type)) ?? null;
}

/** A set of fields in one form: values in order, set, and errors next to a field. */
export class FieldSet {
  constructor(form, onChange) {
    this.form = form;
    this.onChange = onChange;
    this.fields = new Map();
    this.prefix = `f${++uid}-`;
  }

  /** Removes every field. */
  clear() {
    this.form.replaceChildren();
    this.fields.clear();
  }

  /** A titled group to put fields in. */
  group(title) {
    const fs = h('fieldset', { class: 'group' }, h('legend', { text: title }));
    this.form.append(fs);
    return fs;
  }

  /**
   * Adds a field. spec: { name, kind: string|multiline|number|choice|color|colors, label?, hint?,
   * value?, placeholder?, min?, max?, integer?, options?, suggestions?, maxLength? }.
   */
  add(spec, parent = this.form) {
    const id = this.prefix + spec.name;
    const input = this.#control(spec, id);
    const label = h('label', { for: id }, h('span', { class: 'name', text: spec.label ?? spec.name }));
    if (spec.label && spec.label !== spec.name) label.append(h('code', { class: 'param', text: spec.name }));
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    const wrap = h('div', { class: `field kind-${spec.kind}`, 'data-param': spec.name }, label, input.el);
    if (spec.hint) wrap.append(h('p', { class: 'hint', text: spec.hint }));
    wrap.append(error);
    input.control.setAttribute('aria-describedby', `${id}-error`);
    parent.append(wrap);
    this.fields.set(spec.name, { spec, wrap, error, ...input });
    if (spec.value !== undefined) input.set(String(spec.value));
    return wrap;
  }

  #control(spec, id) {
    const fire = () => this.onChange();
    switch (spec.kind) {
      case 'choice': {
        const select = h('select', { id, name: spec.name });
        if (spec.placeholder !== undefined) select.append(h('option', { value: '', text: `default (${spec.placeholder})` }));
        for (const o of spec.options) select.append(h('option', { value: o, text: o }));
        select.addEventListener('change', fire);
        return { el: select, control: select, get: () => select.value, set: (v) => { select.value = v; } };
      }
      case 'number': {
        const text = h('input', { id, name: spec.name, type: 'text', inputmode: 'decimal', placeholder: spec.placeholder, spellcheck: 'false' });
        const bounded = Number.isFinite(spec.min) && Number.isFinite(spec.max);
        const span = spec.max - spec.min;
        const step = spec.integer ? 1 : span <= 10 ? 0.05 : span <= 400 ? 0.5 : 1;
        const range = bounded ? h('input', { type: 'range', min: spec.min, max: spec.max, step, tabindex: '-1', 'aria-hidden': 'true' }) : null;
        const sync = () => {
          const raw = text.value.trim() === '' ? spec.placeholder : text.value;
          if (range && raw !== undefined && Number.isFinite(Number(raw))) range.value = String(Number(raw));
        };
        text.addEventListener('input', () => { sync(); fire(); });
        range?.addEventListener('input', () => { text.value = range.value; fire(); });
        const el = h('div', { class: 'number' }, text, range);
        return { el, control: text, get: () => text.value.trim(), set: (v) => { text.value = v; sync(); } };
      }
      case 'color': case 'colors': {
        const text = h('input', { id, name: spec.name, type: 'text', placeholder: spec.placeholder, spellcheck: 'false', autocapitalize: 'off' });
        const swatches = h('span', { class: 'swatches' });
        const multi = spec.kind === 'colors';
        const items = () => (text.value.trim() === '' ? String(spec.placeholder ?? '') : text.value).split(multi ? ',' : /$^/).map((s) => s.trim());
        const paint = () => {
          const list = items();
          while (swatches.children.length > list.length) swatches.lastElementChild.remove();
          list.forEach((item, i) => {
            let picker = swatches.children[i];
            if (!picker) {
              picker = h('input', { type: 'color', 'aria-label': `${spec.name} colour ${i + 1} picker`, title: 'Pick a colour' });
              picker.addEventListener('input', () => {
                const now = items();
                const old = now[i] ?? '';
                const alpha = /^#?[0-9a-f]{8}$/i.test(old) ? old.slice(-2) : '';
                now[i] = picker.value.slice(1) + alpha;
                text.value = now.join(',');
                fire();
              });
              swatches.append(picker);
            }
            const c = cssColorToHex(item);
            picker.classList.toggle('unknown', !c);
            if (c && picker.value !== c.hex) picker.value = c.hex;
          });
        };
        text.addEventListener('input', () => { paint(); fire(); });
        const el = h('div', { class: 'color' }, swatches, text);
        paint();
        return { el, control: text, get: () => text.value.trim(), set: (v) => { text.value = v; paint(); } };
      }
      case 'multiline': {
        const area = h('textarea', { id, name: spec.name, rows: 3, placeholder: spec.placeholder, maxlength: spec.maxLength });
        area.addEventListener('input', fire);
        return { el: area, control: area, get: () => area.value, set: (v) => { area.value = v; } };
      }
      default: {
        const input = h('input', { id, name: spec.name, type: 'text', placeholder: spec.placeholder, spellcheck: 'false' });
        let el = input;
        if (spec.suggestions) {
          const list = h('datalist', { id: `${id}-list` }, ...spec.suggestions.map((s) => h('option', { value: s })));
          input.setAttribute('list', list.id);
          el = h('div', {}, input, list);
        }
        input.addEventListener('input', fire);
        return { el, control: input, get: () => input.value.trim(), set: (v) => { input.value = v; } };
      }
    }
  }

  /** Non-empty values as [name, value] pairs, in field order. */
  values() {
    const out = [];
    for (const [name, f] of this.fields) {
      const v = f.get();
      if (v !== '') out.push([name, v]);
    }
    return out;
  }

  /** The raw value of one field. */
  get(name) {
    return this.fields.get(name)?.get() ?? '';
  }

  /** Sets one field's value (no change event). */
  set(name, value) {
    this.fields.get(name)?.set(String(value));
  }

  /** Shows an error next to the field named `param`; false when there is no such field. */
  showError(param, message) {
    const f = this.fields.get(param);
    if (!f) return false;
    f.wrap.classList.add('invalid');
    f.control.setAttribute('aria-invalid', 'true');
    f.error.textContent = message;
    f.error.hidden = false;
    return true;
  }

  /** Clears every field error. */
  clearErrors() {
    for (const f of this.fields.values()) {
      f.wrap.classList.remove('invalid');
      f.control.removeAttribute('aria-invalid');
      f.error.hidden = true;
      f.error.textContent = '';
    }
  }
}
