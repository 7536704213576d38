import type { AskData } from './execute.js';
import type { QueryShape } from './translate-offline.js';

/** Kind of chart. */
export type ChartType = 'timeseries' | 'stat' | 'gauge' | 'bar' | 'table';

/** One threshold step: from `value` upwards the color applies. */
export interface ChartThreshold {
  /** Lower bound, or null for the base step. */
  readonly value: number | null;
  readonly color: 'green' | 'orange' | 'red' | 'blue';
}

/** How to show a query's result. Exportable to Grafana with {@link toGrafanaPanel}. */
export interface ChartLayout {
  readonly type: ChartType;
  readonly title: string;
  /** The query the chart shows. */
  readonly promql: string;
  /** Display unit (`%`, `ms`, `GB`, `bytes/s`, `/s`, `°C`, '' for plain numbers). */
  readonly unit: string;
  /** Grafana's unit id for the same unit (`percent`, `ms`, `decgbytes`, `Bps`, `ops`, `celsius`, `short`). */
  readonly grafanaUnit: string;
  /** Legend template from the labels that tell series apart, e.g. `{{route}}`; '' when there is one series. */
  readonly legend: string;
  readonly thresholds: readonly ChartThreshold[];
  readonly min: number | null;
  readonly max: number | null;
  /** True when the chart shows values at one instant (bars, tables, stats) rather than over time. */
  readonly instant: boolean;
}

/** Options of {@link chooseLayout}. */
export interface LayoutOptions {
  /** Chart title. @default derived from the query */
  readonly title?: string;
  /** The question, used for the title and to spot "show/graph/trend" wording. */
  readonly question?: string;
}

const grafanaUnits: Readonly<Record<string, string>> = {
  '%': 'percent',
  ratio: 'percentunit',
  s: 's',
  ms: 'ms',
  min: 'm',
  h: 'h',
  bytes: 'bytes',
  'bytes/s': 'Bps',
  KB: 'deckbytes',
  KiB: 'kbytes',
  MB: 'decmbytes',
  MiB: 'mbytes',
  GB: 'decgbytes',
  GiB: 'gbytes',
  TB: 'dectbytes',
  TiB: 'tbytes',
  Kbps: 'Kbits',
  Mbps: 'Mbits',
  Gbps: 'Gbits',
  Tbps: 'Tbits',
  '/s': 'ops',
  '/min': 'opm',
  '/h': 'short',
  '/day': 'short',
  '°C': 'celsius',
  celsius: 'celsius',
  '': 'short',
};

/** Grafana's unit id for a display unit (`short` when Grafana has none). */
export function grafanaUnit(unit: string): string {
  return grafanaUnits[unit] ?? 'short';
}

/** Labels whose values differ between series: the ones a legend needs. */
export function distinguishingLabels(data: AskData | null, preferred: readonly string[] = []): string[] {
  if (!data || data.series.length < 2) return [...preferred];
  const names = new Set<string>();
  for (const series of data.series) for (const name of Object.keys(series.labels)) names.add(name);
  const varying = [...names].filter(
    (name) => name !== '__name__' && new Set(data.series.map((series) => series.labels[name] ?? '')).size > 1,
  );
  const ordered = [
    ...preferred.filter((name) => varying.includes(name)),
    ...varying.filter((name) => !preferred.includes(name)),
  ];
  return ordered.length > 0 ? ordered : [...preferred];
}

const trendWords = /\b(show|graph|plot|chart|trend|over time|history|timeline|last \d+|past|since)\b/i;

/**
 * Picks a chart for a query result: info metrics and filters become tables, rankings bars,
 * single numbers stats or gauges (bounded values such as percentages), everything else time series.
 *
 * @example
 * ```ts
 * const layout = chooseLayout('sum by (route) (rate(http_requests_total[5m]))', shape, data, { question });
 * layout.type; // 'timeseries'
 * ```
 */
export function chooseLayout(
  promql: string,
  shape: QueryShape | null,
  data: AskData | null,
  options: LayoutOptions = {},
): ChartLayout {
  const unit = shape?.unit ?? '';
  const seriesCount = data?.series.length ?? 0;
  const legendLabels = distinguishingLabels(data, shape?.groupBy ?? []);
  const legend =
    legendLabels.length > 0 && seriesCount !== 1 ? legendLabels.map((name) => `{{${name}}}`).join(' ') : '';
  const question = options.question ?? '';
  let type: ChartType;
  if (shape?.info) type = 'table';
  else if (shape?.threshold) type = 'table';
  else if (shape?.ranking) type = shape.ranking.k === 1 ? 'stat' : 'bar';
  else if (data?.resultType === 'string') type = 'table';
  else if (seriesCount > 25) type = 'table';
  else if ((shape?.single ?? seriesCount <= 1) && seriesCount <= 1) {
    const bounded = shape?.max !== null && shape?.max !== undefined;
    if (trendWords.test(question)) type = 'timeseries';
    else type = bounded ? 'gauge' : 'stat';
  } else type = 'timeseries';
  let max = shape?.max ?? null;
  if (unit === '%' && max === null && type === 'gauge') max = 100;
  const min = max !== null || unit === '%' || unit === 'ratio' ? 0 : null;
  return {
    type,
    title: options.title ?? titleFrom(question, promql),
    promql,
    unit,
    grafanaUnit: grafanaUnit(unit),
    legend,
    thresholds: thresholdsFor(shape, unit, max),
    min,
    max,
    instant: type !== 'timeseries',
  };
}

function thresholdsFor(shape: QueryShape | null, unit: string, max: number | null): ChartThreshold[] {
  if (shape?.threshold) {
    return [
      { value: null, color: 'green' },
      { value: shape.threshold.value, color: 'red' },
    ];
  }
  if (unit === '%' && max === 100)
    return [
      { value: null, color: 'green' },
      { value: 80, color: 'orange' },
      { value: 90, color: 'red' },
    ];
  if (unit === 'ratio' && max === 1)
    return [
      { value: null, color: 'green' },
      { value: 0.8, color: 'orange' },
      { value: 0.9, color: 'red' },
    ];
  return [{ value: null, color: 'green' }];
}

function titleFrom(question: string, promql: string): string {
  const text = question
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[?.!]+$/, '');
  if (text) {
    const capitalised = text[0]!.toUpperCase() + text.slice(1);
    return capitalised.length > 80 ? `${capitalised.slice(0, 77)}...` : capitalised;
  }
  return promql.length > 80 ? `${promql.slice(0, 77)}...` : promql;
}

/** Options of {@link toGrafanaPanel}. */
export interface GrafanaPanelOptions {
  /** Panel id. @default 1 */
  readonly id?: number;
  /**
   * Datasource uid; the default refers to the dashboard's `datasource` variable so the panel
   * works in any Grafana. @default '${datasource}'
   */
  readonly datasourceUid?: string;
  /** Position on the dashboard grid. @default { h: 8, w: 12, x: 0, y: 0 } */
  readonly gridPos?: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
}

/** A Grafana panel as JSON (the shape Grafana's dashboard model uses). */
export type GrafanaPanel = Record<string, unknown>;

/** The dashboard variable holding the Prometheus datasource uid, as Grafana writes it. */
const datasourceVariable = `$${'{'}datasource}`;
const importedDatasource = `$${'{'}DS_PROMETHEUS}`;

const grafanaPanelTypes: Readonly<Record<ChartType, string>> = {
  timeseries: 'timeseries',
  stat: 'stat',
  gauge: 'gauge',
  bar: 'bargauge',
  table: 'table',
};

/**
 * Exports a layout as a Grafana panel: Prometheus datasource by uid (a dashboard variable by
 * default), a target with `expr` and `legendFormat`, unit, min/max and thresholds in `fieldConfig`.
 *
 * @example
 * ```ts
 * const panel = toGrafanaPanel(result.layout, { id: 2 });
 * ```
 */
export function toGrafanaPanel(layout: ChartLayout, options: GrafanaPanelOptions = {}): GrafanaPanel {
  const datasource = { type: 'prometheus', uid: options.datasourceUid ?? datasourceVariable };
  const defaults: Record<string, unknown> = {
    unit: layout.grafanaUnit,
    thresholds: {
      mode: 'absolute',
      steps: layout.thresholds.map((step) => ({ color: step.color, value: step.value })),
    },
    color: { mode: layout.type === 'timeseries' || layout.type === 'bar' ? 'palette-classic' : 'thresholds' },
  };
  if (layout.min !== null) defaults['min'] = layout.min;
  if (layout.max !== null) defaults['max'] = layout.max;
  const reduceOptions = { calcs: ['lastNotNull'], fields: '', values: false };
  const panelOptions: Record<ChartType, Record<string, unknown>> = {
    timeseries: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: layout.legend !== '' },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    stat: { reduceOptions, colorMode: 'value', graphMode: 'area', textMode: 'auto' },
    gauge: { reduceOptions, showThresholdLabels: false, showThresholdMarkers: true },
    bar: { reduceOptions, displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true },
    table: { showHeader: true, cellHeight: 'sm' },
  };
  const target: Record<string, unknown> = {
    refId: 'A',
    datasource,
    expr: layout.promql,
    legendFormat: layout.legend || '__auto',
    range: !layout.instant,
    instant: layout.instant,
  };
  if (layout.type === 'table') target['format'] = 'table';
  const panel: GrafanaPanel = {
    id: options.id ?? 1,
    type: grafanaPanelTypes[layout.type],
    title: layout.title,
    datasource,
    gridPos: options.gridPos ?? { h: 8, w: 12, x: 0, y: 0 },
    targets: [target],
    fieldConfig: { defaults, overrides: [] },
    options: panelOptions[layout.type],
  };
  if (layout.type === 'table')
    panel['transformations'] = [{ id: 'labelsToFields', options: { mode: 'columns' } }];
  return panel;
}

/** Options of {@link toGrafanaDashboard}. */
export interface GrafanaDashboardOptions {
  readonly title: string;
  /** Dashboard uid. @default derived from the title */
  readonly uid?: string;
  /** Time range shown. @default 'now-1h' */
  readonly from?: string;
  /** @default ['promptheus'] */
  readonly tags?: readonly string[];
}

/**
 * Exports layouts as a Grafana dashboard JSON that Grafana imports (Dashboards → Import): a
 * `datasource` variable of type Prometheus, one panel per layout laid out two per row.
 *
 * @example
 * ```ts
 * writeFileSync('dashboard.json', JSON.stringify(toGrafanaDashboard([result.layout!], { title: 'Checkout' }), null, 2));
 * ```
 */
export function toGrafanaDashboard(
  layouts: readonly ChartLayout[],
  options: GrafanaDashboardOptions,
): Record<string, unknown> {
  const panels = layouts.map((layout, index) =>
    toGrafanaPanel(layout, {
      id: index + 1,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    }),
  );
  const uid =
    options.uid ??
    (options.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) ||
      'promptheus');
  return {
    __inputs: [
      {
        name: 'DS_PROMETHEUS',
        label: 'Prometheus',
        description: '',
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      },
    ],
    __requires: [
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...[...new Set(panels.map((panel) => String(panel['type'])))].map((type) => ({
        type: 'panel',
        id: type,
        name: type,
        version: '',
      })),
    ],
    uid,
    title: options.title,
    tags: options.tags ?? ['promptheus'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    time: { from: options.from ?? 'now-1h', to: 'now' },
    refresh: '30s',
    annotations: { list: [] },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: { text: 'default', value: importedDatasource },
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
      ],
    },
    panels,
  };
}
