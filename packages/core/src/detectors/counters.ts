import { PromptheusError } from '../errors.js';
import type { Sample } from '../model/sample.js';

/**
 * What a detector does with the samples of a cumulative counter (a series that only goes up,
 * except when the process restarts):
 *
 * - `'rate'`: judge the per-second increase between consecutive samples instead of the raw value.
 *   A drop counts as a counter reset (the new value is the increase, as Prometheus's `rate()`
 *   does); the first sample of a series only starts the rate.
 * - `'raw'`: judge the cumulative value itself.
 * - `'skip'`: ignore the series (score 0, no state).
 */
export type CounterMode = 'rate' | 'raw' | 'skip';

/**
 * How a detector treats counters: one {@link CounterMode} for every series that
 * {@link isCounterMetric} recognises (other series are judged raw), or a function choosing the
 * mode of a series from its metric name (return `'raw'` for gauges). The function is called once
 * per series, when the detector first sees it.
 *
 * @example
 * ```ts
 * zScoreDetector({ counters: 'rate' });
 * // Types from Prometheus metadata (`await prometheus.metadata()`), for counters without the suffix:
 * zScoreDetector({ counters: (metric) => (isCounterMetric(metric, types.get(metric)) ? 'rate' : 'raw') });
 * ```
 */
export type CounterPolicy = CounterMode | ((metric: string) => CounterMode);

/** Name suffixes of cumulative series: counters and the parts of histograms and summaries. */
const CUMULATIVE_SUFFIXES = ['_total', '_count', '_sum', '_bucket', '_created'] as const;

/**
 * Whether a metric is a cumulative counter, by its name: `_total`, `_count`, `_sum`, `_bucket` or
 * `_created` (the conventions of the Prometheus and OpenMetrics exposition formats). When the
 * metric's type is known from Prometheus metadata (`/api/v1/metadata`), pass it: `'counter'` makes
 * any name a counter, `'gauge'` makes any name a gauge.
 *
 * @example
 * ```ts
 * isCounterMetric('node_cpu_seconds_total'); // true
 * isCounterMetric('node_load1'); // false
 * isCounterMetric('node_vmstat_pgfault', 'counter'); // true
 * ```
 */
export function isCounterMetric(metric: string, type?: string): boolean {
  if (type === 'counter') return true;
  if (type === 'gauge') return false;
  for (const suffix of CUMULATIVE_SUFFIXES) if (metric.endsWith(suffix)) return true;
  return false;
}

/**
 * The counter policy of the quiet configuration ({@link defaultDetectors} and the server): the
 * rate of every counter, except histogram buckets and `_created` timestamps, which are skipped (a
 * histogram has a dozen buckets per series, whose rates say little on their own and multiply the
 * state; `_created` never changes). Gauges are judged raw.
 *
 * @example
 * ```ts
 * quietCounterPolicy('http_requests_total'); // 'rate'
 * quietCounterPolicy('http_request_duration_seconds_bucket'); // 'skip'
 * quietCounterPolicy('node_load1'); // 'raw'
 * ```
 */
export function quietCounterPolicy(metric: string): CounterMode {
  if (metric.endsWith('_bucket') || metric.endsWith('_created')) return 'skip';
  return isCounterMetric(metric) ? 'rate' : 'raw';
}

/** Mode code kept per series: not decided yet. */
export const MODE_UNKNOWN = 0;
/** Mode code: judge the raw value. */
export const MODE_RAW = 1;
/** Mode code: judge the per-second rate. */
export const MODE_RATE = 2;
/** Mode code: leave the series out. */
export const MODE_SKIP = 3;

const codes: Readonly<Record<CounterMode, number>> = { raw: MODE_RAW, rate: MODE_RATE, skip: MODE_SKIP };

/**
 * Builds the per-series mode decision of a policy: returns the mode code of a sample's series.
 * Called once per series; detectors cache the answer.
 */
export function counterModeResolver(policy: CounterPolicy, factory: string): (sample: Sample) => number {
  if (typeof policy === 'function') {
    return (sample) => {
      const mode = policy(sample.metric);
      const code = codes[mode];
      if (code === undefined) {
        throw new PromptheusError(
          'config',
          `${factory}: the counters function returned ${JSON.stringify(mode)} for ${sample.metric}; expected 'rate', 'raw' or 'skip'`,
        );
      }
      return code;
    };
  }
  const code = codes[policy];
  if (code === MODE_RAW) return () => MODE_RAW;
  return (sample) => (isCounterMetric(sample.metric) ? code : MODE_RAW);
}

/**
 * Per-second increase of a counter between two samples, handling resets like Prometheus (a drop
 * means the counter restarted from 0, so the new value is the increase). NaN when the time did not
 * move forward.
 */
export function counterRate(
  previousValue: number,
  previousTime: number,
  value: number,
  time: number,
): number {
  const seconds = (time - previousTime) / 1000;
  if (!(seconds > 0)) return Number.NaN;
  const increase = value >= previousValue ? value - previousValue : value;
  return increase / seconds;
}
