// Health: the 0–100 community health score as a gauge with its grade and
// maturity, the ten indicators (score out of 10 and the measured value), and
// a concrete suggestion for every weak one, in the UI language
// (docs/health.md).
import { api } from '../api.js';
import { chart } from '../charts.js';
import { h, card } from '../dom.js';
import { t, getLang } from '../i18n.js';

export async function healthPage(root, state) {
  const hs = await api('/v1/health', { query: { community: state.community, lang: getLang() } });
  const gaugeEl = h('div.chart.gauge', { id: 'chart-health' });
  const weak = hs.indicators.filter((i) => i.weak);
  root.replaceChildren(
    h('p.muted#as-of', {}, t('as_of', { d: hs.as_of })),
    h('div.grid2.health-top', {},
      card(t('health_title'), gaugeEl,
        h('div.grade-line', {},
          h('span.grade#health-grade', { 'data-grade': hs.grade }, hs.grade),
          h('span#health-score', { 'data-score': hs.score }, `${hs.score} / 100`),
          h('span.muted', {}, `${t('maturity')}: ${hs.maturity}`))),
      card(t('suggestions'), weak.length
        ? h('ul.suggestions#suggestions', {}, weak.map((i) => h('li', { 'data-id': i.id },
          h('strong', {}, i.name), h('span.badge.down', {}, i.no_data ? t('no_data') : t('weak')), h('p', {}, i.suggestion))))
        : h('p.muted#suggestions', {}, t('no_suggestions')))),
    card(t('indicators'), h('div.scroll', {}, h('table.table#indicators', {},
      h('thead', {}, h('tr', {}, [t('indicator'), t('score'), '', t('value')].map((x) => h('th', {}, x)))),
      h('tbody', {}, hs.indicators.map((i) => h('tr', { 'data-id': i.id, class: i.weak ? 'weak' : '' },
        h('td', {}, i.name),
        h('td.num', { 'data-score': i.score }, `${i.score.toFixed(1)} / ${i.max}`),
        h('td.barcell', {}, h('div.scorebar', {}, h('div', { style: `width:${Math.max(0, Math.min(100, (i.score / i.max) * 100))}%` }))),
        h('td', {}, i.value_text))))))));

  chart(gaugeEl, 'health', {
    series: [{
      name: 'health', type: 'gauge', min: 0, max: 100, startAngle: 210, endAngle: -30, radius: '95%',
      progress: { show: true, width: 14 }, axisLine: { lineStyle: { width: 14 } },
      axisTick: { show: false }, splitLine: { length: 10, lineStyle: { width: 1, color: '#9ca3af' } },
      axisLabel: { distance: 20, fontSize: 10, color: '#6b7280' }, pointer: { show: false },
      title: { show: true, offsetCenter: [0, '35%'], fontSize: 14, color: '#6b7280' },
      detail: { valueAnimation: false, offsetCenter: [0, '0%'], fontSize: 36, fontWeight: 650, formatter: (v) => v.toFixed(1) },
      data: [{ value: hs.score, name: `${t('grade')} ${hs.grade}` }],
    }],
  });
}
