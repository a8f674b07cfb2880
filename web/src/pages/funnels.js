// Funnels: ordered steps within a time window, with drop-off per step.
import { api } from '../api.js';
import { chart } from '../charts.js';
import { h, card, errorBox } from '../dom.js';
import { t, fmtNum, fmtPct } from '../i18n.js';

const DEFAULT_STEPS = 'content.clicked,visit,signup,order.paid';

export async function funnelsPage(root, state) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const steps = h('input#funnel-steps', { value: params.get('steps') || DEFAULT_STEPS, size: 48 });
  const days = h('input#funnel-window', { type: 'number', min: 1, max: 400, value: params.get('days') || 7 });
  const out = h('div', {});
  async function runFunnel() {
    try {
      const f = await api('/v1/metrics/funnel', { query: { community: state.community, steps: steps.value.replace(/\s+/g, ''), window: Number(days.value) * 86400 } });
      const el = h('div.chart', { id: 'chart-funnel' });
      out.replaceChildren(el, h('div.scroll', {}, h('table.table#funnel-table', {},
        h('thead', {}, h('tr', {}, [t('step'), t('count'), t('from_prev'), t('from_first'), t('dropped')].map((x) => h('th', {}, x)))),
        h('tbody', {}, f.steps.map((s) => h('tr', {}, h('td', {}, h('code', {}, s.type)), h('td.num', {}, fmtNum(s.count)),
          h('td.num', {}, fmtPct(s.from_previous)), h('td.num', {}, fmtPct(s.from_first)), h('td.num', {}, fmtNum(s.dropped))))))));
      chart(el, 'funnel', {
        tooltip: { trigger: 'axis' },
        grid: { left: 120, right: 40, top: 8, bottom: 24 },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', inverse: true, data: f.steps.map((s) => s.type) },
        series: [{ type: 'bar', data: f.steps.map((s) => s.count), label: { show: true, position: 'right' } }],
      });
    } catch (e) { out.replaceChildren(errorBox(e)); }
  }
  root.replaceChildren(card(t('funnel_title'),
    h('form.toolbar', { onsubmit: (e) => { e.preventDefault(); runFunnel(); } },
      h('label', {}, t('steps'), steps), h('label', {}, t('window_days'), days), h('button', { type: 'submit' }, t('run'))),
    h('p.muted', {}, t('funnel_allowed'), ' ', h('code', {}, 'member.joined, content.viewed, content.clicked, visit, signup, activity.joined, order.paid, checkin, survey.answered')),
    out));
  await runFunnel();
}
