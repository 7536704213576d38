import type { CatalogMetric, MetricCatalogSnapshot } from './catalog.js';
import {
  catalogIndex,
  closestMetricNames,
  nameStemsOf,
  postingInName,
  postingMetric,
  retrieveMetrics,
} from './retrieval.js';
import { splitName } from './text.js';
import { type QueryShape, translateOffline } from './translate-offline.js';

/** What follow-up suggestions are built from. */
export interface FollowupInput {
  readonly question: string;
  readonly promql: string | null;
  readonly shape: QueryShape | null;
  readonly snapshot: MetricCatalogSnapshot;
  /** Earlier prompts of the session (or of the user), newest first; they are not suggested again. */
  readonly history?: readonly string[];
  /** @default 3 */
  readonly limit?: number;
  /**
   * True when the offline translator produced `promql` for `question`: then "… compared with an
   * hour ago" is answerable by construction and is not checked again.
   * @default false
   */
  readonly offline?: boolean;
}

const housekeepingLabels = new Set(['le', 'quantile', 'job', 'instance', '__name__']);

/** Words that name a metric for a person: `http_requests_total` → `http requests`. */
export function metricPhrase(metric: CatalogMetric): string {
  const words = splitName(metric.name);
  while (words.length > 1 && ['total', 'count', 'sum', 'bucket', 'info', 'created'].includes(words.at(-1)!))
    words.pop();
  if (words.length > 1 && ['seconds', 'bytes', 'ratio', 'percent', 'celsius'].includes(words.at(-1)!)) {
    const unit = words.pop()!;
    if (unit === 'seconds' && !words.some((word) => /time|duration|latency|delay/.test(word)))
      words.push('time');
    if (unit === 'bytes' && words.length === 1) words.push('bytes');
  }
  // MemAvailable under memory: "memory available", not "memory mem available"
  const kept = words.filter(
    (word, index) =>
      !words.some((other, position) => position !== index && other !== word && other.startsWith(word)),
  );
  return kept.join(' ');
}

/** Labels worth breaking a metric down by: more than one value, not too many, not bookkeeping. */
function breakdownCandidates(metric: CatalogMetric, exclude: ReadonlySet<string>): string[] {
  const usable = [...metric.labels.values()]
    .filter((label) => label.name !== 'le' && label.name !== 'quantile' && !exclude.has(label.name))
    .filter((label) => label.values.length > 1 && label.values.length <= 50)
    .sort((a, b) => a.values.length - b.values.length);
  const meaningful = usable.filter((label) => !housekeepingLabels.has(label.name));
  return (meaningful.length > 0 ? meaningful : usable).map((label) => label.name);
}

/**
 * Three follow-up questions grounded in the catalog: break the result down by a label that
 * exists, compare with an hour ago, and look at a related metric. Each suggestion is checked by
 * the offline translator, so asking it works without an LLM; earlier prompts are not repeated.
 *
 * @example
 * ```ts
 * suggestFollowups({ question: 'request rate', promql, shape, snapshot });
 * // ['Break down http requests by route', 'request rate compared with an hour ago', 'p95 http request duration']
 * ```
 */
export function suggestFollowups(input: FollowupInput): string[] {
  const limit = input.limit ?? 3;
  const { snapshot, shape } = input;
  const asked = new Set([input.question, ...(input.history ?? [])].map(normalise));
  const main = shape?.metrics[0] ? snapshot.byName.get(shape.metrics[0]) : undefined;
  const candidates: string[] = [];
  const question = input.question.trim().replace(/[?.!]+$/, '');
  let compared: string | null = null;
  const relevantMetrics = retrieveMetrics(snapshot, question, { limit: 6 }).map((entry) => entry.metric);

  if (main && shape) {
    const phrase = metricPhrase(main);
    const filtered = new Set(filteredLabels(input.promql));
    const exclude = new Set([...shape.groupBy, ...filtered]);
    const labels = breakdownCandidates(main, exclude);
    const first = labels[0];
    const healthLike = main.name === 'up' || main.name.endsWith('_up') || shape.threshold !== null;
    if (healthLike && snapshot.byName.has('up')) candidates.push('Which targets are down?');
    if (first && !shape.info) {
      candidates.push(`${describeMeasure(main, phrase)} by ${spoken(first)}`);
      if (!shape.ranking && !healthLike)
        candidates.push(`Which ${spoken(first)} has the highest ${describeMeasure(main, phrase)}?`);
    }
    if (!shape.info && !shape.threshold && question.length > 0 && !/\bago\b/i.test(question)) {
      compared = `${question} compared with an hour ago`;
      candidates.push(compared);
    }
    for (const related of relatedMetrics(snapshot, main, relevantMetrics)) {
      candidates.push(`${describeMeasure(related, metricPhrase(related))}`);
    }
    if (labels[1]) candidates.push(`${describeMeasure(main, phrase)} by ${spoken(labels[1])}`);
  }
  const relevant = relevantMetrics.map((metric) => metric.name).filter((name) => name !== main?.name);
  const others =
    relevant.length >= limit
      ? relevant
      : [...new Set([...relevant, ...closestMetricNames(snapshot, question, 5)])];
  for (const name of others) {
    const metric = snapshot.byName.get(name);
    if (metric && metric !== main && !metric.name.endsWith('_created'))
      candidates.push(describeMeasure(metric, metricPhrase(metric)));
  }
  if (snapshot.byName.has('up')) candidates.push('Which targets are down?');

  const suggestions: string[] = [];
  for (const candidate of candidates) {
    if (suggestions.length >= limit) break;
    const key = normalise(candidate);
    if (asked.has(key) || suggestions.some((existing) => normalise(existing) === key)) continue;
    // only suggest what can be answered, even without an LLM
    const knownToWork = candidate === compared && input.offline === true;
    if (!knownToWork && !answerable(snapshot, candidate)) continue;
    suggestions.push(candidate[0]!.toUpperCase() + candidate.slice(1));
  }
  return suggestions;
}

const answerableCache = new WeakMap<MetricCatalogSnapshot, Map<string, boolean>>();

/** Whether the offline translator answers a suggestion; remembered per catalog snapshot (suggestions recur). */
function answerable(snapshot: MetricCatalogSnapshot, suggestion: string): boolean {
  let cache = answerableCache.get(snapshot);
  if (!cache) {
    cache = new Map();
    answerableCache.set(snapshot, cache);
  }
  let known = cache.get(suggestion);
  if (known === undefined) {
    known = translateOffline(suggestion, snapshot).promql !== null;
    if (cache.size >= 2000) cache.clear();
    cache.set(suggestion, known);
  }
  return known;
}

/** How to ask for a metric's natural measure: rates for counters, p95 for histograms. */
function describeMeasure(metric: CatalogMetric, phrase: string): string {
  if (metric.type === 'counter') return `${phrase} per second`;
  if (metric.type === 'histogram' || metric.type === 'summary') return `p95 ${phrase}`;
  return phrase;
}

function spoken(label: string): string {
  return label.replace(/_/g, ' ');
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function filteredLabels(promql: string | null): string[] {
  if (!promql) return [];
  const labels: string[] = [];
  for (const match of promql.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"/g)) labels.push(match[1]!);
  return labels;
}

/** Metrics of the same family prefix (`http_requests_total` → `http_request_duration_seconds`), then by relevance. */
function relatedMetrics(
  snapshot: MetricCatalogSnapshot,
  main: CatalogMetric,
  relevant: readonly CatalogMetric[],
): CatalogMetric[] {
  const siblings = siblingsOf(snapshot, main);
  const byRelevance = relevant.filter((metric) => metric.name !== main.name && !siblings.includes(metric));
  return [...siblings, ...byRelevance];
}

/** Siblings found per snapshot: they depend only on the catalog, and a catalog answers many questions. */
const siblingCache = new WeakMap<MetricCatalogSnapshot, Map<CatalogMetric, readonly CatalogMetric[]>>();

/** Up to three metrics whose names start with the same words as `main`'s, other types first, shortest first. */
function siblingsOf(snapshot: MetricCatalogSnapshot, main: CatalogMetric): readonly CatalogMetric[] {
  let cache = siblingCache.get(snapshot);
  if (!cache) {
    cache = new Map();
    siblingCache.set(snapshot, cache);
  }
  const cached = cache.get(main);
  if (cached) return cached;
  const index = catalogIndex(snapshot);
  const stems = nameStemsOf(main.name);
  const prefix = stems.slice(0, Math.max(1, Math.min(2, stems.length - 1)));
  // metrics whose names start with the same words: the postings of the first word narrow them down
  const sharingFirst = [...(index.postings.get(prefix[0]!) ?? [])].filter(postingInName);
  const siblings = sharingFirst
    .map((posting) => snapshot.metrics[postingMetric(posting)]!)
    .filter((metric) => metric.name !== main.name && !metric.name.endsWith('_created'))
    .filter((metric) => {
      const other = index.nameStems[index.positions.get(metric)!]!;
      return prefix.every((word, position) => other[position] === word);
    })
    .sort(
      (a, b) => Number(b.type !== main.type) - Number(a.type !== main.type) || a.name.length - b.name.length,
    )
    .slice(0, 3);
  cache.set(main, siblings);
  return siblings;
}
