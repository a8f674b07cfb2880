// Communities: every group/channel the workspace knows, with its activity span.
import { h, card } from '../dom.js';
import { t, fmtNum } from '../i18n.js';

export async function communitiesPage(root, state) {
  const rows = [...state.communities].sort((a, b) => b.events - a.events);
  root.replaceChildren(card(t('communities_title'), h('div.scroll', {}, h('table.table#communities-table', {},
    h('thead', {}, h('tr', {}, [t('community'), t('platform'), t('events'), t('first_seen'), t('last_seen')].map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((c) => h('tr', {},
      h('td', {}, h('a', { href: '#/overview', onclick: () => { state.community = c.key; localStorage.setItem('qun.community', c.key); } }, c.id)),
      h('td', {}, c.platform), h('td.num', {}, fmtNum(c.events)),
      h('td', {}, (c.first_event || '–').slice(0, 10)), h('td', {}, (c.last_event || '–').slice(0, 10)))))))));
}
