// Members: a filtered, sorted, paged table (stage, level, RFM tier, tag,
// saved segment, a filter expression, search); saved segments (operators
// save and delete them); a member's profile with accounts, attributes, merges,
// intelligence (stage, level, RFM, contribution, tags — operators add and
// remove manual tags) and the event timeline. Filter language:
// docs/members.md §8.
import { api } from '../api.js';
import { h, card, errorBox } from '../dom.js';
import { t, fmtNum } from '../i18n.js';

const PAGE = 25;
const RANK = { viewer: 1, analyst: 2, operator: 3, admin: 4 };
const STAGES = ['newcomer', 'active', 'silent', 'churn-risk', 'churned', 'resurrected'];
const LEVELS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L3+', 'L4+'];
const TIERS = ['champions', 'loyal', 'potential_loyalist', 'new', 'promising', 'need_attention', 'about_to_sleep',
  'at_risk', 'cant_lose_them', 'hibernating', 'lost'];

function when(s) { return s ? s.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z') : '–'; }
function canEdit(state) { return RANK[state.me.role] >= RANK.operator; }

function select(id, label, options, value) {
  return h('label', {}, label, h('select#' + id, {},
    h('option', { value: '' }, t('any')),
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

// The segment-language text for the current selections (docs/members.md §8).
function filterText(f) {
  const parts = [];
  const q = (v) => (v.includes('"') ? `'${v}'` : `"${v}"`);
  if (f.stage) parts.push(`stage=${q(f.stage)}`);
  if (f.level) parts.push(f.level.endsWith('+') ? `level>=${f.level.slice(0, -1)}` : `level=${f.level}`);
  if (f.rfm) parts.push(`rfm=${q(f.rfm)}`);
  if (f.tag) parts.push(`tag:${q(f.tag)}`);
  if (f.where) parts.push(`(${f.where})`);
  return parts.join(' and ');
}

export async function membersPage(root, state) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const f = {
    q: params.get('q') || '', stage: params.get('stage') || '', level: params.get('level') || '',
    rfm: params.get('rfm') || '', tag: params.get('tag') || '', segment: params.get('segment') || '',
    where: params.get('where') || '', sort: params.get('sort') || 'events',
  };
  let offset = 0;
  const [tags, segs] = await Promise.all([
    api('/v1/tags', { query: { community: state.community } }),
    api('/v1/segments'),
  ]);
  const input = h('input#member-search', { type: 'search', placeholder: t('search'), value: f.q });
  const where = h('input#member-where', { type: 'text', placeholder: t('where_hint'), value: f.where });
  const form = h('form.toolbar.filters#member-filters', {
    onsubmit: (ev) => { ev.preventDefault(); readForm(); offset = 0; load(); },
  },
  h('label.grow', {}, t('search'), input),
  select('f-stage', t('stage'), STAGES.map((s) => [s, t('stage_' + s)]), f.stage),
  select('f-level', t('level'), LEVELS.map((l) => [l, l.endsWith('+') ? `≥ ${t('level_' + l[1])}` : t('level_' + l[1])]), f.level),
  select('f-rfm', t('rfm'), TIERS.map((s) => [s, t('rfm_' + s)]), f.rfm),
  select('f-tag', t('tag'), tags.tags.map((x) => [x.tag, `${x.tag} (${x.members})`]), f.tag),
  select('f-segment', t('segment'), segs.segments.map((s) => [s.name, s.name]), f.segment),
  h('label', {}, t('sort'), h('select#f-sort', {},
    ['events', 'contribution', 'last_seen', 'id'].map((s) => h('option', { value: s, selected: s === f.sort }, t('sort_' + s))))),
  h('label.grow', {}, t('where'), where),
  h('div.buttons', {},
    h('button#apply-filters', { type: 'submit' }, t('apply')),
    h('button', { type: 'button', onclick: () => { location.hash = '#/members?r=' + Date.now(); } }, t('clear'))));
  function readForm() {
    f.q = input.value.trim();
    f.where = where.value.trim();
    for (const k of ['stage', 'level', 'rfm', 'tag', 'segment', 'sort']) f[k] = form.querySelector('#f-' + k).value;
  }
  const status = h('div', {});
  const body = h('div', {});
  async function load() {
    status.replaceChildren();
    let data;
    try {
      data = await api('/v1/members', { query: { ...f, community: state.community, limit: PAGE, offset } });
    } catch (e) {
      status.replaceChildren(errorBox(e));
      body.replaceChildren();
      return;
    }
    const rows = data.members.map((m) => h('tr', { 'data-id': m.id },
      h('td', {}, h('a', { href: '#/members/' + m.id }, '#' + m.id)),
      h('td', {}, m.name || '–'),
      h('td', {}, m.stage ? t('stage_' + m.stage) : '–'),
      h('td', {}, m.level ? 'L' + m.level : '–'),
      h('td', {}, m.rfm ? t('rfm_' + m.rfm.tier_slug) : '–'),
      h('td.num', {}, m.contribution === undefined ? '–' : fmtNum(m.contribution)),
      h('td', {}, (m.tags || []).map((x) => h('span.chip', {}, x))),
      h('td.num', {}, fmtNum(m.events)),
      h('td', {}, when(m.last_seen))));
    body.replaceChildren(
      h('p.muted#members-total', { 'data-total': data.total }, t('members_total', { n: fmtNum(data.total) }), ' · ', t('as_of', { d: data.as_of })),
      h('div.scroll', {}, h('table.table#members-table', {},
        h('thead', {}, h('tr', {}, [t('member'), t('name'), t('stage'), t('level'), t('rfm'), t('contribution'), t('tags'), t('events'), t('last_seen')]
          .map((x) => h('th', {}, x)))),
        h('tbody', {}, rows))),
      h('div.pager', {},
        h('button', { disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, t('prev')),
        h('span.muted', {}, `${data.total ? offset + 1 : 0}–${offset + data.members.length}`),
        h('button', { disabled: offset + PAGE >= data.total, onclick: () => { offset += PAGE; load(); } }, t('next'))));
  }
  let timer;
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { readForm(); offset = 0; load(); }, 250); });
  root.replaceChildren(card(t('nav_members'), form, status, body), segmentsCard(segs, state, f, readForm));
  await load();
}

function segmentsCard(segs, state, f, readForm) {
  const edit = canEdit(state);
  const msg = h('div', {});
  const name = h('input#segment-name', { type: 'text', placeholder: t('segment_name'), maxlength: 64 });
  const list = segs.segments.length
    ? h('div.scroll', {}, h('table.table#segments-table', {},
      h('thead', {}, h('tr', {}, [t('segment_name'), t('where'), t('count'), ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, segs.segments.map((s) => h('tr', { 'data-segment': s.name },
        h('td', {}, h('a', { href: '#/members?segment=' + encodeURIComponent(s.name) }, s.name)),
        h('td', {}, h('code', {}, s.filter)),
        h('td.num', {}, s.members === null ? '?' : fmtNum(s.members)),
        h('td', {}, edit ? h('button.link.danger', {
          type: 'button',
          onclick: async () => {
            if (!window.confirm(t('confirm_delete', { n: s.name }))) return;
            try {
              await api('/v1/segments/' + encodeURIComponent(s.name), { method: 'DELETE' });
              location.hash = '#/members?r=' + Date.now();
            } catch (e) { msg.replaceChildren(errorBox(e)); }
          },
        }, t('delete')) : null))))))
    : h('p.muted', {}, t('no_segments'));
  const save = edit ? h('form.toolbar#segment-save', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      readForm();
      try {
        const s = await api('/v1/segments', { method: 'POST', body: { name: name.value.trim(), filter: filterText(f) } });
        location.hash = '#/members?segment=' + encodeURIComponent(s.name);
      } catch (e) { msg.replaceChildren(errorBox(e)); }
    },
  }, h('label', {}, t('segment_name'), name), h('button', { type: 'submit' }, t('save_segment'))) : null;
  return card(t('segments'), list, save, msg);
}

export async function memberPage(root, id, state) {
  const [m, tl] = await Promise.all([
    api('/v1/members/' + encodeURIComponent(id)),
    api('/v1/members/' + encodeURIComponent(id) + '/timeline', { query: { limit: 50 } }),
  ]);
  let prof = null;
  try {
    prof = await api('/v1/members/' + encodeURIComponent(id) + '/profile');
  } catch (e) {
    if (e.status !== 404) throw e;  // no events in scope: no profile
  }
  const attrs = Object.entries(m.attributes || {});
  const tbody = h('tbody', {});
  let next = tl.next_offset;
  const more = h('button', { hidden: next === null, onclick: async () => {
    const page = await api('/v1/members/' + encodeURIComponent(id) + '/timeline', { query: { limit: 50, offset: next } });
    addRows(page.events); next = page.next_offset; more.hidden = next === null;
  } }, t('load_more'));
  function addRows(events) {
    for (const e of events) tbody.append(h('tr', {}, h('td', {}, when(e.ts)), h('td', {}, h('code', {}, e.type)), h('td', {}, e.community), h('td', {}, e.account)));
  }
  addRows(tl.events);
  root.replaceChildren(...[
    h('a.back', { href: '#/members' }, t('back')),
    h('div.profile-head', {}, h('h1#member-name', {}, m.name || t('member') + ' #' + m.id), h('span.muted', {}, '#' + m.id)),
    h('div.kpis', {},
      h('div.kpi', { 'data-kpi': 'events' }, h('div.kpi-label', {}, t('events')), h('div.kpi-value', {}, fmtNum(m.events))),
      h('div.kpi', {}, h('div.kpi-label', {}, t('first_seen')), h('div.kpi-value.small', {}, when(m.first_seen))),
      h('div.kpi', {}, h('div.kpi-label', {}, t('last_seen')), h('div.kpi-value.small', {}, when(m.last_seen)))),
    prof ? profileCard(prof, m.id, state) : null,
    h('div.grid2', {},
      card(t('accounts'), h('ul.plain', {}, m.accounts.map((a) => h('li', {}, h('code', {}, a))))),
      card(t('attributes'), attrs.length ? h('table.table', {}, h('tbody', {}, attrs.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))) : h('p.muted', {}, t('none')))),
    m.merges.length ? card(t('merges'), h('ul.plain', {}, m.merges.map((x) => h('li', {}, `#${x.from} → #${x.into} · ${x.reason}${x.undone ? ' (undone)' : ''}`)))) : null,
    card(t('timeline'), h('div.scroll', {}, h('table.table#timeline', {},
      h('thead', {}, h('tr', {}, [t('when'), t('type'), t('community'), t('account')].map((x) => h('th', {}, x)))), tbody)), more),
  ].filter(Boolean));
}

function profileCard(p, id, state) {
  const edit = canEdit(state);
  const msg = h('div', {});
  const manual = new Set(p.manual_tags || []);
  const reload = () => { window.dispatchEvent(new HashChangeEvent('hashchange')); };
  const chips = h('div.chips#member-tags', {},
    p.tags.map((x) => h('span.chip', { class: manual.has(x) ? 'chip manual' : 'chip', 'data-tag': x }, x,
      edit && manual.has(x) ? h('button.chip-x', {
        type: 'button', title: t('remove_tag', { t: x }), 'aria-label': t('remove_tag', { t: x }),
        onclick: async () => {
          try {
            await api(`/v1/members/${id}/tags/${encodeURIComponent(x)}`, { method: 'DELETE' });
            reload();
          } catch (e) { msg.replaceChildren(errorBox(e)); }
        },
      }, '×') : null)));
  const tagInput = h('input#tag-input', { type: 'text', placeholder: t('add_tag'), maxlength: 64 });
  const add = edit ? h('form.toolbar#tag-form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const tag = tagInput.value.trim();
      if (!tag) return;
      try {
        await api(`/v1/members/${id}/tags`, { method: 'POST', body: { tags: [tag] } });
        reload();
      } catch (e) { msg.replaceChildren(errorBox(e)); }
    },
  }, tagInput, h('button', { type: 'submit' }, t('add_tag'))) : null;
  const history = (p.level_history || []).map((x) => `${x.date} L${x.level}`).join(' → ');
  return card(t('profile'),
    h('table.table.kv#member-profile', {}, h('tbody', {},
      h('tr', {}, h('th', {}, t('stage')), h('td', { 'data-stage': p.stage || '' }, p.stage ? t('stage_' + p.stage) : '–')),
      h('tr', {}, h('th', {}, t('level')), h('td', { 'data-level': p.level }, p.level ? t('level_' + p.level) : '–')),
      h('tr', {}, h('th', {}, t('rfm')), h('td', {}, p.rfm ? `${t('rfm_' + p.rfm.tier_slug)} (R${p.rfm.r} F${p.rfm.f} M${p.rfm.m})` : '–')),
      h('tr', {}, h('th', {}, t('contribution')), h('td', { 'data-contribution': p.contribution }, fmtNum(p.contribution))),
      h('tr', {}, h('th', {}, t('active_days')), h('td', {}, fmtNum(p.active_days))),
      h('tr', {}, h('th', {}, t('level_history')), h('td', {}, history || '–')),
      h('tr', {}, h('th', {}, t('tags')), h('td', {}, chips, add, msg)))));
}
