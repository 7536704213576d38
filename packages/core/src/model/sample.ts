import type { Labels } from './common.js';

/**
 * The newest value of one series, as collected from a {@link MetricsSource}.
 *
 * `seriesId` is the stable identity of the series (metric name, labels and target). Detectors and
 * the monitor key their per-series state by it; treat it as opaque.
 */
export interface Sample {
  /** Stable, opaque identity of the series. Built with {@link seriesId} unless a source knows better. */
  readonly seriesId: string;
  /** Metric name (`__name__`). */
  readonly metric: string;
  /** Labels without `__name__`. */
  readonly labels: Labels;
  /** Sample value; may be `NaN` or `±Infinity`, as Prometheus allows. */
  readonly value: number;
  /** Sample time in milliseconds since the epoch. */
  readonly timestamp: number;
  /** Name of the target (Prometheus server) the sample came from. */
  readonly target: string;
}

const labelValueEscapes = /[\\"\n]/g;
const escapeLabelValue = (value: string) =>
  value.replace(labelValueEscapes, (character) => (character === '\n' ? '\\n' : `\\${character}`));

/**
 * Renders a series the way Prometheus does: `name{a="1",b="2"}` with labels sorted by name.
 *
 * @example
 * ```ts
 * formatSeries('up', { job: 'node', instance: 'a:9100' }); // 'up{instance="a:9100",job="node"}'
 * ```
 */
export function formatSeries(metric: string, labels: Labels): string {
  const names = Object.keys(labels)
    .filter((name) => name !== '__name__')
    .sort();
  if (names.length === 0) return metric;
  let text = `${metric}{`;
  for (let index = 0; index < names.length; index++) {
    const name = names[index]!;
    if (index > 0) text += ',';
    text += `${name}="${escapeLabelValue(labels[name]!)}"`;
  }
  return `${text}}`;
}

/** Stable identity of a series from a given target: `target|name{labels}` (or just the series without a target). */
export function seriesId(metric: string, labels: Labels, target?: string): string {
  const series = formatSeries(metric, labels);
  return target ? `${target}|${series}` : series;
}
