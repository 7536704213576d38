import { PromptheusError } from '../errors.js';
import type { MetricMetadata, PrometheusClient, SeriesLabels } from '../prometheus/types.js';

/** Metric type, from Prometheus metadata or inferred from naming conventions. */
export type MetricType = MetricMetadata['type'];

/** One label of a metric with the values seen (bounded). */
export interface CatalogLabel {
  readonly name: string;
  /** Distinct values seen, at most `maxLabelValues` of them, sorted. */
  readonly values: readonly string[];
  /** True when more values exist than were kept. */
  readonly truncated: boolean;
}

/**
 * A metric as a person thinks of it: a counter, a gauge, or a whole histogram or summary family
 * (`x_bucket`, `x_sum`, `x_count`) under one name.
 */
export interface CatalogMetric {
  /** Family name: the histogram or summary base name, otherwise the series name. */
  readonly name: string;
  readonly type: MetricType;
  /** HELP text ('' when Prometheus has none). */
  readonly help: string;
  /** Unit from metadata or the name suffix: `seconds`, `bytes`, `ratio`, `percent`, `celsius`, ... ('' when unknown). */
  readonly unit: string;
  /** The `__name__` values that belong to the family (e.g. `x_bucket`, `x_sum`, `x_count`). */
  readonly series: readonly string[];
  /** Labels by name (`le` for histogram buckets and `quantile` for summaries included). */
  readonly labels: ReadonlyMap<string, CatalogLabel>;
  /** False while the labels of a large catalog have not been loaded for this metric yet. */
  readonly labelsLoaded: boolean;
}

/** A point-in-time view of what a Prometheus exposes. */
export interface MetricCatalogSnapshot {
  /** Metric families, sorted by name. */
  readonly metrics: readonly CatalogMetric[];
  /** Family by family name. */
  readonly byName: ReadonlyMap<string, CatalogMetric>;
  /** Family by any of its series names (`x_bucket` → family `x`). */
  readonly bySeries: ReadonlyMap<string, CatalogMetric>;
  /** When it was loaded, ms since the epoch. */
  readonly loadedAt: number;
  /** True when Prometheus has more metrics than the catalog keeps (`maxMetrics`). */
  readonly truncated: boolean;
}

/** Description of a metric family for {@link createCatalogSnapshot} (fixtures, tests, static catalogs). */
export interface MetricFamilyInput {
  /** Family name, e.g. `http_request_duration_seconds` for a histogram, `http_requests_total` for a counter. */
  readonly name: string;
  /** @default inferred from the name (`_total` counter, `_info` info, else gauge) */
  readonly type?: MetricType;
  /** @default '' */
  readonly help?: string;
  /** @default inferred from the name suffix */
  readonly unit?: string;
  /** Label names and their values. */
  readonly labels?: Readonly<Record<string, readonly string[]>>;
  /** Histogram bucket bounds (`le` values). @default ['0.1','0.5','1','5','+Inf'] for histograms */
  readonly buckets?: readonly string[];
  /** Summary quantiles. @default ['0.5','0.9','0.99'] for summaries */
  readonly quantiles?: readonly string[];
}

/** What a catalog is built from: Prometheus's own answers. */
export interface CatalogSource {
  /** Every `__name__` value. */
  readonly names: readonly string[];
  /** `/api/v1/metadata`, by metric name. */
  readonly metadata: Readonly<Record<string, readonly MetricMetadata[]>>;
  /** Label values per series name; a name missing here has its labels not loaded yet. */
  readonly labels: ReadonlyMap<string, Readonly<Record<string, readonly string[]>>>;
  /** True when names were dropped to respect `maxMetrics`. */
  readonly truncated?: boolean;
  /** Maximum values kept per label. @default 200 */
  readonly maxLabelValues?: number;
  readonly loadedAt?: number;
}

/** Metadata Prometheus adds to every scrape target; it has no HELP of its own. */
const syntheticMetadata: Readonly<Record<string, MetricMetadata>> = {
  up: {
    type: 'gauge',
    help: 'Whether the scrape target is up: 1 if the target was scraped successfully (healthy, reachable), 0 if the scrape failed (down).',
    unit: '',
  },
  scrape_duration_seconds: { type: 'gauge', help: 'Duration of the scrape of the target.', unit: 'seconds' },
  scrape_samples_scraped: {
    type: 'gauge',
    help: 'Number of samples the target exposed per scrape.',
    unit: '',
  },
  scrape_samples_post_metric_relabeling: {
    type: 'gauge',
    help: 'Number of samples remaining after metric relabeling was applied.',
    unit: '',
  },
  scrape_series_added: { type: 'gauge', help: 'Approximate number of new series in this scrape.', unit: '' },
  scrape_timeout_seconds: {
    type: 'gauge',
    help: 'Configured scrape timeout of the target.',
    unit: 'seconds',
  },
  scrape_sample_limit: { type: 'gauge', help: 'Configured sample limit of the target.', unit: '' },
  scrape_body_size_bytes: {
    type: 'gauge',
    help: 'Uncompressed size of the last scrape response.',
    unit: 'bytes',
  },
  ALERTS: { type: 'gauge', help: 'Alerts that are pending or firing, by alert name and state.', unit: '' },
  ALERTS_FOR_STATE: { type: 'gauge', help: 'Start time of active alerts.', unit: 'seconds' },
};

const unitSuffixes = [
  'seconds',
  'milliseconds',
  'microseconds',
  'nanoseconds',
  'bytes',
  'bits',
  'ratio',
  'percent',
  'celsius',
  'fahrenheit',
  'meters',
  'volts',
  'amperes',
  'joules',
  'watts',
  'grams',
  'hertz',
] as const;

const directionWords = new Set(['in', 'out', 'sent', 'received', 'read', 'written', 'rx', 'tx', 'spent']);

/** Unit of a metric from its name: `http_request_duration_seconds` → `seconds`, `x_ms` → `milliseconds`. */
export function unitFromName(name: string): string {
  const words = name.replace(/_(total|bucket|sum|count|created|info)$/, '').split('_');
  const last = words.at(-1) ?? '';
  if ((unitSuffixes as readonly string[]).includes(last)) return last;
  // haproxy_frontend_bytes_out_total, x_seconds_spent: a unit followed by a direction word
  const before = words.at(-2) ?? '';
  if (directionWords.has(last) && (unitSuffixes as readonly string[]).includes(before)) return before;
  if (last === 'ms') return 'milliseconds';
  if (last === 'pct') return 'percent';
  return '';
}

function inferType(name: string): MetricType {
  if (name.endsWith('_total')) return 'counter';
  if (name.endsWith('_info')) return 'info';
  return 'gauge';
}

function metadataOf(
  metadata: Readonly<Record<string, readonly MetricMetadata[]>>,
  name: string,
): MetricMetadata | undefined {
  return metadata[name]?.[0] ?? syntheticMetadata[name];
}

interface MutableMetric {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
  series: string[];
  labels: Map<string, CatalogLabel>;
  labelsLoaded: boolean;
}

/** Builds a snapshot from Prometheus's answers: groups histogram and summary series into families. */
export function buildCatalogSnapshot(source: CatalogSource): MetricCatalogSnapshot {
  const maxLabelValues = source.maxLabelValues ?? 200;
  const names = new Set(source.names);
  const families = new Map<string, MutableMetric>();
  const familyOfSeries = new Map<string, string>();
  const family = (name: string, type: MetricType, meta: MetricMetadata | undefined): MutableMetric => {
    let existing = families.get(name);
    if (!existing) {
      existing = {
        name,
        type,
        help: meta?.help ?? '',
        unit: meta?.unit || unitFromName(name),
        series: [],
        labels: new Map(),
        labelsLoaded: true,
      };
      families.set(name, existing);
    }
    return existing;
  };
  const hasLabel = (series: string, label: string) => source.labels.get(series)?.[label] !== undefined;

  for (const name of source.names) {
    const match = /^(.*)_(bucket|sum|count)$/.exec(name);
    if (!match) continue;
    const base = match[1]!;
    const suffix = match[2]!;
    const meta = metadataOf(source.metadata, base);
    const isHistogram =
      meta?.type === 'histogram' ||
      meta?.type === 'gaugehistogram' ||
      (meta === undefined && names.has(`${base}_bucket`) && names.has(`${base}_count`));
    const isSummary =
      meta?.type === 'summary' ||
      (meta === undefined && names.has(base) && hasLabel(base, 'quantile') && names.has(`${base}_count`));
    if (isHistogram) {
      family(base, meta?.type === 'gaugehistogram' ? 'gaugehistogram' : 'histogram', meta);
      familyOfSeries.set(name, base);
    } else if (isSummary && suffix !== 'bucket') {
      family(base, 'summary', meta);
      familyOfSeries.set(name, base);
      if (names.has(base)) familyOfSeries.set(base, base);
    }
  }
  for (const name of source.names) {
    if (familyOfSeries.has(name)) continue;
    if (name.endsWith('_created') && families.has(name.slice(0, -'_created'.length))) {
      familyOfSeries.set(name, name.slice(0, -'_created'.length));
      continue;
    }
    const meta =
      metadataOf(source.metadata, name) ??
      (name.endsWith('_total') ? metadataOf(source.metadata, name.slice(0, -'_total'.length)) : undefined);
    const type = meta && meta.type !== 'unknown' ? meta.type : inferType(name);
    if (type === 'summary') {
      family(name, 'summary', meta);
    } else {
      family(name, type, meta);
    }
    familyOfSeries.set(name, name);
  }

  for (const [seriesName, familyName] of familyOfSeries) {
    const target = families.get(familyName)!;
    target.series.push(seriesName);
    const labels = source.labels.get(seriesName);
    if (!labels) {
      target.labelsLoaded = false;
      continue;
    }
    for (const [labelName, values] of Object.entries(labels)) {
      if (labelName === '__name__') continue;
      const existing = target.labels.get(labelName);
      const merged = new Set(existing?.values ?? []);
      let truncated = existing?.truncated ?? false;
      for (const value of values) {
        if (merged.size >= maxLabelValues) {
          if (!merged.has(value)) truncated = true;
          continue;
        }
        merged.add(value);
      }
      target.labels.set(labelName, {
        name: labelName,
        values: [...merged].sort(compareLabelValues),
        truncated,
      });
    }
  }

  const metrics: CatalogMetric[] = [...families.values()]
    .map((metric) => {
      metric.series.sort();
      return metric;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byName = new Map(metrics.map((metric) => [metric.name, metric]));
  const bySeries = new Map<string, CatalogMetric>();
  for (const [seriesName, familyName] of familyOfSeries) bySeries.set(seriesName, byName.get(familyName)!);
  return {
    metrics,
    byName,
    bySeries,
    loadedAt: source.loadedAt ?? Date.now(),
    truncated: source.truncated ?? false,
  };
}

/** A numeric label value (`le`, `quantile`), `+Inf` included; NaN when it is not a number. */
export function labelNumber(value: string): number {
  if (value === '+Inf' || value === 'Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(value);
}

/** Sorts label values numerically when both are numbers (`le`, `quantile`), else as strings. */
function compareLabelValues(a: string, b: string): number {
  const x = labelNumber(a);
  const y = labelNumber(b);
  if (a !== '' && b !== '' && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds a catalog snapshot from family descriptions, without a Prometheus. Useful for tests,
 * benchmarks and applications that know their metrics up front.
 *
 * @example
 * ```ts
 * const catalog = createCatalogSnapshot([
 *   { name: 'http_requests_total', type: 'counter', help: 'HTTP requests.', labels: { route: ['/checkout'], code: ['200', '500'] } },
 *   { name: 'http_request_duration_seconds', type: 'histogram', labels: { route: ['/checkout'] } },
 * ]);
 * ```
 */
export function createCatalogSnapshot(
  families: readonly MetricFamilyInput[],
  options: { readonly maxLabelValues?: number; readonly loadedAt?: number } = {},
): MetricCatalogSnapshot {
  const names: string[] = [];
  const metadata: Record<string, MetricMetadata[]> = {};
  const labels = new Map<string, Record<string, readonly string[]>>();
  for (const input of families) {
    const type = input.type ?? inferType(input.name);
    const base = input.labels ?? {};
    metadata[input.name] = [{ type, help: input.help ?? '', unit: input.unit ?? unitFromName(input.name) }];
    if (type === 'histogram' || type === 'gaugehistogram') {
      const buckets = input.buckets ?? ['0.1', '0.5', '1', '5', '+Inf'];
      names.push(`${input.name}_bucket`, `${input.name}_sum`, `${input.name}_count`);
      labels.set(`${input.name}_bucket`, { ...base, le: buckets });
      labels.set(`${input.name}_sum`, base);
      labels.set(`${input.name}_count`, base);
    } else if (type === 'summary') {
      names.push(input.name, `${input.name}_sum`, `${input.name}_count`);
      labels.set(input.name, { ...base, quantile: input.quantiles ?? ['0.5', '0.9', '0.99'] });
      labels.set(`${input.name}_sum`, base);
      labels.set(`${input.name}_count`, base);
    } else {
      names.push(input.name);
      labels.set(input.name, base);
    }
  }
  return buildCatalogSnapshot({
    names,
    metadata,
    labels,
    ...(options.maxLabelValues === undefined ? {} : { maxLabelValues: options.maxLabelValues }),
    ...(options.loadedAt === undefined ? {} : { loadedAt: options.loadedAt }),
  });
}

/** Options of {@link createMetricCatalog}. */
export interface MetricCatalogOptions {
  /** The Prometheus to describe. */
  readonly prometheus: PrometheusClient;
  /**
   * How long a loaded catalog is fresh. After it, `get()` still answers at once from the old
   * catalog and reloads in the background.
   * @default 300000 (5 minutes)
   */
  readonly ttlMs?: number;
  /**
   * Reload every this many ms in the background once the catalog was first used (0 = only on demand).
   * The timer never keeps the process alive.
   * @default 0
   */
  readonly refreshIntervalMs?: number;
  /** Most metric names kept; the rest are dropped (alphabetically last first). @default 20000 */
  readonly maxMetrics?: number;
  /** Most values kept per label of a metric. @default 200 */
  readonly maxLabelValues?: number;
  /**
   * Catalogs with up to this many metric names get every metric's labels at load time; larger
   * ones load the labels of the metrics a question needs, on demand ({@link MetricCatalog.ensureLabels}).
   * @default 3000
   */
  readonly eagerLabelLimit?: number;
  /** Metric names per `/api/v1/series` request while loading labels. @default 50 */
  readonly batchSize?: number;
  /** Only series seen in this window count for label values. @default 3600000 (1 hour) */
  readonly lookbackMs?: number;
  /** Per-request deadline. @default 15000 */
  readonly timeoutMs?: number;
  /** Called when a background reload fails (the old catalog stays in use). */
  readonly onError?: (error: unknown) => void;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** The metric catalog of one Prometheus: loaded lazily, cached, refreshed in the background. */
export interface MetricCatalog {
  /** The current snapshot: loads it on first use, reloads in the background when stale. */
  get(options?: { readonly signal?: AbortSignal }): Promise<MetricCatalogSnapshot>;
  /** Reloads now and returns the new snapshot. Concurrent calls share one reload. */
  refresh(options?: { readonly signal?: AbortSignal }): Promise<MetricCatalogSnapshot>;
  /** Makes sure the labels of these metric families are loaded (for catalogs too large to load eagerly). */
  ensureLabels(
    names: readonly string[],
    options?: { readonly signal?: AbortSignal },
  ): Promise<MetricCatalogSnapshot>;
  /** The last loaded snapshot, without loading. */
  peek(): MetricCatalogSnapshot | null;
  /** Stops the background refresh timer. Safe to call twice. */
  close(): void;
}

/**
 * Creates the metric catalog of a Prometheus: metric names, HELP/TYPE/UNIT metadata and label
 * values, the ground truth every generated query is checked against.
 *
 * @example
 * ```ts
 * const catalog = createMetricCatalog({ prometheus: createPrometheusClient({ url: 'http://localhost:9090' }) });
 * const snapshot = await catalog.get();
 * console.log(snapshot.metrics.length, 'metrics');
 * ```
 */
export function createMetricCatalog(options: MetricCatalogOptions): MetricCatalog {
  const prometheus = options.prometheus;
  const ttlMs = options.ttlMs ?? 300_000;
  const maxMetrics = options.maxMetrics ?? 20_000;
  const maxLabelValues = options.maxLabelValues ?? 200;
  const eagerLabelLimit = options.eagerLabelLimit ?? 3000;
  const batchSize = Math.max(1, options.batchSize ?? 50);
  const lookbackMs = options.lookbackMs ?? 3_600_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(ttlMs) || ttlMs < 0)
    throw new PromptheusError(
      'config',
      `createMetricCatalog: ttlMs must be a non-negative number, got ${ttlMs}`,
    );

  let snapshot: MetricCatalogSnapshot | null = null;
  let source: Mutable<CatalogSource> | null = null;
  let loading: Promise<MetricCatalogSnapshot> | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const loadLabels = async (
    seriesNames: readonly string[],
    into: Map<string, Record<string, readonly string[]>>,
    signal?: AbortSignal,
  ) => {
    const end = now();
    for (let offset = 0; offset < seriesNames.length; offset += batchSize) {
      const batch = seriesNames.slice(offset, offset + batchSize);
      const selector = `{__name__=~"${batch.map(escapeRegex).join('|')}"}`;
      const series = await prometheus.series([selector], {
        start: end - lookbackMs,
        end,
        timeoutMs,
        ...(signal ? { signal } : {}),
      });
      const collected = new Map<string, Map<string, Set<string>>>();
      for (const name of batch) collected.set(name, new Map());
      for (const labels of series) addSeriesLabels(collected, labels, maxLabelValues);
      for (const [name, labelMap] of collected) {
        const record: Record<string, readonly string[]> = {};
        for (const [labelName, values] of labelMap) record[labelName] = [...values];
        into.set(name, record);
      }
    }
  };

  const load = async (signal?: AbortSignal): Promise<MetricCatalogSnapshot> => {
    const requestOptions = { timeoutMs, ...(signal ? { signal } : {}) };
    const [allNames, metadata] = await Promise.all([
      prometheus.labelValues('__name__', requestOptions),
      prometheus.metadata(requestOptions).catch(() => ({}) as Record<string, MetricMetadata[]>),
    ]);
    const sorted = [...new Set(allNames)].sort();
    const names = sorted.slice(0, maxMetrics);
    const labels = new Map<string, Record<string, readonly string[]>>();
    if (names.length <= eagerLabelLimit) await loadLabels(names, labels, signal);
    source = {
      names,
      metadata,
      labels,
      truncated: sorted.length > names.length,
      maxLabelValues,
      loadedAt: now(),
    };
    snapshot = buildCatalogSnapshot(source);
    return snapshot;
  };

  const reload = (signal?: AbortSignal) => {
    if (!loading) {
      loading = load(signal).finally(() => {
        loading = null;
      });
    }
    return loading;
  };

  const startTimer = () => {
    if (timer || closed || !options.refreshIntervalMs) return;
    timer = setInterval(() => {
      reload().catch((error: unknown) => options.onError?.(error));
    }, options.refreshIntervalMs);
    timer.unref?.();
  };

  return {
    async get(getOptions) {
      startTimer();
      if (!snapshot) return reload(getOptions?.signal);
      if (now() - snapshot.loadedAt > ttlMs && !loading) {
        reload().catch((error: unknown) => options.onError?.(error));
      }
      return snapshot;
    },
    refresh(refreshOptions) {
      startTimer();
      return reload(refreshOptions?.signal);
    },
    async ensureLabels(familyNames, ensureOptions) {
      const current = snapshot ?? (await reload(ensureOptions?.signal));
      const currentSource = source;
      if (!currentSource) return current;
      const missing: string[] = [];
      for (const familyName of familyNames) {
        const metric = current.byName.get(familyName) ?? current.bySeries.get(familyName);
        if (!metric || metric.labelsLoaded) continue;
        for (const seriesName of metric.series)
          if (!currentSource.labels.has(seriesName)) missing.push(seriesName);
      }
      if (missing.length === 0) return current;
      const labels = new Map(currentSource.labels);
      await loadLabels(missing, labels, ensureOptions?.signal);
      if (source !== currentSource) return snapshot ?? current;
      source = { ...currentSource, labels };
      snapshot = buildCatalogSnapshot(source);
      return snapshot;
    },
    peek: () => snapshot,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

type Mutable<T> = { -readonly [Key in keyof T]: T[Key] };

function addSeriesLabels(
  collected: Map<string, Map<string, Set<string>>>,
  labels: SeriesLabels,
  maxLabelValues: number,
) {
  const name = labels['__name__'];
  if (name === undefined) return;
  let labelMap = collected.get(name);
  if (!labelMap) {
    labelMap = new Map();
    collected.set(name, labelMap);
  }
  for (const [labelName, value] of Object.entries(labels)) {
    if (labelName === '__name__') continue;
    let values = labelMap.get(labelName);
    if (!values) {
      values = new Set();
      labelMap.set(labelName, values);
    }
    // one extra value marks the label as truncated when the snapshot is built
    if (values.size <= maxLabelValues) values.add(value);
  }
}

/** Escapes a string for use inside a PromQL regex matcher (RE2 syntax). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A {@link MetricCatalog} over a fixed snapshot, for tests, benchmarks and applications that
 * know their metrics up front (nothing is loaded from Prometheus).
 *
 * @example
 * ```ts
 * const assistant = createAsk({ prometheus, catalog: staticCatalog(createCatalogSnapshot(families)) });
 * ```
 */
export function staticCatalog(snapshot: MetricCatalogSnapshot): MetricCatalog {
  return {
    get: async () => snapshot,
    refresh: async () => snapshot,
    ensureLabels: async () => snapshot,
    peek: () => snapshot,
    close() {},
  };
}
