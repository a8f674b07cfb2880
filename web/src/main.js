// The qun dashboard: a single page app over the /v1 API. Hash routes:
//   #/overview  #/members  #/members/<id>  #/pyramid  #/health  #/report?week=
//   #/retention  #/funnels  #/communities  #/moderation
import './style.css';
import { api, getToken, setToken, clearToken, ApiError } from './api.js';
import { t, getLang, setLang } from './i18n.js';
import { h, errorBox } from './dom.js';
import { disposeAll } from './charts.js';
import { overviewPage } from './pages/overview.js';
import { membersPage, memberPage } from './pages/members.js';
import { retentionPage } from './pages/retention.js';
import { funnelsPage } from './pages/funnels.js';
import { communitiesPage } from './pages/communities.js';
import { pyramidPage } from './pages/pyramid.js';
import { healthPage } from './pages/health.js';
import { reportPage } from './pages/report.js';
import { moderationPage } from './pages/moderation.js';

const app = document.getElementById('app');
const state = { me: null, community: localStorage.getItem('qun.community') || '', communities: [] };

const PAGES = [
  { path: 'overview', label: 'nav_overview', render: overviewPage },
  { path: 'members', label: 'nav_members', render: membersPage, role: 'analyst' },
  { path: 'pyramid', label: 'nav_pyramid', render: pyramidPage },
  { path: 'health', label: 'nav_health', render: healthPage },
  { path: 'report', label: 'nav_report', render: reportPage, role: 'analyst' },
  { path: 'retention', label: 'nav_retention', render: retentionPage },
  { path: 'funnels', label: 'nav_funnels', render: funnelsPage },
  { path: 'communities', label: 'nav_communities', render: communitiesPage },
  // Analysts see only the per-rule statistics; the queue and bans need operator.
  { path: 'moderation', label: 'nav_moderation', render: moderationPage, role: 'analyst' },
];
const RANK = { viewer: 1, analyst: 2, operator: 3, admin: 4 };

function signIn(message) {
  disposeAll();
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'qun_…', 'aria-label': t('token') });
  const err = h('div.error', { hidden: !message, role: 'alert' }, message || '');
  const form = h('form.signin', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        state.me = await api('/v1/whoami', { token: input.value.trim() });
        setToken(input.value.trim());
        route();
      } catch (e) {
        err.hidden = false;
        err.textContent = e instanceof ApiError && e.status === 401 ? t('bad_token') : e.message;
      }
    },
  },
  h('div.logo', {}, t('brand')), h('h1', {}, t('signin_title')), h('p.hint', {}, t('signin_hint')),
  h('label', { for: 'token' }, t('token')), input, err, h('button', { type: 'submit', id: 'signin' }, t('signin')),
  h('button.link', { type: 'button', onclick: () => { setLang(getLang() === 'zh' ? 'en' : 'zh'); signIn(); } }, t('lang')));
  app.replaceChildren(h('main.signin-wrap', {}, form));
  input.focus();
}

function shell(active, content) {
  const select = h('select#community', {
    'aria-label': t('community'),
    onchange: (e) => { state.community = e.target.value; localStorage.setItem('qun.community', state.community); route(); },
  }, h('option', { value: '' }, t('all_communities')),
  state.communities.map((c) => h('option', { value: c.key, selected: c.key === state.community }, `${c.id} · ${c.platform}`)));
  const nav = h('nav', {}, PAGES.filter((p) => !p.role || RANK[state.me.role] >= RANK[p.role]).map((p) =>
    h('a', { href: '#/' + p.path, class: active === p.path ? 'active' : '' }, t(p.label))));
  const header = h('header', {},
    h('a.logo', { href: '#/overview' }, t('brand'), h('span.tag', {}, t('tagline'))), nav,
    h('div.tools', {}, select,
      h('button.link', { onclick: () => { setLang(getLang() === 'zh' ? 'en' : 'zh'); route(); } }, t('lang')),
      h('span.who', { title: state.me.role }, state.me.name, ' · ', state.me.role),
      h('button.link#signout', { onclick: () => { clearToken(); state.me = null; signIn(); } }, t('signout'))));
  app.replaceChildren(header, h('main', {}, content));
}

async function route() {
  disposeAll();
  setLang(getLang());
  if (!getToken()) return signIn();
  try {
    if (!state.me) state.me = await api('/v1/whoami');
    if (!state.communities.length) state.communities = (await api('/v1/communities')).communities;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { clearToken(); return signIn(t('bad_token')); }
    return app.replaceChildren(errorBox(e));
  }
  if (state.community && !state.communities.some((c) => c.key === state.community)) state.community = '';
  const parts = (location.hash.replace(/^#\/?/, '').split('?')[0] || 'overview').split('/');
  const content = h('div.page', {}, h('p.loading', {}, t('loading')));
  if (parts[0] === 'members' && parts[1]) {
    shell('members', content);
    return run(() => memberPage(content, decodeURIComponent(parts[1]), state));
  }
  const page = PAGES.find((p) => p.path === parts[0]) || PAGES[0];
  shell(page.path, content);
  if (page.role && RANK[state.me.role] < RANK[page.role])
    return content.replaceChildren(errorBox(t('no_access', { role: state.me.role })));
  return run(() => page.render(content, state));
}

async function run(fn) {
  try { await fn(); } catch (e) {
    if (e instanceof ApiError && e.status === 401) { clearToken(); return signIn(t('bad_token')); }
    const main = app.querySelector('main .page');
    if (main) main.replaceChildren(errorBox(e));
  }
  document.body.dataset.ready = location.hash || '#/overview';
}

window.addEventListener('hashchange', route);
route();
