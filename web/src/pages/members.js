// Members: searchable, paged table; profile with accounts, attributes,
// merges and the event timeline.
import { api } from '../api.js';
import { h, card } from '../dom.js';
import { t, fmtNum } from '../i18n.js';

const PAGE = 25;

function when(s) { return s ? s.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z') : '–'; }

export async function membersPage(root, state) {
  let offset = 0;
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const input = h('input#member-search', { type: 'search', placeholder: t('search'), value: params.get('q') || '' });
  const body = h('div', {});
  async function load() {
    const data = await api('/v1/members', { query: { q: input.value.trim(), community: state.community, limit: PAGE, offset } });
    const rows = data.members.map((m) => h('tr', {},
      h('td', {}, h('a', { href: '#/members/' + m.id }, '#' + m.id)),
      h('td', {}, m.name || '–'),
      h('td.accounts', {}, m.accounts.join(', ')),
      h('td.num', {}, fmtNum(m.events)),
      h('td', {}, when(m.first_seen)), h('td', {}, when(m.last_seen))));
    body.replaceChildren(
      h('p.muted#members-total', { 'data-total': data.total }, t('members_total', { n: fmtNum(data.total) })),
      h('div.scroll', {}, h('table.table#members-table', {},
        h('thead', {}, h('tr', {}, [t('member'), t('name'), t('accounts'), t('events'), t('first_seen'), t('last_seen')].map((x) => h('th', {}, x)))),
        h('tbody', {}, rows))),
      h('div.pager', {},
        h('button', { disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, t('prev')),
        h('span.muted', {}, `${data.total ? offset + 1 : 0}–${offset + data.members.length}`),
        h('button', { disabled: offset + PAGE >= data.total, onclick: () => { offset += PAGE; load(); } }, t('next'))));
  }
  let timer;
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { offset = 0; load(); }, 250); });
  root.replaceChildren(card(t('nav_members'), h('div.toolbar', {}, input), body));
  await load();
}

export async function memberPage(root, id, state) {
  const [m, tl] = await Promise.all([
    api('/v1/members/' + encodeURIComponent(id)),
    api('/v1/members/' + encodeURIComponent(id) + '/timeline', { query: { limit: 50 } }),
  ]);
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
    h('div.grid2', {},
      card(t('accounts'), h('ul.plain', {}, m.accounts.map((a) => h('li', {}, h('code', {}, a))))),
      card(t('attributes'), attrs.length ? h('table.table', {}, h('tbody', {}, attrs.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))) : h('p.muted', {}, t('none')))),
    m.merges.length ? card(t('merges'), h('ul.plain', {}, m.merges.map((x) => h('li', {}, `#${x.from} → #${x.into} · ${x.reason}${x.undone ? ' (undone)' : ''}`)))) : null,
    card(t('timeline'), h('div.scroll', {}, h('table.table#timeline', {},
      h('thead', {}, h('tr', {}, [t('when'), t('type'), t('community'), t('account')].map((x) => h('th', {}, x)))), tbody)), more),
  ].filter(Boolean));
}
