// Retention: the cohort matrix as a heatmap plus the numbers in a table.
import { api } from '../api.js';
import { chart } from '../charts.js';
import { h, card } from '../dom.js';
import { t, fmtNum, fmtPct } from '../i18n.js';

export async function retentionPage(root, state) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const g = params.get('granularity') || 'week';
  const data = await api('/v1/metrics/retention', { query: { community: state.community, granularity: g } });
  const cohorts = (data.cohorts || []).filter((c) => c.size > 0);
  const width = Math.min(13, Math.max(0, ...cohorts.map((c) => c.retained.length)));
  const cells = [];
  cohorts.forEach((c, i) => c.retained.slice(0, width).forEach((r, k) => cells.push([k, i, Math.round((r / c.size) * 1000) / 10, r])));
  const el = h('div.chart.tall', { id: 'chart-retention', style: `height:${Math.max(200, 30 * cohorts.length + 50)}px` });
  const select = h('select#granularity', { onchange: (e) => { location.hash = '#/retention?granularity=' + e.target.value; } },
    ['day', 'week', 'month'].map((x) => h('option', { value: x, selected: x === g }, t(x))));
  root.replaceChildren(card(t('retention_title'),
    h('div.toolbar', {}, h('label', { for: 'granularity' }, t('granularity')), select),
    h('p.muted', {}, t('retention_hint')),
    cohorts.length ? el : h('p.muted', {}, t('empty')),
    cohorts.length ? h('div.scroll', {}, h('table.table.matrix#retention-table', {},
      h('thead', {}, h('tr', {}, h('th', {}, t('cohort')), h('th', {}, t('size')), [...Array(width).keys()].map((k) => h('th', {}, '+' + k)))),
      h('tbody', {}, cohorts.map((c) => h('tr', {}, h('td', {}, c.cohort), h('td.num', {}, fmtNum(c.size)),
        c.retained.slice(0, width).map((r) => h('td.num', { style: `background:rgba(37,99,235,${(r / c.size) * 0.85})`, title: fmtNum(r) }, fmtPct(r / c.size)))))))) : null));
  if (!cohorts.length) return;
  chart(el, 'retention', {
    tooltip: { formatter: (p) => `${cohorts[p.value[1]].cohort} +${p.value[0]}: ${p.value[2]}% (${p.value[3]})` },
    grid: { left: 90, right: 16, top: 8, bottom: 28 },
    xAxis: { type: 'category', data: [...Array(width).keys()].map((k) => '+' + k) },
    yAxis: { type: 'category', data: cohorts.map((c) => c.cohort), inverse: true },
    visualMap: { show: false, min: 0, max: 100,
      inRange: { color: ['#eff6ff', '#60a5fa', '#1e40af'] } },
    series: [{ type: 'heatmap', data: cells, label: { show: width <= 13, formatter: (p) => p.value[2] + '%' } }],
  });
}
