import type { AskData, AskSeries } from './execute.js';
import type { QueryShape } from './translate-offline.js';

/** Formats a number for people: 3 significant digits, thousands separated, units attached. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'no value';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (unit === 'bytes' || unit === 'bytes/s') return `${formatBytes(value)}${unit === 'bytes/s' ? '/s' : ''}`;
  const number = formatNumber(value);
  switch (unit) {
    case '':
      return number;
    case '%':
      return `${number}%`;
    case '/s':
    case '/min':
    case '/h':
    case '/day':
      return `${number}${unit}`;
    case 'ratio':
      return `${number} (${formatNumber(value * 100)}%)`;
    default:
      return `${number} ${unit}`;
  }
}

function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e15 || magnitude < 1e-4)) return value.toExponential(2);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  // toFixed, trailing zeros dropped, thousands separated (toLocaleString is slow)
  const fixed = Math.abs(value).toFixed(digits);
  const [whole = '0', fraction = ''] = fixed.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = trimmed ? `${grouped}.${trimmed}` : grouped;
  return value < 0 && text !== '0' ? `-${text}` : text;
}

function formatBytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let scaled = Math.abs(value);
  let index = 0;
  while (scaled >= 1024 && index < units.length - 1) {
    scaled /= 1024;
    index++;
  }
  return `${value < 0 ? '-' : ''}${formatNumber(scaled)} ${units[index]}`;
}

/** Names a series by the labels that tell it apart, e.g. `route="/checkout", code="500"`. */
export function describeSeries(series: AskSeries, labels: readonly string[]): string {
  const parts = labels
    .filter((name) => series.labels[name] !== undefined)
    .map((name) => `${name}="${series.labels[name]}"`);
  return parts.length > 0 ? parts.join(', ') : 'the result';
}

/** Labels that name one series: its own labels without the metric name, and without job/instance when others exist. */
function identifyingLabels(series: AskSeries): string[] {
  const names = Object.keys(series.labels).filter((name) => name !== '__name__');
  const specific = names.filter((name) => name !== 'job' && name !== 'instance');
  return specific.length > 0 ? specific : names;
}

/** How a series moved over its range points: `up 12%`, `down 3%`, `steady`, or null without enough points. */
export function trendOf(series: AskSeries): string | null {
  const points = series.values.filter(([, value]) => Number.isFinite(value));
  if (points.length < 2) return null;
  const first = points[0]![1];
  const last = points.at(-1)![1];
  if (first === last) return 'steady';
  if (first === 0) return last > 0 ? 'up from 0' : 'down from 0';
  const change = ((last - first) / Math.abs(first)) * 100;
  if (Math.abs(change) < 5) return 'steady';
  return `${change > 0 ? 'up' : 'down'} ${Math.abs(change).toFixed(0)}%`;
}

function rangeText(data: AskData): string {
  if (!data.range) return '';
  const minutes = Math.round((data.range.end - data.range.start) / 60_000);
  if (minutes % 60 === 0) return minutes === 60 ? 'the last hour' : `the last ${minutes / 60} hours`;
  return `the last ${minutes} minutes`;
}

/** Options of {@link summarizeData}. */
export interface SummaryOptions {
  /** What the number is, e.g. the chart title. */
  readonly subject: string;
  /** Labels that tell series apart. */
  readonly labels: readonly string[];
}

/**
 * A one-to-three sentence answer from the data alone: the current value and its trend, or the
 * top series and the spread, or the series that match a filter.
 *
 * @example
 * ```ts
 * summarizeData(data, shape, { subject: 'CPU usage for server1', labels: [] });
 * // 'CPU usage for server1 is 42.5% now, up 12% over the last hour.'
 * ```
 */
export function summarizeData(
  data: AskData | null,
  shape: QueryShape | null,
  options: SummaryOptions,
): string {
  const subject = options.subject || 'The query';
  if (!data) return `${subject}: no data.`;
  const unit = shape?.unit ?? '';
  const series = data.series.filter((entry) => entry.value !== null || entry.values.length > 0);
  if (shape?.threshold && series.length === 0) {
    return shape.threshold.operator === '==' && shape.threshold.value === 0
      ? 'Nothing matches: every series is up (none is 0).'
      : `No series is ${shape.threshold.operator} ${formatValue(shape.threshold.value, unit)} right now.`;
  }
  if (series.length === 0)
    return `${subject} returned no data at the moment; the metric may not have been reported recently.`;
  const labels = options.labels.length > 0 ? options.labels : [];
  if (shape?.info) {
    const first = series[0]!;
    const facts = Object.entries(first.labels)
      .filter(([name]) => !['__name__', 'job', 'instance'].includes(name))
      .map(([name, value]) => `${name} ${value}`)
      .slice(0, 6)
      .join(', ');
    return series.length === 1 ? `${facts}.` : `${series.length} entries; the first: ${facts}.`;
  }
  if (shape?.threshold) {
    const naming = labels.length > 0 ? labels : identifyingLabels(series[0]!);
    const names = series.slice(0, 5).map((entry) => describeSeries(entry, naming));
    const more = series.length > 5 ? ` and ${series.length - 5} more` : '';
    return `${series.length} series ${series.length === 1 ? 'matches' : 'match'} (${shape.threshold.operator} ${formatValue(shape.threshold.value, unit)}): ${names.join('; ')}${more}.`;
  }
  if (series.length === 1) {
    const only = series[0]!;
    const value = only.value ?? only.values.at(-1)?.[1] ?? null;
    const trend = trendOf(only);
    const trendText = trend ? `, ${trend} over ${rangeText(data)}` : '';
    if (shape?.ranking) {
      const naming = labels.length > 0 ? labels : identifyingLabels(only);
      const word = shape.ranking.direction === 'top' ? 'highest' : 'lowest';
      return `${describeSeries(only, naming)} is the ${word}, at ${formatValue(value, unit)}${trendText}.`;
    }
    return `${subject} is ${formatValue(value, unit)} now${trendText}.`;
  }
  const ranked = [...series].sort(
    (a, b) => (b.value ?? Number.NEGATIVE_INFINITY) - (a.value ?? Number.NEGATIVE_INFINITY),
  );
  const top = ranked[0]!;
  const bottom = ranked.at(-1)!;
  const total = ranked.reduce(
    (sum, entry) => sum + (Number.isFinite(entry.value ?? Number.NaN) ? entry.value! : 0),
    0,
  );
  const parts = [
    `${series.length} series; the highest is ${describeSeries(top, labels)} at ${formatValue(top.value, unit)}`,
    `the lowest ${describeSeries(bottom, labels)} at ${formatValue(bottom.value, unit)}`,
  ];
  const additive = unit === '/s' || unit === 'bytes/s' || unit === '' || unit === 'bytes';
  const sentence = `${subject}: ${parts.join(', ')}.`;
  const trend = trendOf(top);
  const trendSentence =
    trend && trend !== 'steady' ? ` The top series is ${trend} over ${rangeText(data)}.` : '';
  return additive && !shape?.ranking
    ? `${sentence} Together ${formatValue(total, unit)}.${trendSentence}`
    : `${sentence}${trendSentence}`;
}

/** A compact, bounded view of the data for an LLM prompt (label values are data, JSON-encoded). */
export function dataForPrompt(data: AskData | null, maxSeries = 15): string {
  if (!data) return 'null';
  const series = data.series.slice(0, maxSeries).map((entry) => ({
    labels: entry.labels,
    value: entry.value,
    first: entry.values[0]?.[1] ?? null,
    min: entry.values.length > 0 ? Math.min(...entry.values.map(([, value]) => value)) : null,
    max: entry.values.length > 0 ? Math.max(...entry.values.map(([, value]) => value)) : null,
  }));
  return JSON.stringify({ series, more: Math.max(0, data.series.length - maxSeries), range: data.range });
}
