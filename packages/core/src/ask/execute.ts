import { PromptheusError } from '../errors.js';
import type { PrometheusClient, QueryData, SeriesLabels } from '../prometheus/types.js';

/** Limits on running a query for a user. */
export interface ExecutionLimits {
  /** Per-query deadline in ms (also sent to Prometheus as its evaluation timeout). @default 10000 */
  readonly timeoutMs?: number;
  /** Most series returned; more are cut off with a warning. @default 500 */
  readonly maxSeries?: number;
  /** Most points per series in a range query; the step grows to respect it. @default 11000 */
  readonly maxPointsPerSeries?: number;
  /** Range of the chart data, in seconds. @default 3600 */
  readonly rangeSeconds?: number;
  /** Points per series aimed at for charts (the step is range / this, at least `minStepSeconds`). @default 240 */
  readonly chartPoints?: number;
  /** Smallest step in seconds. @default 15 */
  readonly minStepSeconds?: number;
}

/** One series of a result: its labels, the current value and, for charts, the points over time. */
export interface AskSeries {
  readonly labels: SeriesLabels;
  /** Value at evaluation time (null when the series only has range points). */
  readonly value: number | null;
  /** `[timestamp ms, value]` pairs over the chart range (empty without a range query). */
  readonly values: ReadonlyArray<readonly [number, number]>;
}

/** What a query returned, ready for charts and answers. */
export interface AskData {
  /** `vector` (series), `scalar` (one number) or `string`. */
  readonly resultType: 'vector' | 'scalar' | 'string' | 'matrix';
  readonly series: readonly AskSeries[];
  /** Evaluation time in ms. */
  readonly time: number;
  /** The chart range, when a range query ran. */
  readonly range: { readonly start: number; readonly end: number; readonly stepSeconds: number } | null;
  /** True when series were cut off at `maxSeries`. */
  readonly truncated: boolean;
  /** Prometheus's warnings and the executor's own. */
  readonly warnings: readonly string[];
}

/** Options of one execution. */
export interface ExecuteOptions extends ExecutionLimits {
  /** Also run a range query for a chart. @default false */
  readonly range?: boolean;
  /** Evaluation time in ms. @default now */
  readonly time?: number;
  readonly signal?: AbortSignal;
}

/** Step in seconds for a range, respecting the chart resolution and the points limit. */
export function chooseStep(rangeSeconds: number, limits: ExecutionLimits = {}): number {
  const chartPoints = limits.chartPoints ?? 240;
  const minStep = limits.minStepSeconds ?? 15;
  const maxPoints = limits.maxPointsPerSeries ?? 11_000;
  let step = Math.max(minStep, Math.ceil(rangeSeconds / chartPoints));
  if (rangeSeconds / step + 1 > maxPoints) step = Math.ceil(rangeSeconds / (maxPoints - 1));
  return step;
}

const seriesKey = (labels: SeriesLabels) =>
  Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join(',');

/**
 * Runs a validated query through the read-only query endpoints with a deadline, a series cap and
 * a points cap. Never call it with an unvalidated expression: it trusts its input.
 *
 * @example
 * ```ts
 * const data = await executeQuery(prometheus, 'sum(rate(http_requests_total[5m]))', { range: true });
 * data.series[0]?.value; // requests per second now
 * ```
 */
export async function executeQuery(
  prometheus: PrometheusClient,
  expr: string,
  options: ExecuteOptions = {},
): Promise<AskData> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxSeries = options.maxSeries ?? 500;
  const time = options.time ?? Date.now();
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new PromptheusError(
      'config',
      `timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`,
    );
  const evaluationTimeout = `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`;
  const common = {
    timeoutMs,
    evaluationTimeout,
    limit: maxSeries + 1,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const instant = await prometheus.query(expr, { ...common, time });
  const warnings = [...instant.warnings];
  const bySeries = new Map<
    string,
    { labels: SeriesLabels; value: number | null; values: Array<[number, number]> }
  >();
  let truncated = false;
  const add = (labels: SeriesLabels) => {
    const key = seriesKey(labels);
    let entry = bySeries.get(key);
    if (!entry) {
      if (bySeries.size >= maxSeries) {
        truncated = true;
        return null;
      }
      entry = { labels, value: null, values: [] };
      bySeries.set(key, entry);
    }
    return entry;
  };
  const data: QueryData = instant.data;
  if (data.resultType === 'scalar') {
    add({})!.value = data.result.value;
  } else if (data.resultType === 'vector') {
    for (const series of data.result) {
      const entry = add(series.metric);
      if (entry) entry.value = series.value.value;
    }
  } else if (data.resultType === 'matrix') {
    for (const series of data.result) {
      const entry = add(series.metric);
      if (entry) {
        for (const point of series.values) entry.values.push([point.timestamp, point.value]);
        entry.value = series.values.at(-1)?.value ?? null;
      }
    }
  } else {
    return {
      resultType: 'string',
      series: [{ labels: { value: data.result.value }, value: null, values: [] }],
      time,
      range: null,
      truncated: false,
      warnings,
    };
  }

  let range: AskData['range'] = null;
  if (options.range && data.resultType !== 'matrix' && bySeries.size > 0) {
    const rangeSeconds = options.rangeSeconds ?? 3600;
    const stepSeconds = chooseStep(rangeSeconds, options);
    const start = time - rangeSeconds * 1000;
    const result = await prometheus.queryRange(expr, { ...common, start, end: time, step: stepSeconds });
    warnings.push(...result.warnings);
    if (result.data.resultType === 'matrix') {
      for (const series of result.data.result) {
        const entry = add(series.metric);
        if (entry) for (const point of series.values) entry.values.push([point.timestamp, point.value]);
      }
    }
    range = { start, end: time, stepSeconds };
  }
  if (truncated) warnings.push(`only the first ${maxSeries} series are shown`);
  return {
    resultType: data.resultType,
    series: [...bySeries.values()],
    time,
    range,
    truncated,
    warnings,
  };
}
