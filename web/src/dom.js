// Tiny DOM helpers: h('table.table#id', {attrs}, children…). Text is always
// set as text (never HTML), so API data cannot inject markup.
export function h(tag, attrs, ...children) {
  const name = tag.match(/^[a-z0-9]*/)[0] || 'div';
  const el = document.createElement(name);
  const classes = [];
  for (const [, kind, value] of tag.slice(name.length).matchAll(/([.#])([\w-]+)/g)) {
    if (kind === '#') el.id = value; else classes.push(value);
  }
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function card(title, ...body) {
  return h('section.card', {}, title ? h('h2', {}, title) : null, ...body);
}

export function errorBox(e) {
  return h('div.error', { role: 'alert' }, e && e.message ? e.message : String(e));
}
