// Overview: KPIs, DAU/WAU/MAU, lifecycle bars, peak-hour heatmap, anomalies.
import { api } from '../api.js';
import { chart } from '../charts.js';
import { h, card } from '../dom.js';
import { t, fmtNum, fmtPct } from '../i18n.js';

function kpi(id, label, value, sub) {
  return h('div.kpi', { 'data-kpi': id }, h('div.kpi-label', {}, label), h('div.kpi-value', {}, value),
    sub ? h('div.kpi-sub', {}, sub) : null);
}

export async function overviewPage(root, state) {
  const q = { community: state.community };
  const [stats, active, lifecycle, peak, anomalies] = await Promise.all([
    api('/v1/stats'),
    api('/v1/metrics/active', { query: { ...q, granularity: 'day' } }),
    api('/v1/metrics/lifecycle', { query: { ...q, granularity: 'week' } }),
    api('/v1/metrics/peak-hours', { query: q }),
    api('/v1/metrics/anomalies', { query: { ...q, series: 'dau' } }),
  ]);
  const series = active.series || [];
  const last = series[series.length - 1] || { dau: 0, wau: 0, mau: 0 };
  const comm = state.communities.find((c) => c.key === state.community);
  const activeEl = h('div.chart', { id: 'chart-active' });
  const lifeEl = h('div.chart', { id: 'chart-lifecycle' });
  const heatEl = h('div.chart.tall', { id: 'chart-heatmap' });
  root.replaceChildren(
    h('div.kpis', {},
      kpi('members', t('kpi_members'), fmtNum(stats.members)),
      kpi('events', t('kpi_events'), fmtNum(comm ? comm.events : stats.events)),
      kpi('dau', t('kpi_dau'), fmtNum(last.dau), last.date),
      kpi('wau', t('kpi_wau'), fmtNum(last.wau), last.date),
      kpi('mau', t('kpi_mau'), fmtNum(last.mau), last.date),
      kpi('stickiness', t('kpi_stickiness'), last.mau ? fmtPct(last.dau / last.mau) : '–')),
    card(t('chart_active'), activeEl),
    h('div.grid2', {}, card(t('chart_lifecycle'), lifeEl), card(t('chart_heatmap'), heatEl)),
    card(t('anomalies'), anomalyList(anomalies)));

  chart(activeEl, 'active', {
    tooltip: { trigger: 'axis' },
    legend: { data: [t('kpi_dau'), t('kpi_wau'), t('kpi_mau')], top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 56 },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    xAxis: { type: 'category', data: series.map((p) => p.date) },
    yAxis: { type: 'value' },
    series: [
      { name: t('kpi_dau'), type: 'line', showSymbol: false, data: series.map((p) => p.dau) },
      { name: t('kpi_wau'), type: 'line', showSymbol: false, data: series.map((p) => p.wau) },
      { name: t('kpi_mau'), type: 'line', showSymbol: false, data: series.map((p) => p.mau) },
    ],
  });

  const ls = lifecycle.series || [];
  chart(lifeEl, 'lifecycle', {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: ls.map((p) => p.period) },
    yAxis: { type: 'value' },
    series: [
      { name: t('lc_new'), type: 'bar', stack: 'a', data: ls.map((p) => p.new) },
      { name: t('lc_returning'), type: 'bar', stack: 'a', data: ls.map((p) => p.returning) },
      { name: t('lc_resurrecting'), type: 'bar', stack: 'a', data: ls.map((p) => p.resurrecting) },
      { name: t('lc_dormant'), type: 'bar', stack: 'a', data: ls.map((p) => -p.dormant), color: '#9ca3af' },
    ],
  });

  const cells = [];
  let max = 0;
  (peak.messages || []).forEach((row, w) => row.forEach((v, hr) => { cells.push([hr, w, v]); max = Math.max(max, v); }));
  chart(heatEl, 'heatmap', {
    tooltip: { position: 'top' },
    grid: { left: 48, right: 16, top: 8, bottom: 72 },
    xAxis: { type: 'category', data: [...Array(24).keys()].map(String), splitArea: { show: true } },
    yAxis: { type: 'category', data: t('weekdays'), inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: max || 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
      inRange: { color: ['#eff6ff', '#93c5fd', '#2563eb', '#1e3a8a'] } },
    series: [{ name: 'messages', type: 'heatmap', data: cells }],
  });
}

function anomalyList(a) {
  const items = a.anomalies || [];
  if (!items.length) return h('p.muted#anomalies', {}, t('no_anomalies'));
  return h('table.table#anomalies', {},
    h('thead', {}, h('tr', {}, h('th', {}, t('when')), h('th', {}, t('kpi_dau')), h('th', {}, t('expected')), h('th', {}, 'z'))),
    h('tbody', {}, items.slice(-20).reverse().map((x) => h('tr', {},
      h('td', {}, x.date),
      h('td', {}, fmtNum(x.value), ' ', h('span', { class: 'badge ' + x.direction }, x.direction === 'up' ? '▲ ' + t('anomaly_up') : '▼ ' + t('anomaly_down'))),
      h('td', {}, fmtNum(Math.round(x.expected * 10) / 10)), h('td', {}, Number(x.z).toFixed(2))))));
}
