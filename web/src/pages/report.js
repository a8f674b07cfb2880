// Weekly report: pick an ISO week, read the self-contained HTML report (the
// same bytes `qun report` writes) in a sandboxed frame, download it as HTML
// or Markdown. The report is fetched with the bearer token and shown through
// srcdoc, so the token never goes into a URL.
import { api, apiText } from '../api.js';
import { h, card } from '../dom.js';
import { t, getLang } from '../i18n.js';

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function reportPage(root, state) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const base = { community: state.community, lang: getLang() };
  const week = params.get('week') || '';
  // JSON first: it names the week the server chose when none was asked for.
  const doc = await api('/v1/reports/weekly', { query: { ...base, week, format: 'json' } });
  const html = await apiText('/v1/reports/weekly', { query: { ...base, week: doc.week, format: 'html' } });
  const input = h('input#report-week', { type: 'week', value: doc.week, 'aria-label': t('week_label') });
  const frame = h('iframe#report-frame', { title: t('report_title'), sandbox: 'allow-same-origin', srcdoc: html });
  const wrap = h('div.report-wrap', {}, frame);
  // The report is laid out for a page (print); on a narrow screen it is
  // drawn at REPORT_PX wide and scaled down to fit, like a PDF viewer.
  const REPORT_PX = 820;
  function fit() {
    const d = frame.contentDocument;
    if (!d || !d.documentElement) return;
    const s = Math.min(1, wrap.clientWidth / REPORT_PX);
    frame.style.width = s < 1 ? REPORT_PX + 'px' : '100%';
    frame.style.transform = s < 1 ? `scale(${s})` : '';
    const height = Math.max(600, d.documentElement.scrollHeight + 24);
    frame.style.height = height + 'px';
    wrap.style.height = Math.ceil(height * s) + 'px';
  }
  frame.addEventListener('load', fit);
  window.addEventListener('resize', fit);
  const file = `qun-report-${doc.week}-${getLang()}${state.community ? '-' + state.community.replace(/[^\w.-]+/g, '_') : ''}`;
  root.replaceChildren(card(t('report_title'),
    h('form.toolbar', {
      onsubmit: (ev) => {
        ev.preventDefault();
        if (input.value) location.hash = '#/report?week=' + encodeURIComponent(input.value);
      },
    },
    h('label', {}, t('week_label'), input),
    h('button', { type: 'submit' }, t('show')),
    h('button#download-html', { type: 'button', onclick: () => download(file + '.html', 'text/html', html) }, t('download_html')),
    h('button#download-md', {
      type: 'button',
      onclick: async () => download(file + '.md', 'text/markdown',
        await apiText('/v1/reports/weekly', { query: { ...base, week: doc.week, format: 'md' } })),
    }, t('download_md'))),
    h('p.muted#report-week-label', { 'data-week': doc.week }, t('report_week', { w: doc.week, from: doc.from, to: doc.to })),
    wrap));
}
