import type { Anomaly } from '../model/anomaly.js';
import type { Sample } from '../model/sample.js';
import { metricFamily } from './families.js';

/** Labels that identify the machine or workload a series comes from. */
const IDENTITY_LABELS = [
  'instance',
  'job',
  'pod',
  'namespace',
  'node',
  'host',
  'hostname',
  'service',
  'container',
];

/** Most candidates taken from one index bucket, so a huge job does not make selection slow. */
const MAX_BUCKET_CANDIDATES = 400;

interface SampleIndex {
  readonly byLabel: Map<string, Sample[]>;
  readonly byMetric: Map<string, Sample[]>;
  readonly byFamily: Map<string, Sample[]>;
}

const indexes = new WeakMap<readonly Sample[], SampleIndex>();

/** Indexes a tick's samples once (cached per array), so many anomalies of one tick share the work. */
function indexOf(samples: readonly Sample[]): SampleIndex {
  let index = indexes.get(samples);
  if (index) return index;
  index = { byLabel: new Map(), byMetric: new Map(), byFamily: new Map() };
  const families = new Map<string, string>();
  for (const sample of samples) {
    for (const name of IDENTITY_LABELS) {
      const value = sample.labels[name];
      if (value !== undefined) push(index.byLabel, `${sample.target}\u0000${name}\u0000${value}`, sample);
    }
    push(index.byMetric, sample.metric, sample);
    let family = families.get(sample.metric);
    if (family === undefined) {
      family = metricFamily(sample.metric);
      families.set(sample.metric, family);
    }
    push(index.byFamily, `${sample.target}\u0000${family}`, sample);
  }
  indexes.set(samples, index);
  return index;
}

function push(map: Map<string, Sample[]>, key: string, sample: Sample): void {
  const list = map.get(key);
  if (list) list.push(sample);
  else map.set(key, [sample]);
}

/**
 * Picks the series most relevant to an anomaly from a tick's samples: same instance, job or other
 * identity labels first, then the same metric elsewhere and metrics of the same kind (CPU, memory,
 * ...) on the same target. Deterministic: ties are broken by series id. The anomaly's own series
 * is left out.
 *
 * @example
 * ```ts
 * const related = selectRelatedSeries(anomaly, collection.samples, 15);
 * ```
 */
export function selectRelatedSeries(anomaly: Anomaly, samples: readonly Sample[], limit: number): Sample[] {
  if (limit <= 0 || samples.length === 0) return [];
  const index = indexOf(samples);
  const candidates = new Set<Sample>();
  const addBucket = (bucket: readonly Sample[] | undefined) => {
    if (!bucket) return;
    for (let position = 0; position < bucket.length && position < MAX_BUCKET_CANDIDATES; position++) {
      candidates.add(bucket[position]!);
    }
  };
  for (const name of IDENTITY_LABELS) {
    const value = anomaly.labels[name];
    if (value !== undefined) addBucket(index.byLabel.get(`${anomaly.target}\u0000${name}\u0000${value}`));
  }
  addBucket(index.byMetric.get(anomaly.metric));
  const family = metricFamily(anomaly.metric);
  if (family !== 'other') addBucket(index.byFamily.get(`${anomaly.target}\u0000${family}`));

  const scored: Array<{ sample: Sample; score: number }> = [];
  for (const sample of candidates) {
    if (
      sample.metric === anomaly.metric &&
      sample.target === anomaly.target &&
      sameLabels(sample.labels, anomaly.labels)
    )
      continue;
    let score = 0;
    if (sample.target === anomaly.target) score += 1;
    if (anomaly.labels.instance !== undefined && sample.labels.instance === anomaly.labels.instance)
      score += 4;
    if (anomaly.labels.job !== undefined && sample.labels.job === anomaly.labels.job) score += 2;
    for (const name of IDENTITY_LABELS) {
      if (name === 'instance' || name === 'job') continue;
      const value = anomaly.labels[name];
      if (value !== undefined && sample.labels[name] === value) score += 2;
    }
    if (sample.metric === anomaly.metric) score += 2;
    else if (family !== 'other' && metricFamily(sample.metric) === family) score += 2;
    else if (prefixOf(sample.metric) === prefixOf(anomaly.metric)) score += 1;
    scored.push({ sample, score });
  }
  scored.sort((left, right) =>
    right.score !== left.score
      ? right.score - left.score
      : left.sample.seriesId < right.sample.seriesId
        ? -1
        : left.sample.seriesId > right.sample.seriesId
          ? 1
          : 0,
  );
  return scored.slice(0, limit).map((entry) => entry.sample);
}

/**
 * Other firing anomalies worth mentioning next to `anomaly`: same instance first, then same
 * target, newest first; the anomaly itself is left out.
 */
export function selectRelatedAnomalies(
  anomaly: Anomaly,
  firing: readonly Anomaly[],
  limit: number,
): Anomaly[] {
  const scored: Array<{ other: Anomaly; score: number }> = [];
  for (const other of firing) {
    if (other.id === anomaly.id || other.fingerprint === anomaly.fingerprint) continue;
    let score = 0;
    if (other.target === anomaly.target) score += 1;
    if (anomaly.labels.instance !== undefined && other.labels.instance === anomaly.labels.instance)
      score += 4;
    if (anomaly.labels.job !== undefined && other.labels.job === anomaly.labels.job) score += 2;
    scored.push({ other, score });
  }
  scored.sort((left, right) => right.score - left.score || right.other.startsAt - left.other.startsAt);
  return scored.slice(0, limit).map((entry) => entry.other);
}

function prefixOf(metric: string): string {
  const cut = metric.indexOf('_');
  return cut === -1 ? metric : metric.slice(0, cut);
}

function sameLabels(
  left: Readonly<Record<string, string>>,
  right: Readonly<Record<string, string>>,
): boolean {
  const leftNames = Object.keys(left);
  if (leftNames.length !== Object.keys(right).length) return false;
  for (const name of leftNames) if (left[name] !== right[name]) return false;
  return true;
}
