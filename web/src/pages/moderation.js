// Moderation: the review queue (operators) — filters (status, rule,
// community), paging, each message masked by default or shown as written with
// the matched spans highlighted; a detail panel with the context messages, the
// audit of decisions and Confirm / Overturn with an optional note; the per-rule
// review statistics (analysts see only these); the ban list (read-only).
// API and formulas: docs/moderation.md#http-api, docs/dashboard.md.
import { api } from '../api.js';
import { h, card, errorBox } from '../dom.js';
import { t, fmtNum, fmtPct } from '../i18n.js';

const PAGE = 25;
const RANK = { viewer: 1, analyst: 2, operator: 3, admin: 4 };
const STATUSES = ['pending', 'confirmed', 'overturned', 'all'];

function when(s) { return s ? s.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z') : '–'; }

// Findings carry [start, end) as UTF-8 byte offsets into the text; the DOM
// works in UTF-16 code units. Returns sorted, merged [from, to) ranges in
// UTF-16 units. Offsets that fall inside a character widen to the whole
// character; offsets past the end are clamped.
export function byteSpansToUtf16(text, findings) {
  const enc = new TextEncoder();
  const starts = [];  // byte offset at which each code point starts, and its UTF-16 index
  let byte = 0;
  let unit = 0;
  for (const ch of text) {
    starts.push([byte, unit]);
    byte += enc.encode(ch).length;
    unit += ch.length;
  }
  starts.push([byte, unit]);
  const toUnit = (b, roundUp) => {
    // Last code point starting at or before b (roundUp: first starting at or after b).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid][0] <= b) lo = mid; else hi = mid - 1;
    }
    if (roundUp && starts[lo][0] < b && lo + 1 < starts.length) lo += 1;
    return starts[lo][1];
  };
  const ranges = (findings || [])
    .filter((f) => Number.isInteger(f.start) && Number.isInteger(f.end) && f.end > f.start)
    .map((f) => [toUnit(f.start, false), toUnit(f.end, true)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else merged.push([...r]);
  }
  return merged;
}

// The text as nodes: matched spans masked (one ＊ per character) or, with
// original, shown as <mark>.
function renderText(text, findings, original) {
  const out = [];
  let at = 0;
  for (const [a, b] of byteSpansToUtf16(text, findings)) {
    if (a > at) out.push(text.slice(at, a));
    const span = text.slice(a, b);
    out.push(original ? h('mark', {}, span) : h('span.masked', { title: t('masked') }, '＊'.repeat([...span].length)));
    at = b;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function ruleChips(rules) { return (rules || []).map((r) => h('span.chip', {}, r)); }

export async function moderationPage(root, state) {
  const operator = RANK[state.me.role] >= RANK.operator;
  const statsBox = h('div#review-stats-box', {});
  async function loadStats() {
    try {
      const s = await api('/v1/review/stats');
      statsBox.replaceChildren(statsTable(s.rules));
      return s.rules;
    } catch (e) {
      statsBox.replaceChildren(errorBox(e));
      return [];
    }
  }
  const rules = await loadStats();
  const statsCard = card(t('review_stats'), h('p.muted.small', {}, t('fp_formula')), statsBox);
  if (!operator) {
    root.replaceChildren(statsCard);
    return;
  }

  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const header = state.communities.find((c) => c.key === state.community);
  const f = {
    status: params.get('status') || 'pending', rule: params.get('rule') || '',
    community: params.get('community') || (header ? header.id : ''),
  };
  let offset = 0;
  let original = false;
  let selected = null;
  const ids = [...new Set(state.communities.map((c) => c.id))];
  const sel = (id, label, options, value, any) => h('label', {}, label, h('select#' + id, {},
    any ? h('option', { value: '' }, t('any')) : null,
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
  const form = h('form.toolbar.filters#review-filters', {
    onsubmit: (ev) => { ev.preventDefault(); readForm(); offset = 0; loadQueue(); },
  },
  sel('r-status', t('status'), STATUSES.map((s) => [s, t('status_' + s)]), f.status, false),
  sel('r-rule', t('rule'), rules.map((r) => [r.rule, r.rule]), f.rule, true),
  sel('r-community', t('community'), ids.map((c) => [c, c]), f.community, true),
  h('label.check', {}, h('input#r-original', {
    type: 'checkbox', onchange: (e) => { original = e.target.checked; loadQueue(); if (selected) loadDetail(selected); },
  }), t('show_original')),
  h('div.buttons', {}, h('button#r-apply', { type: 'submit' }, t('apply'))));
  function readForm() {
    for (const k of ['status', 'rule', 'community']) f[k] = form.querySelector('#r-' + k).value;
  }

  const queueStatus = h('div', {});
  const queueBody = h('div', {});
  const detail = h('div#review-detail', {}, h('p.muted', {}, t('pick_item')));

  async function loadQueue() {
    let data;
    try {
      data = await api('/v1/review', { query: { ...f, limit: PAGE, offset } });
    } catch (e) {
      queueStatus.replaceChildren(errorBox(e));
      queueBody.replaceChildren();
      return;
    }
    queueStatus.replaceChildren();
    const all = f.status === 'all';  // otherwise every row has the filtered status
    const rows = data.items.map((it) => h('tr', {
      'data-id': it.id, class: it.id === selected ? 'selected' : '', tabindex: 0,
      onclick: () => select(it.id),
      onkeydown: (e) => { if (e.key === 'Enter') select(it.id); },
    },
    h('td.nowrap', {}, when(it.ts || it.enqueued)),
    h('td', {}, it.community || '–'),
    h('td', {}, h('code', {}, it.member || '–')),
    h('td', {}, ruleChips(it.rules)),
    h('td.msg', {}, renderText(it.text || '', it.findings, original)),
    all ? h('td', {}, h('span', { class: 'badge st-' + it.status }, t('status_' + it.status))) : null));
    queueBody.replaceChildren(
      h('p.muted#review-total', { 'data-total': data.total }, t('review_total', { n: fmtNum(data.total) })),
      data.items.length
        ? h('div.scroll', {}, h('table.table#review-table', {},
          h('thead', {}, h('tr', {}, [t('when'), t('community'), t('member'), t('rules'), t('message'), all ? t('status') : null].filter(Boolean).map((x) => h('th', {}, x)))),
          h('tbody', {}, rows)))
        : h('p.muted', {}, t('queue_empty')),
      h('div.pager', {},
        h('button', { disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); loadQueue(); } }, t('prev')),
        h('span.muted', {}, `${data.total ? offset + 1 : 0}–${offset + data.items.length}`),
        h('button', { disabled: data.next_offset === null, onclick: () => { offset = data.next_offset; loadQueue(); } }, t('next'))));
  }

  function select(id) {
    selected = id;
    for (const tr of queueBody.querySelectorAll('#review-table tbody tr')) tr.classList.toggle('selected', Number(tr.dataset.id) === id);
    loadDetail(id);
    if (window.innerWidth <= 900) detail.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  async function loadDetail(id) {
    let it;
    try {
      it = await api('/v1/review/' + encodeURIComponent(id));
    } catch (e) {
      detail.replaceChildren(errorBox(e));
      return;
    }
    const note = h('textarea#review-note', { rows: 2, maxlength: 1000, placeholder: t('note_hint'), 'aria-label': t('note') });
    const msg = h('div', {});
    const decide = async (decision) => {
      try {
        await api(`/v1/review/${encodeURIComponent(id)}/decision`, { method: 'POST', body: { decision, note: note.value.trim() } });
        await Promise.all([loadDetail(id), loadQueue(), loadStats()]);
      } catch (e) { msg.replaceChildren(errorBox(e)); }
    };
    const ctx = it.context || [];
    const decisions = it.decisions || [];
    detail.replaceChildren(
      h('div.detail-head', {}, h('strong', {}, '#' + it.id), h('span', { class: 'badge st-' + it.status, 'data-status': it.status }, t('status_' + it.status)),
        h('span.muted', {}, t('action'), ': ', h('code', {}, it.action))),
      h('table.table.kv', {}, h('tbody', {},
        h('tr', {}, h('th', {}, t('when')), h('td', {}, when(it.ts))),
        h('tr', {}, h('th', {}, t('community')), h('td', {}, it.community || '–')),
        h('tr', {}, h('th', {}, t('member')), h('td', {}, h('code', {}, it.member || '–'))),
        h('tr', {}, h('th', {}, t('rules')), h('td', {}, ruleChips(it.rules))),
        h('tr', {}, h('th', {}, t('words')), h('td', {}, (it.findings || []).map((x) =>
          h('span.chip', {}, x.word ? `${x.word} · ${x.category || x.rule}` : x.detail || x.rule)))))),
      h('h3', {}, t('message')),
      h('blockquote.msg#review-text', {}, renderText(it.text || '', it.findings, true)),
      h('h3', {}, t('context')),
      ctx.length
        ? h('ul.plain.context', {}, ctx.map((c) => h('li', {}, h('span.muted.small', {}, when(c.ts), ' · ', c.member || ''), h('div', {}, c.text || ''))))
        : h('p.muted', {}, t('no_context')),
      h('h3', {}, t('audit')),
      decisions.length
        ? h('div.scroll', {}, h('table.table#review-audit', {},
          h('thead', {}, h('tr', {}, [t('when'), t('decision'), t('reviewer'), t('note')].map((x) => h('th', {}, x)))),
          h('tbody', {}, decisions.map((d) => h('tr', { 'data-decision': d.decision },
            h('td.nowrap', {}, when(d.decided)), h('td', {}, t('decision_' + d.decision)), h('td', {}, d.reviewer), h('td', {}, d.note || '–'))))))
        : h('p.muted', {}, t('no_decisions')),
      h('div.decide', {}, note,
        h('div.buttons', {},
          h('button.confirm#review-confirm', { type: 'button', onclick: () => decide('confirm') }, t('confirm')),
          h('button.overturn#review-overturn', { type: 'button', onclick: () => decide('overturn') }, t('overturn')))),
      msg);
  }

  const bansBox = h('div', {});
  root.replaceChildren(
    h('div.mod-grid', {},
      card(t('review_queue'), form, queueStatus, queueBody),
      h('section.card.detail-card', {}, h('h2', {}, t('review_item')), detail)),
    statsCard,
    card(t('bans'), bansBox));
  await Promise.all([loadQueue(), loadBans(bansBox)]);
}

function statsTable(rules) {
  if (!rules.length) return h('p.muted', {}, t('empty'));
  return h('div.scroll', {}, h('table.table#review-stats', {},
    h('thead', {}, h('tr', {}, [t('rule'), t('status_pending'), t('status_confirmed'), t('status_overturned'), t('fp_rate')].map((x) => h('th', {}, x)))),
    h('tbody', {}, rules.map((r) => h('tr', { 'data-rule': r.rule },
      h('td', {}, h('code', {}, r.rule)),
      h('td.num', {}, fmtNum(r.pending)),
      h('td.num', {}, fmtNum(r.confirmed)),
      h('td.num', {}, fmtNum(r.overturned)),
      h('td.num', { 'data-fp': r.false_positive_rate ?? '' }, fmtPct(r.false_positive_rate)))))));
}

async function loadBans(box) {
  try {
    const b = await api('/v1/moderation/bans');
    box.replaceChildren(b.bans.length
      ? h('div.scroll', {}, h('table.table#bans-table', {},
        h('thead', {}, h('tr', {}, [t('member'), t('reason'), t('banned_by'), t('when')].map((x) => h('th', {}, x)))),
        h('tbody', {}, b.bans.map((x) => h('tr', {}, h('td', {}, h('code', {}, x.member)), h('td', {}, x.reason || '–'),
          h('td', {}, x.by || '–'), h('td.nowrap', {}, when(x.created)))))))
      : h('p.muted#bans-empty', {}, t('no_bans')));
  } catch (e) { box.replaceChildren(errorBox(e)); }
}
