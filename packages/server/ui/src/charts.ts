import uPlot from 'uplot';
import { currentValue, thresholdColor } from './data.js';
import { h, svg } from './dom.js';
import { formatLabels, formatValue, seriesName } from './format.js';
import type { ChartData, ChartLayout, ChartType } from './types.js';

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** A drawn chart; `destroy()` releases the canvas and observers. */
export interface RenderedChart {
  readonly type: ChartType;
  destroy(): void;
}

/**
 * Draws a query result into `container` as its layout says: a uPlot time series, a stat, a
 * gauge, horizontal bars or a table. Time series without points over time fall back to bars or a
 * stat, and results without a layout to a table.
 */
export function renderChart(
  container: HTMLElement,
  layout: ChartLayout | null,
  data: ChartData,
): RenderedChart {
  container.replaceChildren();
  const effective: ChartLayout = layout ?? {
    type: 'table',
    title: 'Result',
    promql: '',
    unit: '',
    legend: '',
    thresholds: [],
    min: null,
    max: null,
    instant: true,
  };
  if (data.text !== null) {
    container.append(h('p', { class: 'chart-text' }, data.text));
    return { type: 'table', destroy() {} };
  }
  if (data.series.length === 0) {
    container.append(
      h(
        'p',
        { class: 'empty' },
        'The query returned no data. Check the label values, or try a longer time range.',
      ),
    );
    return { type: effective.type, destroy() {} };
  }
  let type = effective.type;
  const hasPoints = data.series.some((series) => series.values.length > 1);
  if (type === 'timeseries' && !hasPoints) type = data.series.length === 1 ? 'stat' : 'bar';
  container.dataset['chart'] = type;
  switch (type) {
    case 'timeseries':
      return renderTimeSeries(container, effective, data);
    case 'stat':
      renderStats(container, effective, data);
      break;
    case 'gauge':
      renderGauges(container, effective, data);
      break;
    case 'bar':
      renderBars(container, effective, data);
      break;
    default:
      renderTable(container, effective, data);
  }
  return { type, destroy() {} };
}

function renderTimeSeries(container: HTMLElement, layout: ChartLayout, data: ChartData): RenderedChart {
  const times = new Set<number>();
  for (const series of data.series) for (const [time] of series.values) times.add(time);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((time, position) => [time, position]));
  const columns: Array<Array<number | null>> = data.series.map((series) => {
    const column: Array<number | null> = new Array(xs.length).fill(null);
    for (const [time, value] of series.values) column[index.get(time)!] = value;
    return column;
  });
  const palette = Array.from({ length: 8 }, (_, position) =>
    cssVariable(`--chart-${position + 1}`, ['#3b82f6', '#ef4444', '#10b981', '#f59e0b'][position % 4]!),
  );
  const text = cssVariable('--text-muted', '#666');
  const grid = cssVariable('--grid', 'rgba(128,128,128,0.2)');
  const axis = (formatter?: (value: number) => string): uPlot.Axis => ({
    stroke: text,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    ...(formatter ? { values: (_chart: uPlot, splits: number[]) => splits.map(formatter), size: 70 } : {}),
  });
  const wrapper = h('div', {
    class: 'timeseries',
    role: 'img',
    'aria-label': `${layout.title}: time series of ${data.series.length} series`,
  });
  container.append(wrapper);
  const width = () => Math.max(240, Math.floor(container.clientWidth || 600));
  const options: uPlot.Options = {
    width: width(),
    height: 280,
    series: [
      { label: 'Time' },
      ...data.series.map(
        (series, position): uPlot.Series => ({
          label: seriesName(series.labels, layout.legend, layout.title),
          stroke: palette[position % palette.length]!,
          width: 1.5,
          spanGaps: false,
          points: { show: false },
          value: (_chart: uPlot, value: number | null) => formatValue(value, layout.unit),
        }),
      ),
    ],
    scales: {
      x: { time: true },
      y:
        layout.min !== null || layout.max !== null
          ? {
              range: (_chart, dataMin, dataMax) => [
                layout.min ?? Math.min(dataMin, 0),
                layout.max !== null ? Math.max(layout.max, dataMax) : dataMax,
              ],
            }
          : {},
    },
    axes: [axis(), axis((value) => formatValue(value, layout.unit))],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
  };
  const chart = new uPlot(options, [xs.map((time) => time / 1000), ...columns] as uPlot.AlignedData, wrapper);
  const observer = new ResizeObserver(() => {
    const next = width();
    if (next !== chart.width) chart.setSize({ width: next, height: 280 });
  });
  observer.observe(container);
  return {
    type: 'timeseries',
    destroy() {
      observer.disconnect();
      chart.destroy();
    },
  };
}

function renderStats(container: HTMLElement, layout: ChartLayout, data: ChartData): void {
  const list = h('div', { class: 'stats' });
  for (const series of data.series.slice(0, 12)) {
    const value = currentValue(series);
    const name =
      data.series.length > 1 ? seriesName(series.labels, layout.legend, layout.title) : layout.title;
    list.append(
      h(
        'figure',
        { class: 'stat' },
        h(
          'output',
          { class: 'stat-value', style: `color: ${thresholdColor(value, layout.thresholds)}` },
          formatValue(value, layout.unit),
        ),
        h('figcaption', {}, name),
      ),
    );
  }
  container.append(list);
}

function renderGauges(container: HTMLElement, layout: ChartLayout, data: ChartData): void {
  const list = h('div', { class: 'gauges' });
  for (const series of data.series.slice(0, 12)) {
    const value = currentValue(series);
    const min = layout.min ?? 0;
    const max = layout.max ?? (layout.unit === '%' ? 100 : Math.max(1, (value ?? 0) * 1.25));
    const share = value === null ? 0 : Math.min(1, Math.max(0, (value - min) / (max - min || 1)));
    const name =
      data.series.length > 1 ? seriesName(series.labels, layout.legend, layout.title) : layout.title;
    const arc = (fraction: number) => {
      const angle = Math.PI * (1 - fraction);
      return `M 10 60 A 50 50 0 0 1 ${60 + 50 * Math.cos(angle)} ${60 - 50 * Math.sin(angle)}`;
    };
    const drawing = svg(
      'svg',
      { viewBox: '0 0 120 70', class: 'gauge-arc', 'aria-hidden': 'true' },
      svg('path', { d: arc(1), class: 'gauge-track' }),
      share > 0
        ? svg('path', {
            d: arc(share),
            class: 'gauge-value',
            style: `stroke: ${thresholdColor(value, layout.thresholds)}`,
          })
        : null,
    );
    list.append(
      h(
        'figure',
        {
          class: 'gauge',
          role: 'meter',
          'aria-valuemin': min,
          'aria-valuemax': max,
          'aria-valuenow': value ?? min,
          'aria-valuetext': formatValue(value, layout.unit),
          'aria-label': name,
        },
        drawing,
        h('output', { class: 'gauge-text' }, formatValue(value, layout.unit)),
        h('figcaption', {}, name),
      ),
    );
  }
  container.append(list);
}

function renderBars(container: HTMLElement, layout: ChartLayout, data: ChartData): void {
  const rows = data.series
    .map((series) => ({
      name: seriesName(series.labels, layout.legend, layout.title),
      value: currentValue(series),
    }))
    .sort((a, b) => (b.value ?? Number.NEGATIVE_INFINITY) - (a.value ?? Number.NEGATIVE_INFINITY))
    .slice(0, 50);
  const largest = Math.max(layout.max ?? 0, ...rows.map((row) => Math.abs(row.value ?? 0)), Number.MIN_VALUE);
  const list = h('ol', { class: 'bars', 'aria-label': layout.title });
  for (const row of rows) {
    const percent = row.value === null ? 0 : (Math.abs(row.value) / largest) * 100;
    list.append(
      h(
        'li',
        {},
        h('span', { class: 'bar-name', title: row.name }, row.name),
        h(
          'span',
          { class: 'bar-track', 'aria-hidden': 'true' },
          h('span', {
            class: 'bar-fill',
            style: `width: ${percent.toFixed(2)}%; background: ${thresholdColor(row.value, layout.thresholds)}`,
          }),
        ),
        h('span', { class: 'bar-value' }, formatValue(row.value, layout.unit)),
      ),
    );
  }
  container.append(list);
}

function renderTable(container: HTMLElement, layout: ChartLayout, data: ChartData): void {
  const names = new Set<string>();
  for (const series of data.series) for (const name of Object.keys(series.labels)) names.add(name);
  const columns = [...names].sort((a, b) =>
    a === '__name__' ? -1 : b === '__name__' ? 1 : a.localeCompare(b),
  );
  const rows = data.series.slice(0, 500);
  const table = h(
    'table',
    { class: 'result-table' },
    h(
      'caption',
      {},
      layout.title,
      data.series.length > rows.length ? ` (first ${rows.length} of ${data.series.length})` : '',
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((name) => h('th', { scope: 'col' }, name === '__name__' ? 'metric' : name)),
        h('th', { scope: 'col', class: 'numeric' }, 'Value'),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((series) =>
        h(
          'tr',
          {},
          columns.map((name) => h('td', {}, series.labels[name] ?? '')),
          h('td', { class: 'numeric' }, formatValue(currentValue(series), layout.unit)),
        ),
      ),
    ),
  );
  container.append(h('div', { class: 'table-scroll' }, table));
}

/** A short text description of the data, for screen readers next to the canvas chart. */
export function describeData(layout: ChartLayout | null, data: ChartData): string {
  if (data.series.length === 0) return 'No data.';
  const unit = layout?.unit ?? '';
  const parts = data.series
    .slice(0, 5)
    .map(
      (series) =>
        `${seriesName(series.labels, layout?.legend ?? '', formatLabels(series.labels) || 'value')}: ${formatValue(currentValue(series), unit)}`,
    );
  const more = data.series.length > 5 ? `, and ${data.series.length - 5} more` : '';
  return `${parts.join('; ')}${more}.`;
}
