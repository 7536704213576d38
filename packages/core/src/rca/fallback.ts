import type { Anomaly, Evidence } from '../model/anomaly.js';
import type { RcaContent } from '../model/rca.js';
import { familyText, metricFamily } from './families.js';

/** Longest label value (in characters) quoted in a fallback analysis. */
const MAX_QUOTED_LENGTH = 120;

/** Labels that name where a series comes from, most specific first. */
const LOCATION_LABELS = ['instance', 'pod', 'host', 'hostname', 'node', 'container', 'service', 'job'];

/** Evidence keys detectors commonly use, by meaning. */
const EVIDENCE_KEYS = {
  threshold: ['threshold', 'limit', 'bound'],
  operator: ['operator', 'op', 'comparison'],
  mean: ['mean', 'average', 'baseline', 'median', 'expected', 'level'],
  spread: ['std', 'stddev', 'standardDeviation', 'sigma', 'mad', 'spread'],
  z: ['z', 'zScore', 'zscore', 'robustZ', 'deviation'],
  window: ['window', 'windowSize'],
  forSeconds: ['for', 'forSeconds', 'heldForSeconds'],
} as const;

/** Options of {@link buildFallbackRca}. */
export interface FallbackRcaOptions {
  /** Current time in ms, to say for how long the anomaly has been firing. @default Date.now() */
  readonly now?: number;
  /** Series names related to the anomaly (e.g. other firing anomalies on the same instance), mentioned in the cause. */
  readonly related?: readonly string[];
}

/**
 * Builds a deterministic root-cause analysis from the detector's evidence alone, for when no LLM
 * is configured or the LLM fails. The text names the metric, where it comes from, the value
 * compared with the threshold or the recent mean, how long it has lasted, and cause and fix hints
 * for the kind of metric (CPU, memory, disk, availability, latency, errors, network, queues).
 *
 * @example
 * ```ts
 * const content = buildFallbackRca(anomaly, { now: Date.now() });
 * content.summary; // 'cpu_usage on web-1 is 93.1, above the threshold of 80 (high, detected by threshold, for 2m 10s).'
 * ```
 */
export function buildFallbackRca(anomaly: Anomaly, options: FallbackRcaOptions = {}): RcaContent {
  const now = options.now ?? Date.now();
  const family = metricFamily(anomaly.metric);
  const text = familyText(family);
  const evidence = anomaly.evidence ?? {};
  const threshold = numberOf(evidence, EVIDENCE_KEYS.threshold);
  const operator = stringOf(evidence, EVIDENCE_KEYS.operator);
  const mean = numberOf(evidence, EVIDENCE_KEYS.mean);
  const spread = numberOf(evidence, EVIDENCE_KEYS.spread);
  const z = numberOf(evidence, EVIDENCE_KEYS.z);
  const window = numberOf(evidence, EVIDENCE_KEYS.window);
  const direction = directionOf(anomaly, { operator, threshold, z, mean });
  const where = locationOf(anomaly);
  const value = anomaly.value === null ? 'not a number' : formatNumber(anomaly.value);
  const lasting =
    now - anomaly.startsAt >= 1000 ? `for ${formatDuration(now - anomaly.startsAt)}` : 'just started';

  // A `threshold` next to statistics (mean, z) is the detector's z threshold, not a value limit.
  const valueLimit =
    operator !== undefined || (mean === undefined && z === undefined) ? threshold : undefined;
  let comparison: string;
  if (valueLimit !== undefined) {
    comparison = `${directionWord(direction, operator)} the threshold of ${formatNumber(valueLimit)}`;
  } else if (mean !== undefined && z !== undefined) {
    const spreadText = spread !== undefined ? ` ± ${formatNumber(spread)}` : '';
    const windowText = window !== undefined ? ` over the last ${formatNumber(window)} samples` : '';
    comparison = `${formatNumber(Math.abs(z))} standard deviations ${direction === 'low' ? 'below' : 'above'} its recent mean of ${formatNumber(mean)}${spreadText}${windowText}`;
  } else if (mean !== undefined && spread === 0) {
    const windowText = window !== undefined ? ` over the last ${formatNumber(window)} samples` : '';
    comparison = `away from the constant value of ${formatNumber(mean)} it had${windowText}`;
  } else if (mean !== undefined) {
    comparison = `${direction === 'low' ? 'below' : 'above'} its usual level of ${formatNumber(mean)}`;
  } else {
    comparison = direction === 'low' ? 'unusually low' : 'unusually high';
  }

  const series = `${anomaly.metric} on ${where}`;
  const summary = `${series} is ${value}, ${comparison} (${anomaly.severity}, detected by ${anomaly.detector}, ${lasting}).`;

  const simplified =
    family === 'availability' && direction === 'low'
      ? `The service at ${where} is not answering the monitoring system, so it is probably down or unreachable.`
      : `${capitalise(text.subject)} on ${where} is ${direction === 'low' ? 'much lower' : 'much higher'} than it should be (${value}${valueLimit !== undefined ? `, limit ${formatNumber(valueLimit)}` : ''}). This is ${anomaly.severity === 'critical' || anomaly.severity === 'high' ? 'urgent and worth looking at now' : 'worth a look'}.`;

  const labelText = formatLabels(anomaly.labels);
  const evidenceText = formatEvidence(evidence);
  const relatedText =
    options.related && options.related.length > 0
      ? ` Also firing nearby: ${options.related.slice(0, 5).map(quote).join(', ')}.`
      : '';
  const cause =
    `${direction === 'low' ? text.causeLow : text.causeHigh} Detector ${anomaly.detector} reported: ${quote(anomaly.reason)}.` +
    (labelText ? ` Series labels: ${labelText}.` : '') +
    (evidenceText ? ` Evidence: ${evidenceText}.` : '') +
    relatedText +
    ' (Automatic analysis from the detector evidence; no language model was used.)';
  const fix = `${direction === 'low' ? text.fixLow : text.fixHigh} Start with ${where} (target ${quote(anomaly.target)}) around ${new Date(anomaly.startsAt).toISOString()}.`;

  return { summary, simplified, cause, fix };
}

type Direction = 'high' | 'low';

function directionOf(
  anomaly: Anomaly,
  numbers: { operator?: string; threshold?: number; z?: number; mean?: number },
): Direction {
  const { operator, threshold, z, mean } = numbers;
  if (operator === '<' || operator === '<=') return 'low';
  if (operator === '>' || operator === '>=') return 'high';
  if (z !== undefined && z !== 0) return z < 0 ? 'low' : 'high';
  if (anomaly.value !== null && mean !== undefined) return anomaly.value < mean ? 'low' : 'high';
  if (anomaly.value !== null && threshold !== undefined) return anomaly.value < threshold ? 'low' : 'high';
  return 'high';
}

function directionWord(direction: Direction, operator: string | undefined): string {
  if (operator === '==') return 'equal to';
  if (operator === '!=') return 'different from';
  return direction === 'low' ? 'below' : 'above';
}

function locationOf(anomaly: Anomaly): string {
  for (const name of LOCATION_LABELS) {
    const value = anomaly.labels[name];
    if (value) return quote(value);
  }
  return `target ${quote(anomaly.target)}`;
}

function numberOf(evidence: Evidence, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = evidence[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function stringOf(evidence: Evidence, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = evidence[key];
    if (typeof value === 'string') return value.trim();
  }
  return undefined;
}

/** Renders a number with at most four significant digits, without exponent noise for everyday values. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const rounded = Number(value.toPrecision(4));
  return String(rounded);
}

/** Renders a duration as `2h 5m`, `3m 10s` or `42s`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${rest}s`;
  return `${rest}s`;
}

/** Quotes a value taken from the monitored systems, capped in length, with control characters escaped. */
function quote(value: string): string {
  const capped = value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value;
  return JSON.stringify(capped);
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .slice(0, 12)
    .map((name) => `${name}=${quote(labels[name]!)}`)
    .join(', ');
}

function formatEvidence(evidence: Evidence): string {
  return Object.keys(evidence)
    .slice(0, 12)
    .map((key) => {
      const value = evidence[key];
      if (typeof value === 'number') return `${key}=${formatNumber(value)}`;
      if (typeof value === 'string') return `${key}=${quote(value)}`;
      return `${key}=${String(value)}`;
    })
    .join(', ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
