// Pyramid & RFM: stage counts, the five pyramid levels with shares and the
// 7-day level transition rate, the RFM R × FM grid with tier counts, and the
// contribution 80/20 view (Lorenz curve). Formulas: docs/members.md.
import { api } from '../api.js';
import { chart } from '../charts.js';
import { h, card } from '../dom.js';
import { t, fmtNum, fmtPct } from '../i18n.js';

const STAGES = ['newcomer', 'active', 'silent', 'churn-risk', 'churned', 'resurrected'];

function kpi(id, label, value, sub) {
  return h('div.kpi', { 'data-kpi': id }, h('div.kpi-label', {}, label), h('div.kpi-value', {}, value),
    sub ? h('div.kpi-sub', {}, sub) : null);
}

export async function pyramidPage(root, state) {
  const q = { community: state.community };
  const [ov, rfm] = await Promise.all([
    api('/v1/members/overview', { query: q }),
    api('/v1/members/rfm', { query: q }),
  ]);
  const py = ov.pyramid;
  const tr = py.transition;
  const contrib = ov.contribution;
  const stagesEl = h('div.chart', { id: 'chart-stages' });
  const pyrEl = h('div.chart', { id: 'chart-pyramid' });
  const rfmEl = h('div.chart.tall', { id: 'chart-rfm' });
  const lorenzEl = h('div.chart', { id: 'chart-lorenz' });
  const levels = [...py.levels].reverse();  // L5 on top
  const tiers = Object.entries(rfm.rfm.tiers);
  root.replaceChildren(
    h('p.muted#as-of', {}, t('as_of', { d: ov.as_of })),
    h('div.kpis', {},
      kpi('members', t('kpi_members'), fmtNum(ov.members)),
      kpi('transition', t('transition_rate'), fmtPct(tr.transition_rate), `${tr.from} → ${tr.to}`),
      kpi('demotion', t('demotion_rate'), fmtPct(tr.demotion_rate)),
      kpi('top20', t('top20_share'), fmtPct(contrib.top20_share), `${fmtNum(contrib.top_n)} / ${fmtNum(contrib.members)}`),
      kpi('gini', t('gini'), contrib.gini.toFixed(3))),
    h('div.grid2', {},
      card(t('pyramid_title'), pyrEl,
        h('div.scroll', {}, h('table.table#pyramid-table', {},
          h('thead', {}, h('tr', {}, [t('level'), t('count'), t('share')].map((x) => h('th', {}, x)))),
          h('tbody', {}, levels.map((l) => h('tr', { 'data-level': l.level },
            h('td', {}, t('level_' + l.level)), h('td.num', {}, fmtNum(l.count)), h('td.num', {}, fmtPct(l.share))))))),
        h('p.muted.small', {}, t('transition_hint', { from: tr.from, to: tr.to, up: tr.promoted, eu: tr.eligible_up, down: tr.demoted, ed: tr.eligible_down }))),
      card(t('stages_title'), stagesEl)),
    h('div.grid2', {},
      card(t('rfm_title'), rfmEl, rfm.rfm.has_orders ? null : h('p.muted.small', {}, t('no_orders'))),
      card(t('rfm_tiers'), h('div.scroll', {}, h('table.table#rfm-table', {},
        h('thead', {}, h('tr', {}, [t('tier'), t('count'), t('share')].map((x) => h('th', {}, x)))),
        h('tbody', {}, tiers.map(([slug, n]) => h('tr', { 'data-tier': slug },
          h('td', {}, t('rfm_' + slug)), h('td.num', {}, fmtNum(n)),
          h('td.num', {}, rfm.rfm.members ? fmtPct(n / rfm.rfm.members) : '–')))))))),
    card(t('contribution_title'), lorenzEl));

  chart(pyrEl, 'pyramid', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 96, right: 56, top: 8, bottom: 24 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: levels.map((l) => t('level_' + l.level)) },
    series: [{ name: t('count'), type: 'bar', data: levels.map((l) => l.count), barWidth: '60%',
      label: { show: true, position: 'right', formatter: (p) => fmtPct(levels[p.dataIndex].share) } }],
  });
  chart(stagesEl, 'stages', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 48, right: 16, top: 16, bottom: 48 },
    xAxis: { type: 'category', data: STAGES.map((s) => t('stage_' + s)), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value' },
    series: [{ name: t('count'), type: 'bar', data: STAGES.map((s) => ov.stages[s] || 0), label: { show: true, position: 'top' } }],
  });
  // R on the y axis (5 = most recent on top), FM on the x axis.
  const narrow = rfmEl.clientWidth < 520;
  const cells = [];
  let max = 0;
  rfm.grid.counts.forEach((row, r) => row.forEach((n, fm) => { cells.push([fm, r, n]); max = Math.max(max, n); }));
  chart(rfmEl, 'rfm', {
    tooltip: { formatter: (p) => `R${p.data[1] + 1} · FM${p.data[0] + 1}<br>${t('rfm_' + rfm.grid.tiers[p.data[1]][p.data[0]])}: ${fmtNum(p.data[2])}` },
    grid: { left: 56, right: 16, top: 8, bottom: 48 },
    xAxis: { type: 'category', name: t('fm'), nameLocation: 'middle', nameGap: 28, data: ['1', '2', '3', '4', '5'] },
    yAxis: { type: 'category', name: 'R', data: ['1', '2', '3', '4', '5'] },
    visualMap: { show: false, min: 0, max: max || 1, inRange: { color: ['#eff6ff', '#93c5fd', '#2563eb'] } },
    series: [{ name: 'rfm', type: 'heatmap', data: cells,
      // Tier names fit the cells from about 520 px; narrower, the tooltip has them.
      label: { show: true, fontSize: 10, lineHeight: 13,
        formatter: (p) => (narrow ? fmtNum(p.data[2]) : `${fmtNum(p.data[2])}\n${t('rfm_' + rfm.grid.tiers[p.data[1]][p.data[0]])}`) } }],
  });
  chart(lorenzEl, 'lorenz', {
    tooltip: { trigger: 'axis', valueFormatter: (v) => fmtPct(v) },
    legend: { top: 0 },
    grid: { left: 56, right: 24, top: 36, bottom: 48 },
    xAxis: { type: 'value', min: 0, max: 1, name: t('lorenz_members'), nameLocation: 'middle', nameGap: 28,
      axisLabel: { formatter: (v) => Math.round(v * 100) + '%' } },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v) => Math.round(v * 100) + '%' } },
    series: [
      { name: t('lorenz_contrib'), type: 'line', showSymbol: false, data: contrib.lorenz, areaStyle: { opacity: 0.15 } },
      { name: t('equality'), type: 'line', showSymbol: false, data: [[0, 0], [1, 1]], lineStyle: { type: 'dashed' }, color: '#9ca3af' },
    ],
  });
}
