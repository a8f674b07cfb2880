// ECharts, tree-shaken to the charts the dashboard uses. Every chart is kept
// in window.__qunCharts by name so tests can read what is drawn.
import * as echarts from 'echarts/core';
import { LineChart, BarChart, HeatmapChart, FunnelChart, GaugeChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, DataZoomComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, HeatmapChart, FunnelChart, GaugeChart, GridComponent, TooltipComponent, LegendComponent,
  VisualMapComponent, DataZoomComponent, CanvasRenderer]);

window.__qunCharts = window.__qunCharts || {};
const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#db2777', '#7c3aed', '#0891b2'];
// The canvas needs a real font list ('inherit' is not valid in a canvas font
// string, which silently drops every font size and weight).
const FONT = () => getComputedStyle(document.documentElement).fontFamily || 'sans-serif';

export function chart(el, name, option) {
  const old = window.__qunCharts[name];
  if (old && !old.isDisposed()) old.dispose();
  const c = echarts.init(el, null, { renderer: 'canvas' });
  c.setOption({ color: PALETTE, animation: false, textStyle: { fontFamily: FONT() }, ...option });
  window.__qunCharts[name] = c;
  return c;
}

export function disposeAll() {
  for (const [k, c] of Object.entries(window.__qunCharts)) {
    if (!c.isDisposed()) c.dispose();
    delete window.__qunCharts[k];
  }
}

window.addEventListener('resize', () => {
  for (const c of Object.values(window.__qunCharts)) if (!c.isDisposed()) c.resize();
});
