import { type CatalogMetric, escapeRegex, labelNumber, type MetricCatalogSnapshot } from './catalog.js';
import { formatDuration, quote, withOffset } from './promql.js';
import {
  byteUnit,
  numberOf,
  type OutputUnit,
  percentUnit,
  type Token,
  timeUnit,
  timeUnitSeconds,
  tokenize,
} from './question.js';
import {
  type CatalogIndex,
  catalogIndex,
  closestMetricNames,
  contentWords,
  expandStem,
  findValueMentions,
  matchLabelName,
  nameStemsOf,
  type RetrievedMetric,
  resourceMaskOf,
  retrieveMetrics,
  type ValueMention,
} from './retrieval.js';
import { splitName, splitText, stem, stopWords, synonymsOf, type Word } from './text.js';

/** What the query computes, for choosing a chart and describing the answer. */
export interface QueryShape {
  /** Metric families the query reads. */
  readonly metrics: readonly string[];
  /** Type of the main metric. */
  readonly metricType: CatalogMetric['type'];
  /** Unit of the result: `%`, `s`, `ms`, `bytes`, `GB`, `bytes/s`, `Gbps`, `/s`, `/min`, `ratio`, `°C`, `` (plain number). */
  readonly unit: string;
  /** Labels the result is broken down by (empty for one aggregated series). */
  readonly groupBy: readonly string[];
  /** `topk`/`bottomk` with k, when the query ranks series. */
  readonly ranking: { readonly direction: 'top' | 'bottom'; readonly k: number } | null;
  /** A comparison filter such as `> 80`, when the query keeps only some series. */
  readonly threshold: { readonly operator: string; readonly value: number } | null;
  /** True when the result is one number (an aggregate without grouping). */
  readonly single: boolean;
  /** True when the metric is an info metric whose labels are the answer. */
  readonly info: boolean;
  /** Upper bound of the value when known (1 for 0/1 metrics, 100 for percent). */
  readonly max: number | null;
}

/** The outcome of {@link translateOffline}. */
export interface OfflineTranslation {
  /** The query, or null when the translator is not confident (then `reason` says why). */
  readonly promql: string | null;
  /** 0..1; below `minConfidence` no query is returned. */
  readonly confidence: number;
  /** What the query does, or why there is none. */
  readonly reason: string;
  /** Closest metric names when no metric fits the question. */
  readonly closest: readonly string[];
  /** Present with a query. */
  readonly shape: QueryShape | null;
  /**
   * Present when the question filters on a value no series has ("CPU usage for server1" where no
   * label value is like server1): the value, the label it most likely belongs to and that label's
   * closest values. There is no query then: dropping the filter would answer another question.
   */
  readonly unknownValue?: UnknownValue;
}

/** A value the question names that no series of the chosen metrics has. */
export interface UnknownValue {
  /** The value as written in the question. */
  readonly value: string;
  /** The label it most likely belongs to (`instance`). */
  readonly label: string;
  /** That label's values closest to it, best first (at most 5). */
  readonly closest: readonly string[];
}

/** Options of {@link translateOffline}. */
export interface OfflineTranslatorOptions {
  /** Window of `rate()` when the question names none. @default 300 (5m) */
  readonly defaultWindowSeconds?: number;
  /** Below this confidence no query is returned. @default 0.5 */
  readonly minConfidence?: number;
}

type Aggregation = 'sum' | 'avg' | 'max' | 'min' | 'count';

interface Comparison {
  readonly operator: '>' | '<' | '>=' | '<=' | '==' | '!=';
  readonly value: number;
  /** Unit the threshold is given in. */
  readonly unit: OutputUnit | null;
  /** True when the threshold is a time (`longer than 2 seconds`). */
  readonly duration: boolean;
}

interface Features {
  quantile: number | null;
  windowSeconds: number | null;
  /** Seconds per unit of "per minute" etc.; 1 for "per second". */
  perSeconds: number | null;
  output: OutputUnit | null;
  comparison: Comparison | null;
  ranking: { direction: 'top' | 'bottom'; k: number; phraseStart: number | null } | null;
  aggregation: Aggregation | null;
  breakdown: number[][];
  which: number[] | null;
  /** Words that name the label of the answer rather than the metric ("pods" in "top 3 pods by cpu"). */
  answerWords: number[];
  ratio: boolean;
  percent: boolean;
  mean: boolean;
  howMany: boolean;
  down: boolean;
  up: boolean;
  operator: {
    kind: 'divide' | 'subtract' | 'add' | 'compare';
    at: number;
    percent: boolean;
    /** For `compare`: how the left side compares with the right. */
    comparison?: '>' | '<';
    /** The operands are written the other way round ("share of A that are B" is B / A). */
    swap?: boolean;
  } | null;
  increase: boolean;
  /** "an hour ago": look this many seconds into the past. */
  offsetSeconds: number | null;
  /** "compared with an hour ago": the change since then rather than the old value. */
  compare: boolean;
  /**
   * Time to or from a timestamp: `until` ("days until the certificate expires"), `since` ("how
   * long since the last reload"), `uptime` ("how long has the machine been up").
   */
  elapsed: 'until' | 'since' | 'uptime' | null;
  /** Token indexes used by the structure of the question (not for choosing metrics). */
  consumed: Set<number>;
}

const superlativesTop = new Set([
  'most',
  'highest',
  'biggest',
  'largest',
  'greatest',
  'max',
  'maximum',
  'hottest',
  'busiest',
  'slowest',
  'worst',
  'heaviest',
  'fullest',
  'furthest',
  'farthest',
  'top',
]);
const superlativesBottom = new Set([
  'least',
  'lowest',
  'smallest',
  'fewest',
  'coldest',
  'idlest',
  'min',
  'minimum',
  'bottom',
  'emptiest',
]);
const averageStems = new Set(['average', 'avg', 'mean'].map(stem));

/** Words naming scrape targets, whose health is the `up` series. */
const targetWords = new Set(['target', 'scrape', 'job', 'exporter', 'endpoint', 'instance'].map(stem));

/** Superlatives that are also names of limits ("used vs max", "% of max connections"). */
const boundWords = new Set(['max', 'maximum', 'min', 'minimum']);

/** True when a content word follows ("max cpu"), so the word ranks rather than names a limit. */
function namesSomethingAfter(tokens: readonly Token[], position: number): boolean {
  const previous = tokens[position - 1]?.text;
  if (
    previous === 'vs' ||
    previous === 'versus' ||
    previous === 'of' ||
    previous === '/' ||
    previous === 'to'
  )
    return false;
  const next = tokens[position + 1];
  return next !== undefined && next.kind === 'word' && !stopWords.has(next.text);
}

/** Superlatives that also say what is measured. */
const superlativeMeaning: Readonly<Record<string, string>> = {
  hottest: 'temperature',
  coldest: 'temperature',
  busiest: 'busy',
  furthest: 'lag',
  farthest: 'lag',
  idlest: 'busy',
  slowest: 'latency',
  fullest: 'used',
  emptiest: 'used',
  heaviest: 'load',
};
const downWords = new Set([
  'down',
  'offline',
  'unreachable',
  'dead',
  'failing',
  'unhealthy',
  'broken',
  'outage',
]);
const outcomeLabel =
  /(^|_)(code|status|result|outcome|state|response|reason|success|error|verdict|decision)($|_)/;
const outcomeStems = new Set(
  [
    'fail',
    'error',
    'succeed',
    'success',
    'deny',
    'denied',
    'hit',
    'miss',
    'timeout',
    'reject',
    'drop',
    'abort',
    'cancel',
    'ok',
    'accept',
    'grant',
    'block',
  ].map(stem),
);
const countEntities = new Set(
  [
    'target',
    'instance',
    'host',
    'server',
    'node',
    'pod',
    'container',
    'service',
    'job',
    'series',
    'machine',
    'endpoint',
  ].map(stem),
);
const nonAdditiveUnits = new Set(['celsius', 'ratio', 'percent', 'seconds', 'milliseconds', 'fahrenheit']);

const at = (tokens: readonly Token[], position: number) => tokens[position];
const textAt = (tokens: readonly Token[], position: number) => tokens[position]?.text;

/** Reads the structure of a question: quantiles, windows, units, rankings, breakdowns, ratios. */
function analyze(tokens: readonly Token[]): Features {
  const consumed = new Set<number>();
  const features: Features = {
    quantile: null,
    windowSeconds: null,
    perSeconds: null,
    output: null,
    comparison: null,
    ranking: null,
    aggregation: null,
    breakdown: [],
    which: null,
    answerWords: [],
    ratio: false,
    percent: false,
    mean: false,
    howMany: false,
    down: false,
    up: false,
    operator: null,
    increase: false,
    offsetSeconds: null,
    compare: false,
    elapsed: null,
    consumed,
  };
  const use = (...positions: number[]) => {
    for (const position of positions) consumed.add(position);
  };
  const count = tokens.length;
  for (let position = 0; position < count; position++) {
    const token = tokens[position]!;
    const text = token.text;
    const next = textAt(tokens, position + 1);
    const previous = textAt(tokens, position - 1);

    // quantiles: p95, p99.9, 95th percentile, median
    const pMatch = /^p(\d{1,2}(?:\.\d+)?)$/.exec(text);
    if (pMatch) {
      features.quantile = Number(pMatch[1]) / 100;
      use(position);
      continue;
    }
    if ((text === 'percentile' || text === 'quantile') && position > 0) {
      const raw = /^(\d{1,2}(?:\.\d+)?)(st|nd|rd|th)?$/.exec(textAt(tokens, position - 1) ?? '');
      if (raw) {
        features.quantile = Number(raw[1]) / 100;
        use(position - 1, position);
        continue;
      }
      const after = numberOf(at(tokens, position + 1));
      if (after !== null) {
        features.quantile = after <= 1 ? after : after / 100;
        use(position, position + 1);
        continue;
      }
    }
    if (/^\d{1,2}(st|nd|rd|th)$/.test(text) && next === 'percentile') continue;
    if (text === 'median') {
      features.quantile = 0.5;
      use(position);
      continue;
    }

    // time windows: last 10 minutes, past hour, over the last 30m, (5m)
    // past values: an hour ago, 2 days ago, compared with yesterday
    if (text === 'ago') {
      const seconds = timeUnitSeconds(previous);
      if (seconds !== null && seconds >= 1) {
        const amount = numberOf(at(tokens, position - 2)) ?? 1;
        features.offsetSeconds = amount * seconds;
        use(position, position - 1);
        if (numberOf(at(tokens, position - 2)) !== null) use(position - 2);
        if (features.windowSeconds === amount * seconds) features.windowSeconds = null;
      }
      continue;
    }
    if (
      ['compare', 'compared', 'comparing', 'comparison', 'change', 'changed', 'difference'].includes(text)
    ) {
      features.compare = true;
      use(position);
      continue;
    }
    if (
      text === 'yesterday' &&
      (features.compare || previous === 'than' || previous === 'vs' || previous === 'with')
    ) {
      features.offsetSeconds = 86400;
      use(position);
      continue;
    }
    if (text === 'today' || text === 'yesterday') {
      features.windowSeconds = 86400;
      use(position);
      continue;
    }
    if (['last', 'past', 'previous', 'recent', 'within'].includes(text)) {
      let cursor = position + 1;
      let amount = numberOf(at(tokens, cursor));
      if (amount !== null) cursor++;
      else amount = 1;
      const seconds = timeUnitSeconds(textAt(tokens, cursor));
      if (seconds !== null && seconds >= 1) {
        features.windowSeconds = amount * seconds;
        use(position, cursor);
        if (cursor > position + 1) use(position + 1);
        position = cursor;
        continue;
      }
    }
    if (token.kind === 'number' && position + 1 < count && textAt(tokens, position + 2) !== 'ago') {
      const seconds = timeUnitSeconds(next);
      const prior = previous ?? '';
      const isThreshold = [
        'than',
        'above',
        'below',
        'under',
        'over',
        'exceeds',
        '>',
        '<',
        '>=',
        '<=',
      ].includes(prior);
      if (
        seconds !== null &&
        seconds >= 1 &&
        !isThreshold &&
        (['in', 'for', 'of', '(', ',', 'over', 'a', 'each', 'every'].includes(prior) ||
          /^(s|m|h|d|w)$/.test(next ?? '') ||
          textAt(tokens, position + 2) === 'rate' ||
          textAt(tokens, position + 2) === 'window' ||
          textAt(tokens, position + 2) === ',' ||
          textAt(tokens, position + 2) === ')' ||
          position + 2 === count)
      ) {
        features.windowSeconds = Number(text) * seconds;
        use(position, position + 1);
        position++;
        continue;
      }
    }

    // per-unit rates: per second, per minute, /s, rps
    if (
      (text === 'per' || text === 'a' || text === '/' || text === 'each' || text === 'every') &&
      next &&
      textAt(tokens, position + 2) !== 'ago'
    ) {
      const seconds = timeUnitSeconds(next);
      if (
        seconds !== null &&
        seconds >= 1 &&
        !(text === 'a' && previous !== undefined && /^\d/.test(previous))
      ) {
        features.perSeconds = seconds;
        use(position, position + 1);
        position++;
        continue;
      }
    }
    if (['rps', 'qps', 'iops', 'ops'].includes(text)) {
      features.perSeconds = 1;
      // "ops" and "iops" also name what is counted (operations); "rps" and "qps" only the unit
      if (text === 'rps' || text === 'qps') use(position);
    }
    if (text === 'daily') features.perSeconds = 86400;
    if (text === 'hourly') features.perSeconds = 3600;

    // comparisons: above 80%, less than 20% busy, longer than 2 seconds, > 5
    const comparisonOperator = comparisonAt(tokens, position);
    if (comparisonOperator) {
      const valuePosition = position + comparisonOperator.length;
      const value = numberOf(at(tokens, valuePosition));
      if (value !== null && at(tokens, valuePosition)?.kind === 'number') {
        const unitWord = textAt(tokens, valuePosition + 1);
        let unit: OutputUnit | null = null;
        let duration = false;
        if (unitWord === '%' || unitWord === 'percent') unit = percentUnit;
        else if (timeUnit(unitWord)) {
          unit = timeUnit(unitWord);
          duration = true;
        } else if (byteUnit(unitWord)) unit = byteUnit(unitWord);
        if (comparisonOperator.duration) duration = unit?.kind === 'time' || duration;
        features.comparison = { operator: comparisonOperator.operator, value, unit, duration };
        // "hotter than" also says what is measured: keep the word for choosing the metric
        use(...range(position + (comparisonOperator.keep ? 1 : 0), valuePosition + (unit ? 1 : 0)));
        position = valuePosition + (unit ? 1 : 0);
        continue;
      }
    }

    // output units: in ms, in GB, %, Gbps, in minutes
    const bytes = byteUnit(text);
    if (bytes && token.kind === 'word') {
      features.output = bytes;
      use(position);
      if (previous === 'in') use(position - 1);
      continue;
    }
    if (text === '%' || text === 'percent' || text === 'percentage' || text === 'pct') {
      features.percent = true;
      use(position);
      if (!features.output) features.output = percentUnit;
      if (previous === 'in' || previous === 'as') use(position - 1);
      continue;
    }
    if (previous === 'in' && timeUnit(text) && !/^\d/.test(textAt(tokens, position - 2) ?? '')) {
      features.output = timeUnit(text);
      use(position - 1, position);
      continue;
    }
    if (text === 'ms' || text === 'milliseconds') {
      features.output = timeUnit('ms');
      use(position);
      continue;
    }

    // rankings: top 5, which … most, hottest GPU, bottom 3
    if ((text === 'top' || text === 'bottom') && token.kind === 'word') {
      const k = numberOf(at(tokens, position + 1));
      if (k !== null && at(tokens, position + 1)?.kind === 'number') {
        features.ranking = { direction: text === 'top' ? 'top' : 'bottom', k, phraseStart: position + 2 };
        use(position, position + 1);
        position++;
        continue;
      }
    }
    if (
      (superlativesTop.has(text) || superlativesBottom.has(text)) &&
      !(boundWords.has(text) && !namesSomethingAfter(tokens, position))
    ) {
      const direction = superlativesTop.has(text) ? 'top' : 'bottom';
      if (!features.ranking) features.ranking = { direction, k: 1, phraseStart: position + 1 };
      if (!superlativeMeaning[text]) use(position);
      continue;
    }

    // aggregations
    if (['average', 'avg', 'mean'].includes(text)) {
      features.aggregation = 'avg';
      features.mean = true;
      use(position);
      continue;
    }
    if (['total', 'sum', 'overall', 'combined', 'together', 'altogether', 'aggregate'].includes(text)) {
      if (!features.aggregation) features.aggregation = 'sum';
      continue;
    }
    if (['peak'].includes(text)) {
      features.aggregation = 'max';
      use(position);
      continue;
    }

    // breakdowns: by X, per X, for each X, split by X
    if ((text === 'by' || text === 'per' || text === 'each' || text === 'every') && next) {
      if (text === 'by' && ['the', 'a'].includes(next)) continue;
      // "top 3 pods by cpu": what follows "by" is the measure, the ranked words name the answer
      const rankedStart = features.ranking?.phraseStart ?? null;
      if (
        text === 'by' &&
        rankedStart !== null &&
        position > rankedStart &&
        position - rankedStart <= 3 &&
        tokens.slice(rankedStart, position).every((token) => token.kind === 'word')
      ) {
        if (!features.which) features.which = range(rankedStart, position - 1);
        features.answerWords.push(...range(rankedStart, position - 1));
        use(position);
        continue;
      }
      const phrase = phraseAfter(tokens, position + 1);
      if (phrase.length > 0) {
        features.breakdown.push(phrase);
        use(position);
      }
      continue;
    }
    if (text === 'which' || (text === 'what' && next !== 'is' && next !== 'are' && next !== '%')) {
      const phrase = phraseAfter(tokens, position + 1);
      if (phrase.length > 0 && text === 'which') features.which = phrase;
      continue;
    }

    // ratios: ratio, rate in %, share of, what percent of, A / B, A vs B, as % of
    if (['ratio', 'share', 'fraction', 'proportion'].includes(text)) {
      features.ratio = true;
      use(position);
      continue;
    }
    if (
      text === 'rate' &&
      previous &&
      (outcomeStems.has(stem(previous)) || ['error', 'errors'].includes(previous))
    ) {
      features.ratio = true;
      use(position);
      continue;
    }
    if (token.kind === 'symbol' && text === '/') {
      features.operator = { kind: 'divide', at: position, percent: false };
      use(position);
      continue;
    }
    if (text === 'vs' || text === 'versus' || (text === 'divided' && next === 'by')) {
      features.operator = { kind: 'divide', at: position, percent: false };
      use(position);
      if (text === 'divided') use(position + 1);
      continue;
    }
    if (text === 'as' && (next === '%' || next === 'percent' || next === 'percentage' || next === 'a')) {
      let cursor = position + 1;
      if (textAt(tokens, cursor) === 'a') cursor++;
      if (['%', 'percent', 'percentage', 'fraction', 'share'].includes(textAt(tokens, cursor) ?? '')) {
        if (textAt(tokens, cursor + 1) === 'of') {
          features.operator = {
            kind: 'divide',
            at: cursor + 1,
            percent: textAt(tokens, cursor) !== 'fraction' && textAt(tokens, cursor) !== 'share',
          };
          features.ratio = true;
          features.percent = features.operator.percent;
          if (features.percent) features.output = percentUnit;
          use(...range(position, cursor + 1));
          position = cursor + 1;
          continue;
        }
      }
    }
    if (text === 'minus' || (token.kind === 'symbol' && text === '-')) {
      features.operator = { kind: 'subtract', at: position, percent: false };
      use(position);
      continue;
    }
    if (text === 'plus' || (token.kind === 'symbol' && text === '+')) {
      features.operator = { kind: 'add', at: position, percent: false };
      use(position);
      continue;
    }

    // "which queue has no consumers", "hosts with zero connections": the value is 0
    if (
      (text === 'zero' ||
        (text === 'no' && ['has', 'have', 'with', 'without', 'had'].includes(previous ?? ''))) &&
      !features.comparison &&
      at(tokens, position + 1)?.kind === 'word'
    ) {
      features.comparison = { operator: '==', value: 0, unit: null, duration: false };
      use(position);
      continue;
    }
    // two metrics compared: "fewer available replicas than desired", "more errors than successes"
    if (text === 'than' && !features.operator && !features.comparison) {
      const after = at(tokens, position + 1);
      const comparative = tokens
        .slice(Math.max(0, position - 4), position)
        .find((token) => comparativeWords.has(token.text));
      if (comparative && after?.kind === 'word' && numberOf(after) === null && after.text !== 'the') {
        features.operator = {
          kind: 'compare',
          at: position,
          percent: false,
          comparison: comparativeWords.get(comparative.text)!,
        };
        use(position, comparative.index);
        continue;
      }
    }
    // "fraction of desired replicas that are available": the part is named last
    if (
      (text === 'that' || text === 'which') &&
      !features.operator &&
      ['are', 'is', 'were', 'was'].includes(next ?? '')
    ) {
      const cue = tokens
        .slice(0, position)
        .findLast((token, index) => token.text === 'of' && shareCues.has(tokens[index - 1]?.text ?? ''));
      if (cue && tokens.slice(position + 2).some((token) => token.kind === 'word')) {
        const percentCue = ['%', 'percent', 'percentage', 'pct'].includes(tokens[cue.index - 1]!.text);
        features.operator = { kind: 'divide', at: position + 1, percent: percentCue, swap: true };
        features.ratio = true;
        use(position, position + 1, cue.index);
        continue;
      }
    }

    // health: down, off air, failing, is X up
    if ((text === 'break' || text === 'broken') && next === 'down') {
      const phrase = phraseAfter(tokens, position + 2);
      if (textAt(tokens, position + 2) === 'by') features.breakdown.push(phraseAfter(tokens, position + 3));
      else if (phrase.length > 0 && !tokens.slice(position + 2).some((token) => token.text === 'by'))
        features.breakdown.push(phrase);
      use(position, position + 1);
      position++;
      continue;
    }
    if (downWords.has(text) || (text === 'off' && (next === 'air' || next === 'line'))) {
      features.down = true;
      use(position);
      if (text === 'off') use(position + 1);
      continue;
    }
    if (
      text === 'not' &&
      (next === 'up' || next === 'running' || next === 'reachable' || next === 'healthy')
    ) {
      features.down = true;
      use(position, position + 1);
      continue;
    }
    if (text === 'up' && (next === '?' || next === undefined || next === 'or' || next === 'and')) {
      features.up = true;
      // "is X up": the question is about X; the word itself only asks for the health
      use(position);
      continue;
    }

    // time to or from a timestamp
    if (text === 'until' || text === 'till' || (text === 'expire' && previous === 'to')) {
      features.elapsed = 'until';
      use(position);
      continue;
    }
    if (text === 'uptime') {
      features.elapsed = 'uptime';
      use(position);
      continue;
    }
    if (text === 'how' && next === 'long') {
      const rest = tokens.slice(position + 2).map((token) => token.text);
      if (rest.some((word) => ['up', 'running', 'alive', 'online'].includes(word))) {
        features.elapsed = 'uptime';
        for (let cursor = position; cursor < count; cursor++)
          if (['how', 'long', 'up', 'running', 'alive', 'online', 'been'].includes(tokens[cursor]!.text))
            use(cursor);
        continue;
      }
      if (rest.includes('since') || rest.includes('ago')) {
        features.elapsed = 'since';
        use(position, position + 1);
        continue;
      }
      if (rest.some((word) => word === 'until' || word === 'till' || stem(word) === 'expir')) {
        features.elapsed = 'until';
        use(position, position + 1);
        continue;
      }
    }
    if (text === 'since' && features.elapsed === null && !numberOf(at(tokens, position + 1))) {
      features.elapsed = 'since';
      use(position);
      continue;
    }
    if (text === 'how' && (next === 'many' || next === 'much')) {
      features.howMany = next === 'many';
      use(position, position + 1);
      position++;
      continue;
    }
    if (text === 'number' && next === 'of') {
      features.howMany = true;
      use(position, position + 1);
      continue;
    }
    if (text === 'increase' || text === 'growth' || text === 'grew') features.increase = true;
  }
  if (features.percent && !features.operator) features.ratio = features.ratio || hasRatioCue(tokens);
  // "days until …", "uptime in hours": the unit of the elapsed time
  if (features.elapsed && !features.output) {
    const unitToken = tokens.find(
      (token) =>
        !consumed.has(token.index) && timeUnit(token.text) && (timeUnitSeconds(token.text) ?? 0) >= 60,
    );
    if (unitToken) {
      features.output = timeUnit(unitToken.text);
      consumed.add(unitToken.index);
    }
  }
  // "X vs an hour ago" compares with the past; it is not a ratio of two metrics
  if (features.offsetSeconds !== null && features.operator) {
    const rightWords = tokens
      .slice(features.operator.at + 1)
      .filter((token) => (token.kind === 'word' || token.kind === 'number') && !consumed.has(token.index))
      .filter((token) => !['an', 'a', 'the', 'one'].includes(token.text));
    if (rightWords.length === 0) {
      features.operator = null;
      features.compare = true;
    }
  }
  if (features.offsetSeconds === null) features.compare = false;
  return features;
}

function hasRatioCue(tokens: readonly Token[]): boolean {
  return tokens.some(
    (token, position) =>
      (token.text === 'of' && ['%', 'percent', 'percentage'].includes(tokens[position - 1]?.text ?? '')) ||
      token.text === 'rate',
  );
}

function range(from: number, to: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value++) values.push(value);
  return values;
}

function comparisonAt(
  tokens: readonly Token[],
  position: number,
): { operator: Comparison['operator']; length: number; duration: boolean; keep?: boolean } | null {
  const text = tokens[position]?.text;
  const next = tokens[position + 1]?.text;
  if (text === undefined) return null;
  if (text === '>' || text === '<' || text === '>=' || text === '<=' || text === '==' || text === '!=')
    return { operator: text, length: 1, duration: false };
  if (next === 'than') {
    if (['hotter', 'warmer'].includes(text)) return { operator: '>', length: 2, duration: false, keep: true };
    if (['colder', 'cooler'].includes(text)) return { operator: '<', length: 2, duration: false, keep: true };
    if (['more', 'greater', 'higher', 'bigger', 'larger'].includes(text))
      return { operator: '>', length: 2, duration: false };
    if (['longer', 'slower'].includes(text)) return { operator: '>', length: 2, duration: true };
    if (['less', 'lower', 'fewer', 'smaller'].includes(text))
      return { operator: '<', length: 2, duration: false };
    if (['shorter', 'faster'].includes(text)) return { operator: '<', length: 2, duration: true };
  }
  if (['above', 'over', 'exceeds', 'exceeding', 'exceed'].includes(text))
    return { operator: '>', length: 1, duration: false };
  if (['below', 'under', 'within'].includes(text)) return { operator: '<', length: 1, duration: false };
  if (text === 'at' && next === 'least') return { operator: '>=', length: 2, duration: false };
  if (text === 'at' && next === 'most') return { operator: '<=', length: 2, duration: false };
  return null;
}

/** Comparatives between two metrics, and how the left side compares. */
const comparativeWords: ReadonlyMap<string, '>' | '<'> = new Map([
  ['fewer', '<'],
  ['less', '<'],
  ['lower', '<'],
  ['smaller', '<'],
  ['below', '<'],
  ['more', '>'],
  ['greater', '>'],
  ['higher', '>'],
  ['bigger', '>'],
  ['larger', '>'],
  ['above', '>'],
]);
const shareCues = new Set(['fraction', 'share', 'proportion', 'percentage', 'percent', '%', 'pct', 'ratio']);

const phraseStop = new Set([
  'in',
  'on',
  'for',
  'of',
  'with',
  'that',
  'which',
  'is',
  'are',
  'has',
  'have',
  'was',
  'were',
  'over',
  'during',
  'and',
  'or',
  'by',
  'per',
  'from',
  'to',
  'as',
  'than',
  'take',
  'get',
]);

/** Up to three words after a cue, stopping at punctuation, symbols and function words. */
function phraseAfter(tokens: readonly Token[], start: number): number[] {
  const phrase: number[] = [];
  for (let position = start; position < tokens.length && phrase.length < 3; position++) {
    const token = tokens[position]!;
    if (token.kind === 'punct' || token.kind === 'symbol') break;
    if (token.text === 'the' || token.text === 'a' || token.text === 'an' || token.text === 'each') continue;
    if (phraseStop.has(token.text)) break;
    if (timeUnitSeconds(token.text) !== null && phrase.length === 0) break;
    phrase.push(position);
  }
  return phrase;
}

/** A metric chosen for (part of) the question, with the label filters that apply to it. */
interface Resolved {
  readonly metric: CatalogMetric;
  readonly retrieved: RetrievedMetric;
  readonly matchers: Matcher[];
  /** The outcome filter of a one-metric ratio (`code=~"5.."`), separate from scope filters. */
  readonly numerator: Matcher | null;
  /** Token indexes explained by this metric (name, HELP, labels, values). */
  readonly explained: Set<number>;
  /** The other metrics ranked for the same words, best first (the chosen one included). */
  readonly alternatives: readonly RetrievedMetric[];
}

interface Matcher {
  readonly label: string;
  readonly operator: '=' | '=~' | '!=' | '!~';
  readonly value: string;
}

interface Context {
  readonly snapshot: MetricCatalogSnapshot;
  readonly index: CatalogIndex;
  readonly tokens: readonly Token[];
  readonly words: readonly Token[];
  readonly features: Features;
  readonly mentions: readonly ValueMention[];
  readonly window: string;
  readonly defaultWindow: string;
}

const isHistogram = (metric: CatalogMetric) =>
  metric.type === 'histogram' || metric.type === 'gaugehistogram';
const isInfo = (metric: CatalogMetric) =>
  metric.type === 'info' ||
  metric.name.endsWith('_info') ||
  /\balways 1\b|\bvalue is always 1\b/i.test(metric.help);
const isUpLike = (metric: CatalogMetric) =>
  metric.name === 'up' ||
  /(^|_)(up|healthy|alive|available|online|ready|success|succeeded|ok)$/.test(metric.name) ||
  ((/^1 if\b|^(displays )?whether\b|\(1 (for yes|= up)/i.test(metric.help) ||
    /^(is|has)_/.test(metric.name)) &&
    metric.type !== 'counter' &&
    !/(^|_)(error|errors|fail|failed|failure|failures|down)($|_)/.test(metric.name));

/** Labels of a metric whose values vary (more than one value seen). */
function varyingLabels(metric: CatalogMetric): string[] {
  return [...metric.labels.values()]
    .filter((label) => label.name !== 'le' && label.name !== 'quantile' && label.values.length > 1)
    .map((label) => label.name);
}

function renderSelector(name: string, matchers: readonly Matcher[]): string {
  if (matchers.length === 0) return name;
  return `${name}{${matchers.map((matcher) => `${matcher.label}${matcher.operator}${quote(matcher.value)}`).join(', ')}}`;
}

const byClause = (labels: readonly string[]) => (labels.length > 0 ? ` by (${labels.join(', ')})` : '');
const aggregate = (operation: string, labels: readonly string[], inner: string) =>
  `${operation}${byClause(labels)} (${inner})`;
const isAtomic = (expr: string) =>
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/.test(expr) || /^[\w:]+\(.*\)$/s.test(expr);
const wrap = (expr: string) => (isAtomic(expr) || isBalancedCall(expr) ? expr : `(${expr})`);

function isBalancedCall(expr: string): boolean {
  const match = /^[a-z_]+(?: by \([^()]*\))? \(/.exec(expr);
  if (!match || !expr.endsWith(')')) return false;
  let depth = 0;
  for (let position = match[0].length - 1; position < expr.length; position++) {
    const character = expr[position];
    if (character === '(') depth++;
    else if (character === ')') {
      depth--;
      if (depth === 0 && position !== expr.length - 1) return false;
    }
  }
  return depth === 0;
}

/**
 * Turns a common operator question into PromQL using only what the catalog contains: the metric
 * is chosen by meaning (names, HELP, labels, synonyms), label filters come from values the
 * question mentions, and the shape (rate, quantile, ratio, top-k, comparison, unit conversion)
 * from its wording. When it is not confident it returns no query and says why; it never invents
 * a metric or a label.
 *
 * @example
 * ```ts
 * const { promql, reason } = translateOffline('p95 latency of /checkout in ms', snapshot);
 * // 1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route="/checkout"}[5m])))
 * ```
 */
export function translateOffline(
  question: string,
  snapshot: MetricCatalogSnapshot,
  options: OfflineTranslatorOptions = {},
): OfflineTranslation {
  const minConfidence = options.minConfidence ?? 0.5;
  const tokens = tokenize(question);
  const words = tokens.filter((token) => token.kind === 'word' || token.kind === 'number');
  if (words.length === 0)
    return {
      promql: null,
      confidence: 0,
      reason: 'the question has no words to work with',
      closest: [],
      shape: null,
    };
  if (snapshot.metrics.length === 0)
    return {
      promql: null,
      confidence: 0,
      reason: 'the catalog is empty: Prometheus has no metrics',
      closest: [],
      shape: null,
    };
  const index = catalogIndex(snapshot);
  const features = analyze(tokens);
  const defaultWindow = formatDuration(options.defaultWindowSeconds ?? 300);
  let context: Context = {
    snapshot,
    index,
    tokens,
    words,
    features,
    mentions: findValueMentions(index, words),
    window: features.windowSeconds ? formatDuration(features.windowSeconds) : defaultWindow,
    defaultWindow,
  };
  const identifiers = findIdentifiers(context, question);
  // identifiers are filters: they do not choose the metric, and no partial value match stands for them
  const taken = new Set(identifiers.flatMap((identifier) => identifier.positions));
  for (const position of taken) features.consumed.add(position);
  if (taken.size > 0)
    context = {
      ...context,
      mentions: context.mentions.filter((mention) => !mention.words.some((word) => taken.has(word))),
    };
  try {
    const build = (current: Context) =>
      current.features.operator ? buildTwoOperands(current) : buildOne(current);
    let built = build(context);
    let unknown: UnknownValue | null = null;
    const filters: ValueMention[] = [];
    for (const identifier of built ? identifiers : []) {
      const check = checkIdentifier(context, question, built!, identifier);
      if (check?.kind === 'filter') filters.push(check.mention);
      else if (check?.kind === 'unknown') {
        unknown = check.found;
        break;
      }
    }
    if (!unknown && filters.length > 0)
      built = build({ ...context, mentions: [...context.mentions, ...filters] });
    if (!built) {
      const closest = closestMetricNames(snapshot, contentText(words, features));
      return {
        promql: null,
        confidence: 0,
        reason: `no metric matches the question; closest are ${closest.join(', ')}`,
        closest,
        shape: null,
      };
    }
    const foreign = foreignSystem(context, built);
    if (foreign)
      return {
        promql: null,
        confidence: 0,
        reason: `no metric of ${foreign.asked} answers that: ${foreign.metric} is about ${foreign.other}`,
        closest: built.metrics,
        shape: null,
      };
    const confidence = confidenceOf(context, built.explained);
    const shifted = features.offsetSeconds !== null ? shiftIntoPast(built, features) : built;
    if (confidence.value < minConfidence) {
      const closest =
        built.metrics.length > 0 ? built.metrics : closestMetricNames(snapshot, contentText(words, features));
      const missing = confidence.missing;
      return {
        promql: null,
        confidence: confidence.value,
        reason: [
          missing.length > 0
            ? `not confident: no metric covers ${missing.map((word) => `"${word}"`).join(', ')}; closest are ${closest.join(', ')}`
            : null,
          unknown ? unknownValueReason(unknown) : null,
        ]
          .filter((part) => part !== null)
          .join('; '),
        closest,
        shape: null,
        ...(unknown ? { unknownValue: unknown } : {}),
      };
    }
    if (unknown)
      return {
        promql: null,
        confidence: 0,
        reason: unknownValueReason(unknown),
        closest: [],
        shape: null,
        unknownValue: unknown,
      };
    return {
      promql: shifted.promql,
      confidence: confidence.value,
      reason: shifted.reason,
      closest: [],
      shape: shifted.shape,
    };
  } catch (error) {
    if (error instanceof Unanswerable) {
      return { promql: null, confidence: 0, reason: error.message, closest: error.closest, shape: null };
    }
    throw error;
  }
}

/** Labels that name the machine, process or object a series is about, in the order they are guessed. */
const entityLabels = [
  'instance',
  'host',
  'hostname',
  'node',
  'server',
  'machine',
  'pod',
  'container',
  'service',
  'job',
  'namespace',
  'device',
];

/** Identifiers that are names of protocols and formats, not of things a label holds. */
const notValues = new Set([
  'ipv4',
  'ipv6',
  'http2',
  'http3',
  'utf8',
  'sha1',
  'sha256',
  'base64',
  'ec2',
  'md5',
]);

/** A value the question names that no series of the built query has, or the filter it stands for. */
type ValueCheck =
  | { readonly kind: 'unknown'; readonly found: UnknownValue }
  | { readonly kind: 'filter'; readonly mention: ValueMention };

/** An identifier of the question that may name a label value: its text and token positions. */
interface Identifier {
  readonly text: string;
  readonly positions: readonly number[];
}

/**
 * Identifiers the question names that no label value and no word of the catalog matches:
 * a name with digits (`server1`, `db3`), one glued with hyphens, dots or colons (`web-07`,
 * `10.0.0.5:9100`) or an IP address. They are filters the question asks for, never words that
 * choose a metric.
 */
function findIdentifiers(context: Context, question: string): Identifier[] {
  const { index, features } = context;
  const mentioned = new Set(context.mentions.flatMap((mention) => mention.words));
  const known = (text: string) => {
    const stemmed = stem(text);
    return (
      index.postings.has(stemmed) ||
      index.values.has(text) ||
      index.valueStems.has(stemmed) ||
      index.valueWords.has(text) ||
      index.valueSpans.has(text) ||
      synonymsOf(stemmed).size > 0
    );
  };
  const found: Identifier[] = [];
  const lower = question.toLowerCase();
  for (const match of lower.matchAll(/[a-z0-9]+(?:[-.:_][a-z0-9]+)+/g)) {
    const text = match[0];
    const letters = /[a-z]/.test(text.replace(/^\d+(\.\d+)*/, ''));
    if (!/\d/.test(text) || (!letters && !isAddress(text))) continue;
    const parts = tokenize(text).filter((token) => token.kind === 'word' || token.kind === 'number');
    const positions = tokenPositions(context.tokens, parts);
    if (!positions) continue;
    // windows, quantiles and status classes ("top-5", "p95", "5xx") are part of the question's shape
    if (
      positions.some(
        (position) => features.consumed.has(position) || /^[1-5]xx$/.test(context.tokens[position]!.text),
      )
    )
      continue;
    if (known(parts.map((part) => part.text).join(' '))) continue;
    found.push({ text, positions });
  }
  for (const token of context.words) {
    if (found.some((identifier) => identifier.positions.includes(token.index))) continue;
    if (features.consumed.has(token.index) || mentioned.has(token.index)) continue;
    const text = token.text;
    const identifier = /^[a-z]{2,}\d+[a-z0-9]*$/.test(text) && !notValues.has(text);
    if ((!identifier && !isAddress(text)) || known(text)) continue;
    found.push({ text, positions: [token.index] });
  }
  return found;
}

/**
 * What an identifier of the question means for the built query: a label value it names the
 * start of (`server1` of `server1:9100`, `web-07` of `web-07.example.com`), a filter on a label
 * too large to keep every value, or a value no series has, with the label it most likely belongs
 * to (one named just before it, else the one with the most similar values, else the first that
 * names machines or objects) and that label's closest values.
 */
function checkIdentifier(
  context: Context,
  question: string,
  built: Built,
  identifier: Identifier,
): ValueCheck | null {
  const { index, snapshot } = context;
  const metrics = built.metrics
    .map((name) => snapshot.byName.get(name))
    .filter((metric): metric is CatalogMetric => metric !== undefined);
  const labels = new Map<string, { values: Set<string>; truncated: boolean }>();
  for (const metric of metrics)
    for (const label of metric.labels.values()) {
      if (label.name === 'le' || label.name === 'quantile') continue;
      const entry = labels.get(label.name) ?? { values: new Set<string>(), truncated: false };
      for (const value of label.values) entry.values.add(value);
      entry.truncated ||= label.truncated;
      labels.set(label.name, entry);
    }
  if (labels.size === 0) return null;
  const positionsWith = (label: string) =>
    new Set(
      metrics.filter((metric) => metric.labels.has(label)).map((metric) => index.positions.get(metric) ?? -1),
    );
  // the start of values: a host with its port or its domain, the pods of a replica set
  for (const [label, entry] of labels) {
    const starting = [...entry.values].filter((value) => {
      const lower = value.toLowerCase();
      return lower.startsWith(identifier.text) && /^[-_:./]/.test(lower.slice(identifier.text.length));
    });
    if (starting.length === 0) continue;
    const written = originalText(question, identifier.text);
    return {
      kind: 'filter',
      mention: {
        metrics: positionsWith(label),
        label,
        value: starting.length === 1 ? starting[0]! : `(?i)${escapeRegex(written)}[-_:./].*`,
        operator: starting.length === 1 ? '=' : '=~',
        words: identifier.positions,
        strength: 1,
      },
    };
  }
  const first = Math.min(...identifier.positions);
  let chosen: string | null = null;
  for (const position of [first - 1, first - 2]) {
    const token = context.tokens[position];
    if (token?.kind !== 'word') continue;
    for (const metric of metrics) {
      const match = matchLabelName(metric, [token]);
      if (match && labels.has(match.label)) {
        chosen = match.label;
        break;
      }
    }
    if (chosen) break;
  }
  if (!chosen) {
    let bestSimilarity = 0;
    for (const [label, entry] of labels)
      for (const value of entry.values) {
        const similarity = valueSimilarity(identifier.text, value);
        if (similarity > bestSimilarity) {
          bestSimilarity = similarity;
          chosen = label;
        }
      }
    if (bestSimilarity < 0.3) chosen = null;
  }
  chosen ??= entityLabels.find((label) => labels.has(label)) ?? [...labels.keys()].sort()[0]!;
  const entry = labels.get(chosen)!;
  const written = originalText(question, identifier.text);
  // a label too large to keep every value: the value may be one of those not kept
  if (entry.truncated)
    return {
      kind: 'filter',
      mention: {
        metrics: positionsWith(chosen),
        label: chosen,
        value: `(?i)${escapeRegex(written)}(:[0-9]+)?`,
        operator: '=~',
        words: identifier.positions,
        strength: 1,
      },
    };
  const closest = [...entry.values]
    .map((value, order) => ({ value, order, similarity: valueSimilarity(identifier.text, value) }))
    .sort((a, b) => b.similarity - a.similarity || a.order - b.order)
    .slice(0, 5)
    .map((item) => item.value);
  return { kind: 'unknown', found: { value: written, label: chosen, closest } };
}

/** "no series has a label value matching "server1"; known instances are …". */
function unknownValueReason(found: UnknownValue): string {
  const { value, label, closest } = found;
  const named = entityLabels.includes(label) ? `${label}s` : `values of ${label}`;
  return `no series has a label value matching "${value}"; known ${named} are ${closest.join(', ')}`;
}

/** An IPv4 address, with or without a port. */
function isAddress(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/.test(text);
}

/** The positions of the first consecutive tokens of the question spelling `parts`. */
function tokenPositions(tokens: readonly Token[], parts: readonly Token[]): number[] | null {
  if (parts.length === 0) return null;
  for (let start = 0; start + parts.length <= tokens.length; start++) {
    let matches = true;
    for (let offset = 0; offset < parts.length && matches; offset++)
      matches = tokens[start + offset]?.text === parts[offset]!.text;
    if (matches) return parts.map((_, offset) => start + offset);
  }
  return null;
}

/** The text as the question writes it (case kept). */
function originalText(question: string, lower: string): string {
  const at = question.toLowerCase().indexOf(lower);
  return at < 0 ? lower : question.slice(at, at + lower.length);
}

/** 0..1: how alike a value the question names is to a label value (shared trigrams; a port is ignored). */
function valueSimilarity(word: string, value: string): number {
  const a = gramsOf(word.toLowerCase());
  const b = gramsOf(value.toLowerCase().replace(/:\d+$/, ''));
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

function gramsOf(text: string): Set<string> {
  const grams = new Set<string>();
  const padded = ` ${text} `;
  for (let position = 0; position + 3 <= padded.length; position++)
    grams.add(padded.slice(position, position + 3));
  return grams;
}

/** Systems operators name, with the words their exporters' metric names use for them. */
const systemGroups: ReadonlyArray<readonly string[]> = [
  ['postgres', 'postgresql', 'pg'],
  ['mysql', 'mysqld', 'mariadb'],
  ['redis'],
  ['kafka'],
  ['rabbitmq', 'rabbit'],
  ['mongodb', 'mongo'],
  ['elasticsearch', 'elastic', 'opensearch'],
  ['nginx'],
  ['haproxy'],
  ['memcached'],
  ['cassandra'],
  ['zookeeper'],
  ['etcd'],
  ['consul'],
  ['envoy'],
  ['traefik'],
  ['apache', 'httpd'],
  ['jvm', 'java'],
  ['coredns'],
  ['clickhouse'],
];
const systemOf = new Map<string, number>(
  systemGroups.flatMap((group, position) => group.map((word) => [stem(word), position] as const)),
);

/**
 * A system the question names ("postgres replication lag") that the chosen metrics do not
 * belong to while they belong to another one (`mysql_slave_status_seconds_behind_master`): the
 * catalog has no metric of the named system for it, and another system's is no answer.
 */
function foreignSystem(
  context: Context,
  built: Built,
): { readonly asked: string; readonly other: string; readonly metric: string } | null {
  const named = contentWords(context.words)
    .map((word) => ({ word, system: systemOf.get(word.stem) }))
    .filter((entry): entry is { word: Word; system: number } => entry.system !== undefined);
  if (named.length === 0) return null;
  const metrics = built.metrics
    .map((name) => context.snapshot.byName.get(name))
    .filter((metric): metric is CatalogMetric => metric !== undefined);
  const systemsOf = (metric: CatalogMetric) => {
    const systems = new Set<number>();
    for (const word of splitName(metric.name)) {
      const system = systemOf.get(stem(word));
      if (system !== undefined) systems.add(system);
    }
    return systems;
  };
  // a metric carries the system when its name or one of its label values names it (job="postgres")
  const carries = (metric: CatalogMetric, system: number) =>
    systemsOf(metric).has(system) ||
    [...metric.labels.values()].some((label) =>
      label.values.some((value) => splitText(value).some((word) => systemOf.get(stem(word)) === system)),
    );
  for (const { word, system } of named) {
    if (metrics.some((metric) => carries(metric, system))) continue;
    const foreign = metrics.find((metric) => systemsOf(metric).size > 0);
    if (!foreign) continue;
    const other = systemGroups[[...systemsOf(foreign)][0]!]![0]!;
    return { asked: word.text, other, metric: foreign.name };
  }
  return null;
}

class Unanswerable extends Error {
  constructor(
    message: string,
    readonly closest: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Applies "an hour ago" (the old value) or "compared with an hour ago" (the change since). */
function shiftIntoPast(built: Built, features: Features): Built {
  const seconds = features.offsetSeconds!;
  const past = withOffset(built.promql, seconds);
  const when = formatDuration(seconds);
  if (!features.compare) return { ...built, promql: past, reason: `${built.reason}; ${when} ago` };
  const ranked = built.shape.ranking !== null || built.shape.threshold !== null;
  if (ranked) return { ...built, promql: past, reason: `${built.reason}; ${when} ago` };
  return {
    ...built,
    promql: `${wrap(built.promql)} - ${wrap(past)}`,
    reason: `${built.reason}; change since ${when} ago`,
    shape: { ...built.shape, max: null },
  };
}

function contentText(words: readonly Token[], features: Features): string {
  return contentWords(words, features.consumed)
    .map((word) => word.text)
    .join(' ');
}

/** Share of the question's meaningful words that the chosen metrics explain. */
function confidenceOf(
  context: Context,
  explained: ReadonlySet<number>,
): { value: number; missing: string[] } {
  const content = contentWords(context.words, context.features.consumed).filter(
    (word) => !genericWords.has(word.text) && !genericWords.has(word.stem),
  );
  if (content.length === 0) return { value: 0.6, missing: [] };
  let total = 0;
  let covered = 0;
  const missing: string[] = [];
  for (const word of content) {
    // words the catalog does not know at all weigh more: they name things that are not there
    const known = context.index.postings.has(word.stem) || context.index.valueWords.has(word.text);
    // an unknown word that does not look like an English word is usually the name of a system
    // ("elasticsearch cluster health"): when the catalog has never heard of it, it is not monitored
    const weight = known || explained.has(word.index) ? 1 : looksLikeName(word) ? 2.5 : 1.5;
    total += weight;
    if (explained.has(word.index)) covered += weight;
    else missing.push(word.text);
  }
  return { value: covered / total, missing };
}

/** English derivational and inflectional endings; words without one are often product names. */
const englishEnding =
  /(ed|ing|ion|ions|al|ly|ive|ous|ful|able|ible|est|er|ers|ment|ments|ness|ity|ies|es|s|y|ic|ure|ance|ence|age|ant|ent)$/;

/** A word that is probably a name (redis, graphql, elasticsearch) rather than an English word. */
function looksLikeName(word: Word): boolean {
  return (
    /[a-z]/.test(word.text) &&
    word.text.length >= 4 &&
    !/\d/.test(word.text) &&
    !englishEnding.test(word.text) &&
    synonymsOf(word.stem).size === 0 &&
    !rateNouns.has(word.text)
  );
}

/** Words that rarely name what is measured. */
const genericWords = new Set([
  'node',
  'system',
  'service',
  'app',
  'application',
  'server',
  'cluster',
  'fleet',
  'deployed',
  'running',
  'run',
  'happen',
  'serve',
  'live',
  'spend',
  'spent',
  'use',
  'make',
  'made',
  'see',
  'seen',
  'time',
  'right',
  'now',
  'go',
  'went',
  'put',
  'keep',
  'split',
  'type',
  'kind',
  'various',
  'different',
  'whole',
  'entire',
  'expose',
  'exposes',
  'push',
  'pushing',
  'ever',
  'persisted',
  'busy',
  'big',
  'full',
  'much',
  'stuck',
  'currently',
  'return',
  'returned',
  'returning',
  'respond',
  'responded',
]);

interface Built {
  readonly promql: string;
  readonly reason: string;
  readonly metrics: readonly string[];
  readonly explained: Set<number>;
  readonly shape: QueryShape;
}

/** Chooses the metric for a set of words, under constraints from the question's shape. */
function resolve(
  context: Context,
  words: readonly Token[],
  constraint: (metric: CatalogMetric) => boolean,
  extra: {
    readonly contextWords?: readonly Token[];
    readonly preferCounter?: boolean;
    /** The question asks for a share of one metric (an error rate, a hit ratio, a used %). */
    readonly wantsShare?: boolean;
  } = {},
): Resolved | null {
  const { features, snapshot } = context;
  const inWords = new Set(words.map((word) => word.index));
  const mentions = context.mentions.filter((mention) =>
    mention.words.every((position) => inWords.has(position)),
  );
  const boost = new Map<number, number>();
  const mentionWords = new Set<number>();
  // a value found on many metrics (job="node") says little about which one is meant; the spread
  // of the words counts the metrics of their strongest reading (a whole value over partial ones)
  const strongest = new Map<string, number>();
  for (const mention of mentions) {
    const key = mention.words.join(',');
    strongest.set(key, Math.max(strongest.get(key) ?? 0, mention.strength));
  }
  const spread = new Map<string, number>();
  for (const mention of mentions) {
    const key = mention.words.join(',');
    if (mention.strength < strongest.get(key)!) continue;
    spread.set(key, (spread.get(key) ?? 0) + mention.metrics.size);
  }
  const perWords = new Map<string, Map<number, number>>();
  for (const mention of mentions) {
    for (const position of mention.words) mentionWords.add(position);
    const key = mention.words.join(',');
    const total = Math.max(1, spread.get(key) ?? mention.metrics.size);
    if (total > 200) continue;
    // a value of several words ("idle in transaction") is stronger evidence than one word
    const value = (4 * mention.strength * (1 + 0.5 * (mention.words.length - 1))) / Math.sqrt(total);
    let byMetric = perWords.get(key);
    if (!byMetric) {
      byMetric = new Map();
      perWords.set(key, byMetric);
    }
    for (const metric of mention.metrics) byMetric.set(metric, Math.max(byMetric.get(metric) ?? 0, value));
  }
  for (const byMetric of perWords.values())
    for (const [metric, value] of byMetric) boost.set(metric, (boost.get(metric) ?? 0) + value);
  // "which targets are down": Prometheus's own health of scrape targets is `up`
  const upPosition = context.index.positions.get(snapshot.byName.get('up')!);
  if (
    (features.down || features.up) &&
    upPosition !== undefined &&
    words.some((word) => targetWords.has(word.stem))
  )
    boost.set(upPosition, (boost.get(upPosition) ?? 0) + 20);
  // "which provider …": the answer must carry a provider label (a label on nearly every metric,
  // such as instance, tells none apart)
  // "how many deployments": likewise, the things counted are values of a label
  const counted = features.howMany ? countedPhrase(context.tokens).slice(-1) : [];
  for (const position of new Set([...(features.which ?? []), ...features.answerWords, ...counted])) {
    const token = context.tokens[position];
    if (token?.kind !== 'word' || !inWords.has(position) || context.index.idf(token.stem) < 0.05) continue;
    for (const posting of context.index.postings.get(token.stem) ?? [])
      if ((posting & 3) === 2) boost.set(posting >>> 2, (boost.get(posting >>> 2) ?? 0) + 3);
  }
  // "average response time": a gauge that already holds an average answers it as is
  if (features.mean)
    for (const word of ['average', 'avg', 'mean'])
      for (const posting of context.index.postings.get(stem(word)) ?? [])
        if ((posting & 3) === 0) boost.set(posting >>> 2, (boost.get(posting >>> 2) ?? 0) + 3);
  // "5 min load average", "15-minute load": a number next to a word picks the numbered name (load5)
  for (const token of words) {
    if (token.kind !== 'number' || !/^\d{1,3}$/.test(token.text)) continue;
    for (const neighbour of context.tokens.slice(Math.max(0, token.index - 2), token.index + 4)) {
      if (neighbour.kind !== 'word' || stopWords.has(neighbour.text)) continue;
      for (const posting of context.index.postings.get(`${neighbour.stem}${token.text}`) ?? []) {
        if ((posting & 3) !== 0) continue;
        const metric = posting >>> 2;
        boost.set(metric, (boost.get(metric) ?? 0) + 3);
      }
    }
  }
  const weights = new Map<number, number>();
  // words naming a value count little for choosing the metric, unless a lone word also names
  // metrics ("filesystem" is a collector name and the subject of node_filesystem_*)
  const multiWord = new Set(mentions.filter((mention) => mention.words.length > 1).flatMap((m) => m.words));
  for (const position of mentionWords) {
    const token = context.tokens[position];
    if (!multiWord.has(position) && token && namesMetrics(context.index, token.stem)) continue;
    weights.set(position, 0.35);
  }
  const all = extra.contextWords ? [...words, ...extra.contextWords] : words;
  for (const word of extra.contextWords ?? []) weights.set(word.index, 0.25);
  // words naming the breakdown label count little for choosing the metric
  for (const phrase of [...features.breakdown, features.answerWords])
    for (const position of phrase) if (!weights.has(position)) weights.set(position, 0.5);
  // "memory usage": the resource is the subject, "usage" only says which aspect of it
  if (all.some((word) => !aspectStems.has(word.stem) && !stopWords.has(word.text) && word.kind === 'word'))
    for (const word of all)
      if (aspectStems.has(word.stem) && !weights.has(word.index)) weights.set(word.index, 0.5);
  const ranked = retrieveMetrics(snapshot, all, {
    limit: 12,
    ignore: features.consumed,
    boost,
    weights,
    filter: constraint,
  });
  const superlative = all.find((word) => superlativeMeaning[word.text]);
  let candidates = ranked;
  // "… on orders-db-0": a metric that never carries the named value cannot answer for it
  const named = mentions.filter(
    (mention) =>
      mention.strength >= 0.9 &&
      mention.operator === '=' &&
      (spread.get(mention.words.join(',')) ?? 0) <= 50 &&
      (mention.words.length > 1 || !namesMetrics(context.index, context.tokens[mention.words[0]!]!.stem)),
  );
  if (named.length > 0 && candidates.length > 1) {
    candidates = candidates
      .map((entry) => {
        const position = context.index.positions.get(entry.metric) ?? -1;
        return named.some((mention) => mention.metrics.has(position))
          ? entry
          : { ...entry, score: entry.score * 0.6 };
      })
      .sort((a, b) => b.score - a.score);
  }
  // "… per device": a metric without a label for the breakdown cannot answer it
  if (features.breakdown.length > 0 && candidates.length > 1) {
    const phrases = features.breakdown.map((phrase) => phrase.map((position) => context.tokens[position]!));
    const fits = (metric: CatalogMetric) =>
      phrases.every((phrase) => matchLabelName(metric, phrase) !== null);
    if (candidates.some((entry) => fits(entry.metric)))
      candidates = candidates
        .map((entry) => (fits(entry.metric) ? entry : { ...entry, score: entry.score * 0.6 }))
        .sort((a, b) => b.score - a.score);
  }
  if (superlative) {
    const meaning = stem(superlativeMeaning[superlative.text]!);
    const related = new Set([meaning, ...synonymsOf(meaning)]);
    const matching = ranked.filter((entry) =>
      nameStemsOf(entry.metric.name).some((word) => related.has(word)),
    );
    if (matching.length > 0) candidates = matching;
  }
  // "which X …": the answer must name X, so prefer metrics that have a label for it
  if (features.which && candidates.length > 1) {
    const phrase = features.which
      .map((position) => context.tokens[position]!)
      .filter((token) => inWords.has(token.index));
    const top = candidates[0]!.score;
    const fit = new Map<RetrievedMetric, number>();
    for (const entry of candidates) {
      if (entry.score < top * 0.6) continue;
      const match = matchLabelName(entry.metric, phrase);
      if (match) fit.set(entry, match.score);
    }
    // a label named exactly ("which node" → node) beats one named by a synonym (node → instance)
    const bestFit = Math.max(0, ...fit.values());
    const naming = candidates.filter((entry) => (fit.get(entry) ?? 0) >= bestFit - 0.05 && fit.has(entry));
    if (naming.length > 0) candidates = [...naming, ...candidates.filter((entry) => !naming.includes(entry))];
  }
  // "error rate %", "hit ratio": a metric that can be split into the part and the whole answers it
  const leader = candidates[0]?.metric;
  const leaderIsShare =
    leader !== undefined &&
    (leader.unit === 'ratio' ||
      leader.unit === 'percent' ||
      (leader.type === 'counter' && leader.unit === 'seconds'));
  if (extra.wantsShare && candidates.length > 1 && !leaderIsShare) {
    const top = candidates[0]!.score;
    const splittable = candidates.filter(
      (entry) => entry.score >= top * 0.6 && canFormShare(context, entry.metric, inWords),
    );
    if (splittable.length > 0 && !splittable.includes(candidates[0]!))
      candidates = [...splittable, ...candidates.filter((entry) => !splittable.includes(entry))];
  }
  if (extra.preferCounter || (features.perSeconds !== null && !features.mean)) {
    const counters = candidates.filter((entry) => entry.metric.type === 'counter');
    if (counters.length > 0 && counters[0]!.score >= candidates[0]!.score * 0.5) candidates = counters;
  }
  const best = candidates[0];
  if (!best || best.score <= 0) return null;
  return { ...bind(context, best, words), alternatives: candidates };
}

/** True when a stem is a word of some metric name (not only of HELP texts or label values). */
function namesMetrics(index: CatalogIndex, stemmed: string): boolean {
  let known = nameWords.get(index);
  if (!known) {
    known = new Map();
    nameWords.set(index, known);
  }
  let result = known.get(stemmed);
  if (result === undefined) {
    result = false;
    const list = index.postings.get(stemmed);
    if (list)
      for (let offset = 0; offset < list.length && !result; offset++) result = (list[offset]! & 3) === 0;
    known.set(stemmed, result);
  }
  return result;
}

const nameWords = new WeakMap<CatalogIndex, Map<string, boolean>>();

/** Applies the mentioned label values to a chosen metric. */
function bind(
  context: Context,
  retrieved: RetrievedMetric,
  words: readonly Token[],
): Omit<Resolved, 'alternatives'> {
  const { metric } = retrieved;
  const position = context.index.positions.get(metric) ?? -1;
  const inWords = new Set(words.map((word) => word.index));
  const explained = new Set<number>(retrieved.matchedWords);
  const nameStems = new Set(nameStemsOf(metric.name));
  const mentioned = context.mentions.filter(
    (mention) => mention.metrics.has(position) && mention.words.every((word) => inWords.has(word)),
  );
  const byLabel = new Map<string, ValueMention[]>();
  // the head (last) word of a breakdown phrase names the label; words before it may be a value
  // ("for each payments-api pod" filters on payments-api and breaks down by pod)
  const breakdownWords = new Set(
    context.features.breakdown.flatMap((phrase) => {
      const head = phrase.at(-1);
      const headToken = head === undefined ? undefined : context.tokens[head];
      return headToken && matchLabelName(metric, [headToken]) ? [head!] : phrase;
    }),
  );
  const exactWords = new Set(
    mentioned.filter((mention) => mention.strength === 1).flatMap((mention) => mention.words),
  );
  for (const mention of mentioned) {
    const wordsOfMention = mention.words.map((word) => context.tokens[word]!);
    // words that name a breakdown label ("split by error type") are not values
    if (mention.words.some((word) => breakdownWords.has(word))) continue;
    // a whole value wins over partial ones for the same words ("billing" → job, not instance "billing:8080")
    if (mention.strength < 1 && mention.words.every((word) => exactWords.has(word))) continue;
    // a label whose only value is the mentioned one filters nothing today: it stays only when the
    // question names the value as a filter ("for server1"), so the query keeps asking for it
    const label = metric.labels.get(mention.label);
    if (label && label.values.length === 1 && !label.truncated && mention.operator === '=') {
      for (const word of mention.words) explained.add(word);
      if (!namedAsFilter(context, mention)) continue;
    }
    const labelNamed = labelMentioned(context, mention);
    // part of the label's own name ("error" in error_type="decoder_error") is not a value
    const labelStems = new Set(splitName(mention.label).map(stem));
    if (mention.strength < 1 && wordsOfMention.every((word) => labelStems.has(word.stem))) continue;
    // a word that is part of the metric name is not a filter unless its label is named too
    if (mention.strength < 1 && !labelNamed && wordsOfMention.every((word) => nameStems.has(word.stem)))
      continue;
    if (mention.strength < 1 && !labelNamed && !uniqueAmongValues(metric, mention)) continue;
    const list = byLabel.get(mention.label) ?? [];
    list.push(mention);
    byLabel.set(mention.label, list);
  }
  const matchers: Matcher[] = [];
  let numerator: Matcher | null = null;
  for (const [label, list] of byLabel) {
    const strongest = Math.max(...list.map((mention) => mention.strength));
    const chosen = list.filter((mention) => mention.strength === strongest);
    const values = [...new Set(chosen.map((mention) => mention.value))];
    for (const mention of chosen) for (const word of mention.words) explained.add(word);
    const regex = chosen.some((mention) => mention.operator === '=~' || mention.operator === '!~');
    const negated = chosen.every((mention) => mention.operator === '!=' || mention.operator === '!~');
    const matcher: Matcher =
      values.length === 1 && !regex
        ? { label, operator: negated ? '!=' : '=', value: values[0]! }
        : {
            label,
            operator: negated ? '!~' : '=~',
            value: regex ? values.join('|') : values.map(escapeRegex).join('|'),
          };
    const isOutcome =
      outcomeLabel.test(label) ||
      chosen.some((mention) =>
        mention.words.some((word) => {
          const token = context.tokens[word]!;
          return outcomeStems.has(token.stem) || /^[1-5]xx$/.test(token.text);
        }),
      );
    if (isOutcome && !numerator) numerator = matcher;
    else matchers.push(matcher);
  }
  // "slowest", "hottest": the superlative also names what the metric measures
  for (const word of words) {
    const meaning = superlativeMeaning[word.text];
    if (!meaning) continue;
    const related = new Set([stem(meaning), ...synonymsOf(stem(meaning))]);
    if ([...nameStems].some((nameStem) => related.has(nameStem))) explained.add(word.index);
  }
  // label names the question uses also explain words ("per device", "which endpoint")
  const labelWords = new Set<string>();
  for (const label of metric.labels.keys()) for (const word of splitName(label)) labelWords.add(stem(word));
  for (const word of words) if (labelWords.has(word.stem)) explained.add(word.index);
  return { metric, retrieved, matchers, numerator, explained };
}

/**
 * True when the question names a label value as a filter ("for server1", "on orders-db-0"), not
 * as a word that also names metrics ("node" of job="node" in "node memory").
 */
function namedAsFilter(context: Context, mention: ValueMention): boolean {
  if (mention.strength < 0.9 || mention.operator !== '=') return false;
  return mention.words.some((position) => {
    const token = context.tokens[position];
    return (
      token !== undefined &&
      !genericWords.has(token.text) &&
      !countEntities.has(token.stem) &&
      !namesMetrics(context.index, token.stem)
    );
  });
}

function labelMentioned(context: Context, mention: ValueMention): boolean {
  const labelStems = splitName(mention.label).map(stem);
  const first = Math.min(...mention.words);
  const last = Math.max(...mention.words);
  for (let position = Math.max(0, first - 3); position <= last + 3; position++) {
    const token = context.tokens[position];
    if (token && !mention.words.includes(position) && labelStems.includes(token.stem)) return true;
  }
  return false;
}

function uniqueAmongValues(metric: CatalogMetric, mention: ValueMention): boolean {
  const label = metric.labels.get(mention.label);
  if (!label) return false;
  const word = mention.value.toLowerCase();
  return label.values.filter((value) => value.toLowerCase() === word).length <= 1;
}

/** Resolves the breakdown phrases ("by device type", "for each cdn") to labels of the metric. */
function breakdownLabels(
  context: Context,
  metrics: readonly CatalogMetric[],
  explained: Set<number>,
): string[] {
  const labels: string[] = [];
  const phrases = [...context.features.breakdown];
  for (const phrase of phrases) {
    const words = phrase.map((position) => context.tokens[position]!);
    let found = false;
    for (const metric of metrics) {
      const match = matchLabelName(metric, words);
      if (match && metrics.every((other) => other.labels.has(match.label))) {
        if (!labels.includes(match.label)) labels.push(match.label);
        for (const word of match.words) explained.add(word);
        found = true;
        break;
      }
    }
    if (found) continue;
    // "for each redis": no label is called redis, but every value of addr names one
    const head = words.at(-1);
    const label = head ? labelNamedByValues(metrics, head) : null;
    if (label && !labels.includes(label)) {
      labels.push(label);
      explained.add(head!.index);
    }
  }
  return labels;
}

/** The varying label of all `metrics` whose every value contains `word` (`redis` in `redis-cache:6379`). */
function labelNamedByValues(metrics: readonly CatalogMetric[], word: Token): string | null {
  const first = metrics[0];
  if (!first || word.text.length < 3) return null;
  for (const label of varyingLabels(first)) {
    if (identityLabels.has(label) || !metrics.every((metric) => metric.labels.has(label))) continue;
    const values = first.labels.get(label)!.values;
    const contains = (value: string) =>
      value
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .some((part) => part === word.text || stem(part) === word.stem);
    if (values.length > 1 && values.every(contains)) return label;
  }
  return null;
}

/** The label a "which …" or superlative question asks about ("which PoP" → `pop`). */
function targetLabel(context: Context, metric: CatalogMetric, explained: Set<number>): string | null {
  const { features, tokens } = context;
  const phrases: number[][] = [];
  if (features.which) phrases.push(features.which);
  if (features.ranking?.phraseStart !== null && features.ranking?.phraseStart !== undefined) {
    const start = features.ranking.phraseStart;
    phrases.push(
      range(start, Math.min(tokens.length - 1, start + 2)).filter(
        (position) => tokens[position]?.kind === 'word',
      ),
    );
  }
  for (const phrase of phrases) {
    const words = phrase.map((position) => tokens[position]!).filter(Boolean);
    const match = matchLabelName(metric, words);
    if (match) {
      for (const word of match.words) explained.add(word);
      return match.label;
    }
  }
  return null;
}

function perUnitLabel(seconds: number | null): string {
  if (seconds === 60) return '/min';
  if (seconds === 3600) return '/h';
  if (seconds === 86400) return '/day';
  return '/s';
}

/** A scale factor literal for "per minute" etc. */
function scaleLiteral(seconds: number): string {
  return String(seconds);
}

/** Converts a value in base units into the asked output unit. */
function convert(
  expr: string,
  baseKind: 'time' | 'bytes' | 'bits' | 'ratio' | 'none',
  output: OutputUnit | null,
) {
  if (!output) return { expr, unit: null as string | null };
  if (output.kind === 'percent' && baseKind === 'ratio') return { expr: `100 * ${wrap(expr)}`, unit: '%' };
  if (output.kind === 'time' && baseKind === 'time') {
    if (output.size === 1) return { expr, unit: 's' };
    if (output.size < 1) return { expr: `${output.literal} * ${wrap(expr)}`, unit: output.label };
    return { expr: `${wrap(expr)} / ${output.literal}`, unit: output.label };
  }
  if (output.kind === 'bytes' && baseKind === 'bytes')
    return { expr: `${wrap(expr)} / ${output.literal}`, unit: output.label };
  if (output.kind === 'bits' && baseKind === 'bytes')
    return { expr: `${wrap(expr)} * 8 / ${output.literal}`, unit: output.label };
  if (output.kind === 'bits' && baseKind === 'bits')
    return { expr: `${wrap(expr)} / ${output.literal}`, unit: output.label };
  return { expr, unit: null };
}

function baseKindOf(unit: string): 'time' | 'bytes' | 'bits' | 'ratio' | 'none' {
  if (unit === 'seconds') return 'time';
  if (unit === 'bytes') return 'bytes';
  if (unit === 'bits') return 'bits';
  if (unit === 'ratio') return 'ratio';
  return 'none';
}

function unitLabel(unit: string): string {
  switch (unit) {
    case 'seconds':
      return 's';
    case 'milliseconds':
      return 'ms';
    case 'bytes':
      return 'bytes';
    case 'ratio':
      return 'ratio';
    case 'percent':
      return '%';
    case 'celsius':
      return '°C';
    default:
      return unit;
  }
}

/** Builds a query over one metric (or the one given: a resource's utilisation recipe). */
function buildOne(context: Context, only?: CatalogMetric): Built | null {
  const { features, words } = context;
  if (!only) {
    const usage = chooseUsage(context);
    if (usage) {
      const built =
        usage.pair !== null ? buildUsagePair(context, usage.pair) : buildOne(context, usage.metric);
      if (built) {
        for (const word of usage.words) built.explained.add(word);
        return built;
      }
    }
  }
  const shapeConstraint = constraintFor(context);
  const constraint = only
    ? (metric: CatalogMetric) => metric === only && shapeConstraint(metric)
    : shapeConstraint;
  const wantsShare =
    (features.ratio || features.percent || features.output?.kind === 'percent') &&
    features.quantile === null &&
    !features.comparison?.duration &&
    !features.down &&
    !features.up;
  const resolved = resolve(context, words, constraint, {
    preferCounter: features.ratio && !features.percent,
    wantsShare,
  });
  if (!resolved) return null;
  if (wantsShare && !resolved.numerator) {
    const share = buildShare(context, resolved);
    if (share) return share;
  }
  const { metric } = resolved;
  const explained = resolved.explained;
  const groupBy = breakdownLabels(context, [metric], explained);
  const target = features.ranking || features.which ? targetLabel(context, metric, explained) : null;
  if (target && !groupBy.includes(target) && metric.type === 'counter') groupBy.push(target);
  // "which consumer group has the most lag": add up the other labels (partitions) per group, unless
  // the label is an index within another one (gpu "0" of a host) or the unit does not add up
  if (target && !groupBy.includes(target) && metric.type === 'gauge' && !isUpLike(metric)) {
    const values = metric.labels.get(target)?.values ?? [];
    const filtered = new Set(resolved.matchers.map((matcher) => matcher.label));
    const others = varyingLabels(metric).filter((label) => label !== target && !filtered.has(label));
    if (
      others.length > 0 &&
      !values.every((value) => /^\d+$/.test(value)) &&
      !nonAdditiveUnits.has(metric.unit)
    )
      groupBy.push(target);
  }
  if (target && isHistogram(metric) && !groupBy.includes(target)) groupBy.push(target);
  const matchers = resolved.matchers;
  const reasonParts: string[] = [`${metric.name} (${metric.type}${metric.help ? `: ${metric.help}` : ''})`];
  const metrics: CatalogMetric[] = [metric];
  let expr: string;
  let unit = unitLabel(metric.unit);
  let baseKind = baseKindOf(metric.unit);
  let single = groupBy.length === 0;
  let threshold: QueryShape['threshold'] = null;
  let maxValue: number | null = metric.unit === 'ratio' ? 1 : metric.unit === 'percent' ? 100 : null;
  const info = isInfo(metric);

  // a timestamp asked about in days or hours ("cert expiry days") is a time to or from it
  const timeUnitToken = isTimestamp(metric)
    ? context.tokens.find(
        (token) =>
          !features.consumed.has(token.index) &&
          timeUnit(token.text) !== null &&
          (timeUnitSeconds(token.text) ?? 0) >= 60,
      )
    : undefined;
  const elapsed =
    features.elapsed ??
    (timeUnitToken ? (/expir|not_?after|valid_until|deadline/i.test(metric.name) ? 'until' : 'since') : null);
  if (elapsed && isTimestamp(metric)) {
    if (!features.output && timeUnitToken) {
      features.output = timeUnit(timeUnitToken.text);
      explained.add(timeUnitToken.index);
    }
    const selector = renderSelector(metric.name, [
      ...matchers,
      ...(resolved.numerator ? [resolved.numerator] : []),
    ]);
    const future = elapsed === 'until';
    for (const word of context.words) if (elapsedWords.has(word.stem)) explained.add(word.index);
    return finish(context, resolved, future ? `${selector} - time()` : `time() - ${selector}`, {
      reason: future ? `time left until ${metric.name}` : `time since ${metric.name}`,
      unit: 's',
      groupBy,
      single: varyingLabels(metric).every((label) => matchers.some((matcher) => matcher.label === label)),
      threshold: null,
      info: false,
      baseKind: 'time',
      max: null,
      explained,
      skipRanking: false,
    });
  }

  // "how many deployments": the number of distinct objects the metric has a series for, not the
  // sum of what it measures about each (replicas)
  const counted = features.howMany ? countedLabel(context, resolved) : null;
  if (counted) {
    for (const word of counted.words) explained.add(word);
    const selector = renderSelector(metric.name, [
      ...matchers,
      ...(resolved.numerator ? [resolved.numerator] : []),
    ]);
    return finish(
      context,
      resolved,
      aggregate('count', groupBy, aggregate('count', [...groupBy, counted.label], selector)),
      {
        reason: `number of distinct ${counted.label} values of ${metric.name}`,
        unit: '',
        groupBy,
        single: groupBy.length === 0,
        threshold: null,
        info: false,
        baseKind: 'none',
        max: null,
        explained,
        skipRanking: false,
      },
    );
  }

  if (info) {
    expr = renderSelector(metric.name, [...matchers, ...(resolved.numerator ? [resolved.numerator] : [])]);
    return finish(context, resolved, expr, {
      reason: `${metric.name} is an info metric: its labels carry the answer`,
      unit: '',
      groupBy: varyingLabels(metric),
      single: false,
      threshold: null,
      info: true,
      baseKind: 'none',
      max: null,
      explained,
      skipRanking: true,
    });
  }

  if (isHistogram(metric) || metric.type === 'summary') {
    const built = buildDistribution(context, resolved, groupBy);
    expr = built.expr;
    unit = built.unit;
    baseKind = built.baseKind;
    reasonParts.push(built.reason);
    single = groupBy.length === 0 && !built.multiple;
    maxValue = built.max;
  } else if (metric.type === 'counter') {
    const built = buildCounter(context, resolved, groupBy);
    expr = built.expr;
    unit = built.unit;
    baseKind = built.baseKind;
    reasonParts.push(built.reason);
    single = built.single;
    maxValue = built.max;
    // "network traffic": both directions when the question names neither
    const sibling = resolved.numerator ? null : bothDirections(context, resolved);
    if (sibling) {
      const other = buildCounter(
        context,
        {
          ...resolved,
          metric: sibling.metric,
          matchers: resolved.matchers.filter((matcher) => sibling.metric.labels.has(matcher.label)),
        },
        groupBy,
      );
      if (other.unit === built.unit) {
        // inbound first, whichever ranked higher: the same question gives the same query
        const sides = sibling.inbound ? [other.expr, built.expr] : [built.expr, other.expr];
        expr = sides.map(wrap).join(' + ');
        reasonParts.push(`plus ${sibling.metric.name}: both directions`);
        metrics.push(sibling.metric);
      }
    }
  } else {
    const built = buildGauge(context, resolved, groupBy);
    expr = built.expr;
    reasonParts.push(built.reason);
    single = built.single;
    if (built.unit !== null) unit = built.unit;
    if (built.baseKind) baseKind = built.baseKind;
    if (built.max !== undefined) maxValue = built.max;
    if (built.threshold) threshold = built.threshold;
  }
  const built = finish(context, resolved, expr, {
    reason: reasonParts.join('; '),
    unit,
    groupBy,
    single,
    threshold,
    info: false,
    baseKind,
    max: maxValue,
    explained,
    skipRanking: false,
  });
  return metrics.length > 1 ? withMetrics(built, metrics) : built;
}

/** Opposite directions of the same flow in sibling counter names, inbound first (`receive` / `transmit`, `read` / `written`). */
const directionWords: ReadonlyArray<readonly [string, string]> = [
  ['receive', 'transmit'],
  ['received', 'sent'],
  ['rx', 'tx'],
  ['in', 'out'],
  ['inbound', 'outbound'],
  ['ingress', 'egress'],
  ['incoming', 'outgoing'],
  ['input', 'output'],
  ['download', 'upload'],
  ['read', 'written'],
  ['read', 'write'],
  ['reads', 'writes'],
];

/** Words that name one direction of a flow. */
const directionStems = new Set(
  [
    ...directionWords.flat(),
    'send',
    'sending',
    'transmitted',
    'receiving',
    'outgoing',
    'reading',
    'writing',
    'uploaded',
    'downloaded',
    'publish',
    'published',
    'consume',
    'consumed',
  ]
    .filter((word) => !stopWords.has(word))
    .map(stem),
);

/**
 * The counter of the opposite direction (`node_network_receive_bytes_total` for
 * `node_network_transmit_bytes_total`) when the question names no direction and ranks both
 * alike: "network traffic" is what goes both ways.
 */
function bothDirections(
  context: Context,
  resolved: Resolved,
): { readonly metric: CatalogMetric; readonly inbound: boolean } | null {
  const { metric } = resolved;
  // a direction the question names ("transmit", "outbound", "writes") picks one side
  if (contentWords(context.words).some((word) => directionStems.has(word.stem))) return null;
  const top = resolved.alternatives.find((entry) => entry.metric === metric)?.score ?? 0;
  for (const [first, second] of directionWords) {
    for (const [from, to] of [
      [first, second],
      [second, first],
    ] as const) {
      for (const name of swappedNames(metric.name, from, to)) {
        const sibling = context.snapshot.byName.get(name);
        if (sibling?.type !== 'counter' || sibling.unit !== metric.unit) continue;
        const entry = resolved.alternatives.find((candidate) => candidate.metric === sibling);
        if (!entry || entry.score < top * 0.9) return null;
        return { metric: sibling, inbound: to === first };
      }
    }
  }
  return null;
}

/** Words asking how much of a resource is in use. */
const usageStems = new Set(
  ['usage', 'used', 'use', 'uses', 'utilization', 'utilisation', 'consumption', 'consumed'].map(stem),
);

/** Words of metric names that say the metric is the part in use (resident memory, a working set). */
const inUseStems = new Set([...usageStems, ...['resident', 'rss', 'working', 'inuse'].map(stem)]);

/** A way to compute a resource's use, found by {@link chooseUsage}. */
interface UsageOption {
  /**
   * `busy`: a time counter with an idle mode (1 − idle share); `pair`: a used or free gauge and its
   * capacity; `direct`: a metric whose name says it is the use; `time`: another time counter (seconds
   * per second).
   */
  readonly kind: 'busy' | 'pair' | 'direct' | 'time';
  /** The metric, or the part of a pair. */
  readonly metric: CatalogMetric;
  readonly pair: CapacityPair | null;
  /** Words of the option's names the question does not say, plus twice the question's words it misses. */
  readonly cost: number;
  /** Question words the option answers (the resource and the words asking for its use). */
  readonly words: readonly number[];
}

const usageKindOrder: Readonly<Record<UsageOption['kind'], number>> = {
  busy: 0,
  pair: 1,
  direct: 2,
  time: 3,
};

/**
 * "CPU usage", "memory usage", "disk usage per mountpoint": the use of a resource the question
 * names, chosen among the resource's utilisation recipes instead of by word overlap (which favours
 * load averages, sizes or anything named "used"): the busy share of a time counter with an idle
 * mode, a free or used gauge against its capacity (available against total memory, filesystem
 * available against size), a metric named for the use, or another time counter of the resource.
 * The option whose names add the fewest words the question does not say wins; null when the
 * question is not about a resource's use or no option covers all its words.
 */
function chooseUsage(context: Context): UsageOption | null {
  const { features, index, snapshot } = context;
  if (
    features.operator ||
    features.quantile !== null ||
    features.down ||
    features.up ||
    features.elapsed ||
    features.comparison?.duration
  )
    return null;
  const aspect = context.words.filter((word) => word.kind === 'word' && usageStems.has(word.stem));
  if (aspect.length === 0) return null;
  const named = context.mentions.filter((mention) => mention.strength >= 0.8);
  // words naming a label value are filters, unless they also name metrics (collector="cpu")
  const valueWords = new Set(
    named
      .flatMap((mention) => mention.words)
      .filter((position) => !namesMetrics(index, context.tokens[position]!.stem)),
  );
  const labelWords = new Set([
    ...features.breakdown.flat(),
    ...(features.which ?? []),
    ...features.answerWords,
  ]);
  const subject = contentWords(context.words, features.consumed).filter(
    (word) =>
      context.tokens[word.index]?.kind === 'word' &&
      !usageStems.has(word.stem) &&
      !genericWords.has(word.text) &&
      !valueWords.has(word.index) &&
      !labelWords.has(word.index),
  );
  const related = (word: Word) => [word.stem, ...synonymsOf(word.stem)];
  const resources = subject.filter((word) => resourceMaskOf(related(word)) !== 0);
  if (resources.length === 0) return null;
  if (!subject.every((word) => related(word).some((variant) => index.postings.has(variant)))) return null;
  const questionStems = new Set(subject.flatMap(related));
  const says = (word: string) =>
    questionStems.has(word) || [...synonymsOf(word)].some((synonym) => questionStems.has(synonym));
  const positions = new Set<number>();
  for (const word of resources)
    for (const variant of related(word))
      for (const posting of index.postings.get(variant) ?? [])
        if ((posting & 3) === 0) positions.add(posting >>> 2);
  const filterValues = named.filter(
    (mention) =>
      mention.strength >= 0.9 &&
      mention.operator === '=' &&
      mention.words.some((position) => valueWords.has(position)),
  );
  let best: UsageOption | null = null;
  const consider = (kind: UsageOption['kind'], metric: CatalogMetric, pair: CapacityPair | null) => {
    const stems = pair ? pair.subject : nameStemsOf(metric.name).filter((word) => !inUseStems.has(word));
    let cost = 0;
    stems.forEach((word, position) => {
      // the first word is usually the exporter's namespace (node_, process_, container_)
      if (!says(word)) cost += position === 0 ? 0.3 : 1;
    });
    const labelStems = new Set([...metric.labels.keys()].flatMap((label) => splitName(label).map(stem)));
    const nameStems = new Set(nameStemsOf(metric.name).flatMap((word) => [word, ...synonymsOf(word)]));
    const position = index.positions.get(metric) ?? -1;
    // each word of the question is in the names, a label name, or a value of the metric (job="prometheus")
    for (const word of subject)
      if (
        !related(word).some((variant) => nameStems.has(variant) || labelStems.has(variant)) &&
        !named.some((mention) => mention.words.includes(word.index) && mention.metrics.has(position))
      )
        cost += 2;
    // a value the question filters on must be one the metric has
    for (const mention of filterValues) if (!mention.metrics.has(position)) cost += 2;
    const option: UsageOption = { kind, metric, pair, cost, words: [] };
    if (!best || compareUsage(option, best) < 0) best = option;
  };
  for (const position of positions) {
    const metric = snapshot.metrics[position]!;
    if (isInfo(metric)) continue;
    const namesUse = nameStemsOf(metric.name).some((word) => inUseStems.has(word));
    if (metric.type === 'counter' && metric.unit === 'seconds') {
      const idle = metric.labels.get('mode')?.values.includes('idle') ?? false;
      consider(idle ? 'busy' : namesUse ? 'direct' : 'time', metric, null);
      continue;
    }
    const pairs = capacityPairsOf(snapshot, metric).filter((pair) => pair.part === metric);
    for (const pair of pairs) consider('pair', metric, pair);
    if (namesUse && pairs.length === 0 && (metric.type === 'gauge' || metric.type === 'counter'))
      consider('direct', metric, null);
  }
  const chosen = best as UsageOption | null;
  // a question word no option covers: the general rules answer it
  if (!chosen || chosen.cost >= 2) return null;
  return {
    ...chosen,
    words: [...aspect, ...subject].map((word) => word.index),
  };
}

/** Orders usage options: cheapest first, then by kind, then available over free memory, then shorter names. */
function compareUsage(a: UsageOption, b: UsageOption): number {
  if (a.cost !== b.cost) return a.cost - b.cost;
  if (a.kind !== b.kind) return usageKindOrder[a.kind] - usageKindOrder[b.kind];
  // available memory rather than free memory: the kernel's estimate of what can be used
  const avail = (option: UsageOption) => (option.pair && /avail/i.test(option.pair.part.name) ? 0 : 1);
  if (avail(a) !== avail(b)) return avail(a) - avail(b);
  return a.metric.name.length - b.metric.name.length || (a.metric.name < b.metric.name ? -1 : 1);
}

/** Labels that say where a whole resource runs (a host, a pod, a server address), not a part of it. */
const placeLabels = new Set([
  'host',
  'hostname',
  'node',
  'server',
  'machine',
  'addr',
  'address',
  'pod',
  'container',
  'namespace',
  'service',
  'cluster',
  'region',
  'zone',
  'env',
  'environment',
  'application',
  'app',
]);

/**
 * The use of a resource from a part and its capacity: the amount in use (`total - available`,
 * or the used gauge) or, when a share is asked for or the series are per object (filesystems,
 * devices, whose amounts do not compare), the used share (`1 - available / total`).
 */
function buildUsagePair(context: Context, pair: CapacityPair): Built {
  const { features } = context;
  const { part, whole, partKind } = pair;
  const bound = bind(
    context,
    { metric: part, score: 1, matchedWords: new Set(), nameCoverage: 1 },
    context.words,
  );
  const resolved: Resolved = { ...bound, alternatives: [] };
  const explained = new Set(resolved.explained);
  const matchers = [...resolved.matchers, ...(resolved.numerator ? [resolved.numerator] : [])].filter(
    (matcher) =>
      matcher.operator !== '=' || whole.labels.get(matcher.label)?.values.includes(matcher.value) === true,
  );
  const groupBy = breakdownLabels(context, [part, whole], explained);
  const target = features.ranking || features.which ? targetLabel(context, part, explained) : null;
  if (target && !groupBy.includes(target) && whole.labels.has(target)) groupBy.push(target);
  const filtered = new Set(matchers.map((matcher) => matcher.label));
  // series per filesystem or device: their amounts do not compare, their fill levels do
  const perObject = [...part.labels.keys()].some(
    (label) =>
      !identityLabels.has(label) &&
      !placeLabels.has(label) &&
      !groupBy.includes(label) &&
      !filtered.has(label),
  );
  const percent =
    features.percent || features.output?.kind === 'percent' || features.comparison?.unit?.kind === 'percent';
  const utilisation = context.words.some((word) => word.stem === 'utilization');
  const amountAsked = features.output?.kind === 'bytes' || features.output?.kind === 'bits';
  const share = !amountAsked && (percent || features.ratio || utilisation || perObject);
  const side = (metric: CatalogMetric) => {
    const selector = renderSelector(metric.name, matchers);
    if (groupBy.length > 0) return aggregate('sum', groupBy, selector);
    if (features.aggregation === 'sum') return aggregate('sum', [], selector);
    return selector;
  };
  if (share) {
    if (features.output?.kind === 'percent') features.output = null;
    const fraction = `${side(part)} / ${side(whole)}`;
    const used = partKind === 'free' ? `(1 - ${fraction})` : fraction;
    // a share reads as a percentage unless a ratio is asked for
    const inPercent = percent || !features.ratio;
    const expr = inPercent ? `100 * ${used}` : used;
    const built = finish(context, resolved, expr, {
      reason: `used share of ${whole.name}${partKind === 'free' ? ` (1 - ${part.name} / ${whole.name})` : ` from ${part.name}`}`,
      unit: inPercent ? '%' : 'ratio',
      groupBy,
      single: groupBy.length === 0 && !perObject && varyingLabels(part).every((label) => filtered.has(label)),
      threshold: null,
      info: false,
      baseKind: inPercent ? 'none' : 'ratio',
      max: inPercent ? 100 : 1,
      explained,
      skipRanking: false,
    });
    return withMetrics(built, [part, whole]);
  }
  const expr = partKind === 'free' ? `${side(whole)} - ${side(part)}` : side(part);
  const built = finish(context, resolved, expr, {
    reason:
      partKind === 'free'
        ? `amount in use: ${whole.name} - ${part.name}`
        : `amount in use: ${part.name} (of ${whole.name})`,
    unit: unitLabel(whole.unit),
    groupBy,
    single: groupBy.length === 0 && varyingLabels(part).every((label) => filtered.has(label)),
    threshold: null,
    info: false,
    baseKind: baseKindOf(whole.unit),
    max: null,
    explained,
    skipRanking: false,
  });
  return partKind === 'free' ? withMetrics(built, [part, whole]) : built;
}

/** A built query that reads several metrics. */
function withMetrics(built: Built, metrics: readonly CatalogMetric[]): Built {
  const names = metrics.map((metric) => metric.name);
  return { ...built, metrics: names, shape: { ...built.shape, metrics: names } };
}

/** Labels of one-hot state series (`phase="Pending"` is 1 or 0): their values add up, counting them does not. */
const stateLabel = /(^|_)(phase|state|status|condition|reason|result)$/;

/**
 * The label whose distinct values "how many X" counts: X names a label of the metric (other than
 * instance and job) and is not what the metric's value counts (`kube_deployment_spec_replicas`
 * counts replicas, per deployment; `shipments_created_total` counts shipments). Null for
 * health and one-hot state series, whose values already count the objects.
 */
function countedLabel(
  context: Context,
  resolved: Resolved,
): { readonly label: string; readonly words: readonly number[] } | null {
  const { features, tokens } = context;
  const { metric } = resolved;
  if (features.comparison || features.down || features.up || features.ranking || features.increase)
    return null;
  if (features.windowSeconds !== null || features.perSeconds !== null || isUpLike(metric)) return null;
  const filters = [...resolved.matchers, ...(resolved.numerator ? [resolved.numerator] : [])];
  if (filters.some((matcher) => stateLabel.test(matcher.label))) return null;
  const phrase = countedPhrase(tokens).map((position) => tokens[position]!);
  const head = phrase.at(-1);
  if (!head) return null;
  const match = matchLabelName(metric, phrase, { exclude: identityLabels });
  // the label names the head noun ("kafka topics" → topic), or the whole phrase ("consumer groups" → consumergroup)
  const whole = match?.label.replace(/_/g, '') === phrase.map((token) => token.stem).join('');
  if (!match || match.score < 0.7 || (!match.words.includes(head.index) && !whole)) return null;
  // the metric counts the named things itself: its last name word is the thing
  const counts = nameStemsOf(metric.name).at(-1);
  if (!isInfo(metric) && phrase.some((token) => token.stem === counts)) return null;
  return { label: match.label, words: match.words };
}

/** The words "how many" or "number of" ask about ("kafka topics"), by position. */
function countedPhrase(tokens: readonly Token[]): number[] {
  const cue = tokens.findIndex(
    (token, position) =>
      (token.text === 'many' && tokens[position - 1]?.text === 'how') ||
      (token.text === 'of' && tokens[position - 1]?.text === 'number'),
  );
  if (cue < 0) return [];
  return phraseAfter(tokens, cue + 1).filter((position) => tokens[position]!.kind === 'word');
}

/** Which metrics can answer the question's shape. */
function constraintFor(context: Context): (metric: CatalogMetric) => boolean {
  const { features } = context;
  if (features.quantile !== null) return (metric) => isHistogram(metric) || metric.type === 'summary';
  if (features.comparison?.duration && (features.percent || features.ratio || features.howMany))
    return (metric) => isHistogram(metric) && metric.unit === 'seconds';
  if (features.elapsed === 'uptime') return (metric) => isTimestamp(metric) && startWords.test(metric.name);
  if (features.elapsed) return (metric) => isTimestamp(metric);
  if (features.down || features.up) {
    return (metric) => isUpLike(metric);
  }
  return () => true;
}

const startWords = /(^|_)(boot|start|started|launch|created)(_|$)/i;

/** A gauge holding a Unix time in seconds: a boot or start time, an expiry, a last-success time. */
function isTimestamp(metric: CatalogMetric): boolean {
  if (metric.type === 'counter' || isHistogram(metric) || metric.type === 'summary') return false;
  if (/\b(in )?unix ?time\b|\bsince (the )?(unix )?epoch\b|\bsince 1970\b/i.test(metric.help)) return true;
  if (metric.unit !== 'seconds' && !/timestamp|expiry|expiration/i.test(metric.name)) return false;
  return (
    /(^|_)(timestamp|boot_time|start_time|expiry|expiration|expire_time|last_[a-z_]*_time)(_|$)/i.test(
      metric.name,
    ) ||
    /\b(since (the )?(unix )?epoch|since 1970|unix ?time|timestamp|seconds since 1970)\b/i.test(metric.help)
  );
}

interface Finish {
  readonly reason: string;
  readonly unit: string;
  readonly groupBy: readonly string[];
  readonly single: boolean;
  readonly threshold: QueryShape['threshold'];
  readonly info: boolean;
  readonly baseKind: 'time' | 'bytes' | 'bits' | 'ratio' | 'none';
  readonly max: number | null;
  readonly explained: Set<number>;
  readonly skipRanking: boolean;
}

/** Applies unit conversion, comparisons and ranking, then returns the result. */
function finish(context: Context, resolved: Resolved, inner: string, options: Finish): Built {
  const { features } = context;
  let expr = inner;
  let unit = options.unit;
  let threshold = options.threshold;
  let max = options.max;
  const converted = convert(expr, options.baseKind, features.output);
  if (converted.unit !== null) {
    expr = converted.expr;
    unit = converted.unit;
    if (unit === '%') max = max === 1 ? 100 : max;
    else max = null;
  }
  const comparison = features.comparison;
  if (comparison && !comparison.duration && !threshold) {
    let value = comparison.value;
    if (comparison.unit?.kind === 'percent' && unit === 'ratio') value = value / 100;
    else if (comparison.unit?.kind === 'bytes' && unit === 'bytes') value = value * comparison.unit.size;
    else if (comparison.unit?.kind === 'time' && unit === 's') value = value * comparison.unit.size;
    expr = `${wrap(expr)} ${comparison.operator} ${formatNumber(value)}`;
    threshold = { operator: comparison.operator, value };
  }
  let ranking: QueryShape['ranking'] = null;
  if (features.ranking && !options.skipRanking && !threshold) {
    const direction = features.ranking.direction;
    const k = features.ranking.k;
    if (!(options.single && k === 1 && options.groupBy.length === 0 && !isMultiSeries(resolved.metric))) {
      expr = `${direction === 'top' ? 'topk' : 'bottomk'}(${k}, ${expr})`;
      ranking = { direction, k };
    }
  }
  const metrics = [resolved.metric.name];
  return {
    promql: expr,
    reason: options.reason,
    metrics,
    explained: options.explained,
    shape: {
      metrics,
      metricType: resolved.metric.type,
      unit,
      groupBy: options.groupBy,
      ranking,
      threshold,
      single: options.single && !ranking,
      info: options.info,
      max,
    },
  };
}

function isMultiSeries(metric: CatalogMetric): boolean {
  return varyingLabels(metric).length > 0;
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(12)));
}

/** Quantiles, means and shares above a bound, for histograms and summaries. */
function buildDistribution(
  context: Context,
  resolved: Resolved,
  groupBy: string[],
): {
  expr: string;
  unit: string;
  baseKind: 'time' | 'none' | 'bytes';
  reason: string;
  multiple: boolean;
  max: number | null;
} {
  const { features } = context;
  const { metric } = resolved;
  const matchers = [...resolved.matchers, ...(resolved.numerator ? [resolved.numerator] : [])];
  const window = context.window;
  const baseKind = metric.unit === 'seconds' ? 'time' : metric.unit === 'bytes' ? 'bytes' : 'none';
  const unit = unitLabel(metric.unit);
  const histogram = isHistogram(metric);
  const comparison = features.comparison;

  if (histogram && comparison?.duration && comparison.unit) {
    const bound =
      comparison.value *
      (metric.unit === 'milliseconds' ? comparison.unit.size * 1000 : comparison.unit.size);
    const buckets = metric.labels.get('le')?.values ?? [];
    const bucket = buckets.find((value) => Math.abs(labelNumber(value) - bound) <= 1e-9 * Math.max(1, bound));
    if (!bucket)
      throw new Unanswerable(
        `${metric.name} has no bucket boundary at ${formatNumber(bound)}${metric.unit ? ` ${metric.unit}` : ''}; its boundaries are ${buckets.join(', ')}`,
        [metric.name],
      );
    const below = `${aggregate('sum', groupBy, `rate(${renderSelector(`${metric.name}_bucket`, [...matchers, { label: 'le', operator: '=', value: bucket }])}[${window}])`)}`;
    const all = `${aggregate('sum', groupBy, `rate(${renderSelector(`${metric.name}_count`, matchers)}[${window}])`)}`;
    const above = comparison.operator === '>' || comparison.operator === '>=';
    const fraction = above ? `(1 - ${below} / ${all})` : `${below} / ${all}`;
    const percent = features.percent || features.output?.kind === 'percent';
    features.comparison = null;
    if (features.output?.kind === 'percent') features.output = null;
    return {
      expr: percent ? `100 * ${fraction}` : fraction,
      unit: percent ? '%' : 'ratio',
      baseKind: 'none',
      reason: `share of observations ${above ? 'above' : 'at or below'} ${formatNumber(bound)} s from the cumulative bucket le="${bucket}"`,
      multiple: false,
      max: percent ? 100 : 1,
    };
  }

  if (features.quantile !== null) {
    const q = features.quantile;
    if (histogram) {
      const inner = aggregate(
        'sum',
        ['le', ...groupBy],
        `rate(${renderSelector(`${metric.name}_bucket`, matchers)}[${window}])`,
      );
      return {
        expr: `histogram_quantile(${formatNumber(q)}, ${inner})`,
        unit,
        baseKind,
        reason: `quantile ${formatNumber(q)} of the histogram buckets`,
        multiple: false,
        max: null,
      };
    }
    const quantiles = metric.labels.get('quantile')?.values ?? [];
    const value = quantiles.find((candidate) => Math.abs(labelNumber(candidate) - q) < 1e-9);
    if (!value)
      throw new Unanswerable(
        `${metric.name} is a summary without quantile ${formatNumber(q)}; it has ${quantiles.join(', ') || 'no quantiles'}`,
        [metric.name],
      );
    const selector = renderSelector(metric.name, [...matchers, { label: 'quantile', operator: '=', value }]);
    const others = varyingLabels(metric).filter(
      (label) => !matchers.some((matcher) => matcher.label === label) && !groupBy.includes(label),
    );
    return {
      expr: groupBy.length > 0 && others.length > 0 ? aggregate('max', groupBy, selector) : selector,
      unit,
      baseKind,
      reason: `the summary's precomputed quantile ${value}`,
      multiple: others.length > 0,
      max: null,
    };
  }

  // counts of observations: "how many requests", "requests per second"
  const wantsCount = (features.howMany || features.perSeconds !== null) && !features.mean;
  if (wantsCount) {
    const rated = `rate(${renderSelector(`${metric.name}_count`, matchers)}[${window}])`;
    return {
      expr: aggregate('sum', groupBy, rated),
      unit: '/s',
      baseKind: 'none',
      reason: 'rate of observations (_count)',
      multiple: false,
      max: null,
    };
  }
  const sum = aggregate('sum', groupBy, `rate(${renderSelector(`${metric.name}_sum`, matchers)}[${window}])`);
  const count = aggregate(
    'sum',
    groupBy,
    `rate(${renderSelector(`${metric.name}_count`, matchers)}[${window}])`,
  );
  return {
    expr: `${sum} / ${count}`,
    unit,
    baseKind,
    reason: 'mean: rate of _sum over rate of _count',
    multiple: false,
    max: null,
  };
}

/** Rates, increases, time shares and one-counter ratios. */
function buildCounter(
  context: Context,
  resolved: Resolved,
  groupBy: string[],
): {
  expr: string;
  unit: string;
  baseKind: 'time' | 'bytes' | 'bits' | 'ratio' | 'none';
  reason: string;
  single: boolean;
  max: number | null;
} {
  const { features } = context;
  const { metric } = resolved;
  const window = context.window;
  const selector = renderSelector(metric.name, resolved.matchers);
  const percent = features.percent || features.output?.kind === 'percent';

  // one-counter ratio: errors / all, hits / all
  if (resolved.numerator && (features.ratio || percent)) {
    const numerator = renderSelector(metric.name, [...resolved.matchers, resolved.numerator]);
    const top = aggregate('sum', groupBy, `rate(${numerator}[${window}])`);
    const bottom = aggregate('sum', groupBy, `rate(${selector}[${window}])`);
    if (features.output?.kind === 'percent') features.output = null;
    return {
      expr: percent ? `100 * ${top} / ${bottom}` : `${top} / ${bottom}`,
      unit: percent ? '%' : 'ratio',
      baseKind: 'none',
      reason: `share of ${resolved.numerator.label}${resolved.numerator.operator}${quote(resolved.numerator.value)} among all`,
      single: groupBy.length === 0,
      max: percent ? 100 : 1,
    };
  }
  const matchers = resolved.numerator ? [...resolved.matchers, resolved.numerator] : resolved.matchers;
  const filtered = renderSelector(metric.name, matchers);

  // CPU-style time counters: seconds per second is a share of time
  if (metric.unit === 'seconds' && (percent || features.ratio || mentionsUsage(context))) {
    const mode = metric.labels.get('mode');
    const busy =
      !matchers.some((matcher) => matcher.label === 'mode') &&
      mode?.values.includes('idle') &&
      mentionsUsage(context);
    if (features.output?.kind === 'percent') features.output = null;
    const usePercent = percent || busy;
    if (busy) {
      const idle = renderSelector(metric.name, [
        ...matchers,
        { label: 'mode', operator: '=', value: 'idle' },
      ]);
      const idleShare = aggregate('avg', groupBy, `rate(${idle}[${window}])`);
      return {
        expr: `100 * (1 - ${idleShare})`,
        unit: '%',
        baseKind: 'none',
        reason: 'busy share of time: 1 - idle, averaged over CPUs',
        single: groupBy.length === 0,
        max: 100,
      };
    }
    // per-CPU series (node_cpu_seconds_total) average to a busy fraction; per-container ones add up to cores
    const perCore = ['cpu', 'core', 'mode'].some((label) => metric.labels.has(label));
    const share = aggregate(perCore ? 'avg' : 'sum', groupBy, `rate(${filtered}[${window}])`);
    return {
      expr: usePercent ? `100 * ${share}` : share,
      unit: usePercent ? '%' : 'ratio',
      baseKind: 'none',
      reason: 'share of time: seconds per second, averaged over series',
      single: groupBy.length === 0,
      max: usePercent ? 100 : 1,
    };
  }

  const useIncrease =
    (features.windowSeconds !== null || features.increase) &&
    features.perSeconds === null &&
    !features.ratio &&
    !percent &&
    features.output?.kind !== 'bits' &&
    !hasWord(context, 'rate') &&
    !context.words.some((word) => rateNouns.has(word.text));
  const rangeFunction = useIncrease ? 'increase' : 'rate';
  const windowUsed = useIncrease && features.windowSeconds === null ? '1h' : window;
  const inner = `${rangeFunction}(${filtered}[${windowUsed}])`;
  const rankingWithoutTarget = features.ranking && groupBy.length === 0;
  let expr = rankingWithoutTarget ? inner : aggregate('sum', groupBy, inner);
  let unit = useIncrease ? '' : '/s';
  let baseKind: 'time' | 'bytes' | 'bits' | 'ratio' | 'none' = 'none';
  if (metric.unit === 'bytes') {
    baseKind = 'bytes';
    unit = useIncrease ? 'bytes' : 'bytes/s';
  }
  if (!useIncrease && features.perSeconds !== null && features.perSeconds !== 1) {
    expr = `${wrap(expr)} * ${scaleLiteral(features.perSeconds)}`;
    unit = perUnitLabel(features.perSeconds);
  }
  return {
    expr,
    unit,
    baseKind,
    reason: useIncrease ? `increase over ${windowUsed}` : `per-second rate over ${window}`,
    single: groupBy.length === 0 && !rankingWithoutTarget,
    max: null,
  };
}

/** Words naming an aspect of a resource (its use) rather than the resource. */
const aspectStems = new Set(
  ['use', 'usage', 'used', 'utilization', 'utilisation', 'consumption', 'consumed'].map(stem),
);

/** Words of elapsed-time questions that the timestamp recipe answers. */
const elapsedWords = new Set(
  ['expir', 'expire', 'expiry', 'expiration', 'boot', 'start', 'age', 'old', 'left'].map(stem),
);

/** Nouns that ask for a speed, not a count, even with a window ("throughput over the last hour"). */
const rateNouns = new Set(['throughput', 'bandwidth', 'speed', 'velocity', 'rps', 'qps', 'iops', 'tps']);

function hasWord(context: Context, word: string): boolean {
  return context.words.some((token) => token.text === word);
}

function mentionsUsage(context: Context): boolean {
  return context.words.some(
    (word) =>
      ['usage', 'use', 'used', 'utilization', 'busy', 'load', 'utilisation', 'utilization'].includes(
        word.text,
      ) || word.stem === 'utilization',
  );
}

/** Current values of gauges, aggregated, filtered or counted. */
function buildGauge(
  context: Context,
  resolved: Resolved,
  groupBy: string[],
): {
  expr: string;
  reason: string;
  single: boolean;
  unit: string | null;
  baseKind?: 'time' | 'bytes' | 'bits' | 'ratio' | 'none';
  max?: number | null;
  threshold?: QueryShape['threshold'];
} {
  const { features } = context;
  const { metric } = resolved;
  const matchers = resolved.numerator ? [...resolved.matchers, resolved.numerator] : resolved.matchers;
  const selector = renderSelector(metric.name, matchers);
  const filteredLabels = new Set(matchers.map((matcher) => matcher.label));
  const varying = varyingLabels(metric).filter((label) => !filteredLabels.has(label));

  if (isUpLike(metric) && (features.down || features.up)) {
    const condition = features.down ? `${selector} == 0` : selector;
    const counting = features.howMany && features.down;
    return {
      expr: counting ? `count(${condition})` : condition,
      reason: features.down ? 'series whose value is 0 (down)' : '1 means up, 0 down',
      single: counting,
      unit: '',
      baseKind: 'none',
      max: counting ? null : 1,
      threshold: features.down && !counting ? { operator: '==', value: 0 } : null,
    };
  }
  // "average response time" of a gauge that already holds an average: the word names the metric
  const namesAverage = nameStemsOf(metric.name).some((word) => averageStems.has(word));
  const explicit =
    features.aggregation &&
    features.aggregation !== 'sum' &&
    !(features.aggregation === 'avg' && namesAverage)
      ? features.aggregation
      : null;
  const wantsSum = features.aggregation === 'sum';
  const coversAll = varying.every((label) => groupBy.includes(label));
  if (features.howMany && countsEntities(context, metric)) {
    const condition = selector;
    return {
      expr: aggregate('count', groupBy, condition),
      reason: 'number of series',
      single: groupBy.length === 0,
      unit: '',
    };
  }
  // "how many pods are pending": one number over a one-hot or count gauge
  if (features.howMany && groupBy.length === 0 && varying.length > 0 && !nonAdditiveUnits.has(metric.unit)) {
    return { expr: aggregate('sum', [], selector), reason: 'sum over series', single: true, unit: null };
  }
  if (explicit) {
    return {
      expr: aggregate(explicit, groupBy, selector),
      reason: `${explicit} over series`,
      single: groupBy.length === 0,
      unit: null,
    };
  }
  if (groupBy.length > 0) {
    if (coversAll) return { expr: selector, reason: 'current value per series', single: false, unit: null };
    const operation = nonAdditiveUnits.has(metric.unit) ? 'avg' : 'sum';
    return {
      expr: aggregate(operation, groupBy, selector),
      reason: `${operation} per ${groupBy.join(', ')}`,
      single: false,
      unit: null,
    };
  }
  if (wantsSum && varying.length > 0 && !nonAdditiveUnits.has(metric.unit)) {
    return { expr: aggregate('sum', [], selector), reason: 'sum over series', single: true, unit: null };
  }
  return { expr: selector, reason: 'current value', single: varying.length === 0, unit: null };
}

function countsEntities(context: Context, metric: CatalogMetric): boolean {
  // "how many targets are …": the counted thing is not what the metric measures
  const nameStems = new Set(nameStemsOf(metric.name));
  return context.words.some(
    (word) => countEntities.has(word.stem) && !nameStems.has(word.stem) && !stopWords.has(word.text),
  );
}

/** Outcome words that come in pairs on sibling counters: `cache_hits_total` / `cache_misses_total`. */
const complementWords: ReadonlyArray<readonly [string, string]> = [
  ['hit', 'miss'],
  ['hits', 'misses'],
  ['success', 'failure'],
  ['successes', 'failures'],
  ['succeeded', 'failed'],
  ['commit', 'rollback'],
  ['commits', 'rollbacks'],
  ['accepted', 'rejected'],
  ['allowed', 'denied'],
  ['allowed', 'blocked'],
  ['granted', 'denied'],
  ['ok', 'error'],
  ['ok', 'errors'],
];

/** Words naming the whole a part is measured against. */
const capacityWords = ['total', 'size', 'capacity', 'limit', 'quota', 'max', 'maximum', 'allocatable'];
/** Words naming the used part, and the free part, of a capacity. */
const usedWords = ['used', 'usage', 'utilized', 'consumed', 'occupied'];
const freeWords = ['avail', 'available', 'free', 'remaining'];
/** Question words asking for the used share ("disk usage %", "how full"). */
const usedQuestionStems = new Set(
  [
    'used',
    'usage',
    'use',
    'utilization',
    'utilisation',
    'full',
    'fill',
    'consumed',
    'occupied',
    'busy',
    'load',
  ].map(stem),
);
const freeQuestionStems = new Set(['free', 'available', 'avail', 'remaining', 'left', 'headroom'].map(stem));

const swapPatterns = new Map<string, RegExp>();

/** Names of `name` with one word swapped (snake_case or CamelCase part), keeping its case. */
function swappedNames(name: string, from: string, to: string): string[] {
  if (!name.toLowerCase().includes(from)) return [];
  const names: string[] = [];
  let pattern = swapPatterns.get(from);
  if (!pattern) {
    pattern = new RegExp(
      `(^|_)(${from})(?=_|$)|(?<=[a-z0-9])(${from[0]!.toUpperCase()}${from.slice(1)})(?=[A-Z_]|$)`,
      'g',
    );
    swapPatterns.set(from, pattern);
  }
  for (const match of name.matchAll(pattern)) {
    const start = match.index + (match[1]?.length ?? 0);
    const word = match[2] ?? match[3]!;
    const replacement = word[0] === word[0]!.toUpperCase() ? `${to[0]!.toUpperCase()}${to.slice(1)}` : to;
    names.push(`${name.slice(0, start)}${replacement}${name.slice(start + word.length)}`);
  }
  return names;
}

/** The sibling of a counter with the opposite outcome (`hits` → `misses`), if the catalog has it. */
function complementOf(
  snapshot: MetricCatalogSnapshot,
  metric: CatalogMetric,
): { readonly metric: CatalogMetric; readonly word: string } | null {
  if (metric.type !== 'counter') return null;
  const cached = complements.get(metric);
  if (cached !== undefined) return cached;
  const found = findComplement(snapshot, metric);
  complements.set(metric, found);
  return found;
}

const complements = new WeakMap<
  CatalogMetric,
  { readonly metric: CatalogMetric; readonly word: string } | null
>();

function findComplement(
  snapshot: MetricCatalogSnapshot,
  metric: CatalogMetric,
): { readonly metric: CatalogMetric; readonly word: string } | null {
  for (const [first, second] of complementWords) {
    for (const [from, to] of [
      [first, second],
      [second, first],
    ] as const) {
      for (const name of swappedNames(metric.name, from, to)) {
        const sibling = snapshot.byName.get(name);
        if (sibling && sibling.type === 'counter') return { metric: sibling, word: from };
      }
    }
  }
  return null;
}

interface CapacityPair {
  /** The used part (`x_used_bytes`) or the free part (`x_avail_bytes`). */
  readonly part: CatalogMetric;
  readonly partKind: 'used' | 'free';
  /** The whole (`x_size_bytes`, `x_limit`, `MemTotal`). */
  readonly whole: CatalogMetric;
  /** Name stems the two share: what both measure (`node`, `filesystem`). */
  readonly subject: readonly string[];
}

/** Sibling gauges naming a part and its whole: `x_used_bytes` / `x_size_bytes`, `MemAvailable` / `MemTotal`. */
function capacityPairsOf(snapshot: MetricCatalogSnapshot, metric: CatalogMetric): readonly CapacityPair[] {
  if (metric.type === 'counter' || isHistogram(metric) || metric.type === 'summary') return [];
  let pairs = capacityPairs.get(metric);
  if (!pairs) {
    pairs = findCapacityPairs(snapshot, metric);
    capacityPairs.set(metric, pairs);
  }
  return pairs;
}

const capacityPairs = new WeakMap<CatalogMetric, readonly CapacityPair[]>();

function findCapacityPairs(snapshot: MetricCatalogSnapshot, metric: CatalogMetric): CapacityPair[] {
  const pairs: CapacityPair[] = [];
  const add = (
    part: CatalogMetric,
    partKind: 'used' | 'free',
    whole: CatalogMetric,
    words: readonly string[],
  ) => {
    if (part.type === 'counter' || whole.type === 'counter') return;
    if (pairs.some((pair) => pair.part === part && pair.whole === whole)) return;
    const drop = new Set(words.map(stem));
    const subject = nameStemsOf(part.name).filter((word) => !drop.has(word));
    pairs.push({ part, partKind, whole, subject });
  };
  for (const capacity of capacityWords) {
    for (const [kind, list] of [
      ['used', usedWords],
      ['free', freeWords],
    ] as const) {
      for (const partWord of list) {
        for (const name of swappedNames(metric.name, partWord, capacity)) {
          const whole = snapshot.byName.get(name);
          if (whole) add(metric, kind, whole, [partWord, capacity]);
        }
        for (const name of swappedNames(metric.name, capacity, partWord)) {
          const part = snapshot.byName.get(name);
          if (part) add(part, kind, metric, [partWord, capacity]);
        }
      }
    }
  }
  return pairs;
}

/** True when the question can be answered as a share of this metric: a part and a whole. */
function canFormShare(context: Context, metric: CatalogMetric, inWords: ReadonlySet<number>): boolean {
  const position = context.index.positions.get(metric) ?? -1;
  const outcome = context.mentions.some(
    (mention) =>
      mention.metrics.has(position) &&
      mention.words.every((word) => inWords.has(word)) &&
      (outcomeLabel.test(mention.label) || mention.operator !== '='),
  );
  if (outcome) return true;
  if (complementOf(context.snapshot, metric)) return true;
  return capacityPairsOf(context.snapshot, metric).length > 0;
}

/**
 * Shares without an explicit operator: a counter against its opposite outcome
 * (`hits / (hits + misses)`), a used or free gauge against its capacity (`1 - avail / size`), or
 * a capacity against the gauge that fills it (`connections in use / max connections`).
 */
function buildShare(context: Context, resolved: Resolved): Built | null {
  const { features, snapshot } = context;
  const percent = features.percent || features.output?.kind === 'percent';
  const explained = new Set(resolved.explained);
  const scale = (expr: string) => (percent ? `100 * ${expr}` : expr);
  const done = (
    expr: string,
    metrics: readonly CatalogMetric[],
    groupBy: readonly string[],
    reason: string,
  ): Built => {
    if (features.output?.kind === 'percent') features.output = null;
    const names = metrics.map((metric) => metric.name);
    return {
      promql: expr,
      reason,
      metrics: names,
      explained,
      shape: {
        metrics: names,
        metricType: metrics[0]!.type,
        unit: percent ? '%' : 'ratio',
        groupBy,
        ranking: null,
        threshold: null,
        single: groupBy.length === 0,
        info: false,
        max: percent ? 100 : 1,
      },
    };
  };
  const metric = resolved.metric;
  // a counter and its opposite outcome
  const complement = complementOf(snapshot, metric);
  if (complement) {
    const groupBy = breakdownLabels(context, [metric, complement.metric], explained);
    const matchers = resolved.matchers.filter((matcher) => complement.metric.labels.has(matcher.label));
    const rate = (target: CatalogMetric) =>
      aggregate('sum', groupBy, `rate(${renderSelector(target.name, matchers)}[${context.window}])`);
    const part = rate(metric);
    return done(
      scale(`${part} / (${part} + ${rate(complement.metric)})`),
      [metric, complement.metric],
      groupBy,
      `share of ${metric.name} among it and ${complement.metric.name}`,
    );
  }
  if (metric.type === 'counter' || isHistogram(metric) || metric.type === 'summary') return null;
  if (metric.unit === 'ratio' || metric.unit === 'percent') return null;
  const questionStems = new Set(
    contentWords(context.words, features.consumed).flatMap((word) => [word.stem, ...synonymsOf(word.stem)]),
  );
  const wantsFree =
    context.words.some((word) => freeQuestionStems.has(word.stem)) &&
    !context.words.some((word) => usedQuestionStems.has(word.stem));
  // a part and its whole among the metrics ranked for the question: the pair whose shared
  // subject the question names best
  let best: { pair: CapacityPair; score: number } | null = null;
  resolved.alternatives.forEach((entry, rank) => {
    for (const pair of capacityPairsOf(snapshot, entry.metric)) {
      if (pair.subject.length === 0) continue;
      const covered = pair.subject.filter((word) => questionStems.has(word)).length / pair.subject.length;
      if (covered === 0) continue;
      const freeMatch = (pair.partKind === 'free') === wantsFree ? 0.01 : 0;
      const preferAvail = pair.partKind === 'free' && /avail/i.test(pair.part.name) ? 0.005 : 0;
      const score = covered + freeMatch + preferAvail - rank * 0.001;
      if (!best || score > best.score) best = { pair, score };
    }
  });
  const chosen = best as { pair: CapacityPair; score: number } | null;
  if (chosen) {
    const { part, whole, partKind } = chosen.pair;
    const mentioned = context.mentions.filter(
      (mention) =>
        mention.strength >= 0.8 &&
        mention.operator === '=' &&
        part.labels.get(mention.label)?.values.includes(mention.value) &&
        whole.labels.get(mention.label)?.values.includes(mention.value),
    );
    const matchers: Matcher[] = [];
    for (const mention of mentioned) {
      const label = part.labels.get(mention.label);
      if (matchers.some((matcher) => matcher.label === mention.label)) continue;
      for (const word of mention.words) explained.add(word);
      if (label && label.values.length === 1 && !label.truncated && !namedAsFilter(context, mention))
        continue;
      matchers.push({ label: mention.label, operator: '=', value: mention.value });
    }
    for (const word of context.words) {
      const namesSubject = chosen.pair.subject.some(
        (subject) => subject === word.stem || synonymsOf(subject).has(word.stem),
      );
      if (namesSubject || usedQuestionStems.has(word.stem) || freeQuestionStems.has(word.stem))
        explained.add(word.index);
    }
    const groupBy = breakdownLabels(context, [part, whole], explained);
    const side = (target: CatalogMetric) => {
      const selector = renderSelector(target.name, matchers);
      return groupBy.length > 0 ? aggregate('sum', groupBy, selector) : selector;
    };
    const fraction = `${side(part)} / ${side(whole)}`;
    const expr = (partKind === 'free') === wantsFree ? fraction : `(1 - ${fraction})`;
    return done(
      percent && expr.startsWith('(') ? `100 * ${expr}` : scale(expr),
      [part, whole],
      groupBy,
      `${wantsFree ? 'free' : 'used'} share of ${whole.name} from ${part.name}`,
    );
  }
  // a capacity (max_connections, a limit, a quota) and the gauge that fills it
  const partner = capacityPartner(context, resolved);
  if (partner) {
    const { part, whole } = partner;
    const matchers: Matcher[] = [];
    for (const mention of context.mentions) {
      if (mention.strength < 0.8 || mention.operator !== '=') continue;
      if (!part.labels.get(mention.label)?.values.includes(mention.value)) continue;
      if (!whole.labels.get(mention.label)?.values.includes(mention.value)) continue;
      if (matchers.some((matcher) => matcher.label === mention.label)) continue;
      matchers.push({ label: mention.label, operator: '=', value: mention.value });
      for (const word of mention.words) explained.add(word);
    }
    for (const word of context.words) {
      const stems = new Set([...nameStemsOf(part.name), ...nameStemsOf(whole.name)]);
      if (
        stems.has(word.stem) ||
        usedQuestionStems.has(word.stem) ||
        [...synonymsOf(word.stem)].some((synonym) => stems.has(synonym))
      )
        explained.add(word.index);
    }
    const groupBy = breakdownLabels(context, [part, whole], explained);
    const side = (target: CatalogMetric) => aggregate('sum', groupBy, renderSelector(target.name, matchers));
    return done(
      scale(`${side(part)} / ${side(whole)}`),
      [part, whole],
      groupBy,
      `${part.name} as a share of the capacity ${whole.name}`,
    );
  }
  return null;
}

const capacityNameStems = new Set(['max', 'maximum', 'limit', 'capacity', 'quota', 'allocatable'].map(stem));
const identityLabels = new Set(['job', 'instance', 'le', 'quantile', '__name__']);

/**
 * A capacity gauge (a name with max, limit, capacity or quota) ranked for the question, and the
 * gauge that fills it: one that shares an entity label with it (server, pod), carries the values
 * the question names, and names or describes what the capacity counts (`pg_settings_max_connections`
 * and a gauge of "connections").
 */
function capacityPartner(
  context: Context,
  resolved: Resolved,
): { part: CatalogMetric; whole: CatalogMetric } | null {
  const { index, snapshot } = context;
  const ranked = [resolved.metric, ...resolved.alternatives.map((entry) => entry.metric)].filter(
    (metric, position, all) => all.indexOf(metric) === position && metric.type === 'gauge' && !isInfo(metric),
  );
  const isCapacity = (metric: CatalogMetric) =>
    nameStemsOf(metric.name).some((word) => capacityNameStems.has(word));
  const named = context.mentions.filter((mention) => mention.strength >= 0.9 && mention.operator === '=');
  for (const whole of ranked.slice(0, 3).filter(isCapacity)) {
    const subject = nameStemsOf(whole.name)
      .slice(1)
      .filter((word) => !capacityNameStems.has(word) && word.length > 2);
    const entityLabels = [...whole.labels.keys()].filter((label) => !identityLabels.has(label));
    const wholePosition = index.positions.get(whole) ?? -1;
    const wholeValues = named.filter((mention) => mention.metrics.has(wholePosition));
    let best: { metric: CatalogMetric; score: number } | null = null;
    const prefix = splitName(whole.name)[0];
    const variants = subject.flatMap((word) =>
      expandStem(index, word).filter(([variant, similarity]) => similarity >= 0.6 && variant.length > 3),
    );
    for (const [variant, similarity] of variants) {
      for (const posting of index.postings.get(variant) ?? []) {
        const part = snapshot.metrics[posting >>> 2]!;
        if (part === whole || part.type !== 'gauge' || isInfo(part) || isCapacity(part)) continue;
        // the same entity: a shared label (server, pod), or the same exporter when neither has one
        if (entityLabels.length > 0 && !entityLabels.some((label) => part.labels.has(label))) continue;
        if (entityLabels.length === 0 && splitName(part.name)[0] !== prefix) continue;
        const position = posting >>> 2;
        // the part must carry the values the question names for the capacity ("on orders-db-0")
        if (!wholeValues.every((mention) => mention.metrics.has(position))) continue;
        const score = ((posting & 3) === 0 ? 2 : 1) * similarity - part.name.length / 1000;
        if (!best || score > best.score) best = { metric: part, score };
      }
    }
    if (best) return { part: best.metric, whole };
  }
  return null;
}

/** Two metrics combined: `A / B`, `A vs B`, `A as % of B`, `A minus B`. */
function buildTwoOperands(context: Context): Built | null {
  const { features, tokens } = context;
  const operator = features.operator!;
  const split = operandWords(tokens, operator.at);
  // "A vs B for every pod": the breakdown belongs to both sides, not to the one it is written in
  const bothSides = new Set(features.breakdown.flat());
  const written = [
    split.left.filter((token) => !bothSides.has(token.index)),
    split.right.filter((token) => !bothSides.has(token.index)),
  ] as const;
  const [left, right] = operator.swap ? [written[1], written[0]] : written;
  const outside = [
    ...split.outside,
    ...[...split.left, ...split.right].filter((token) => bothSides.has(token.index)),
  ];
  if (left.length === 0 || right.length === 0)
    return buildOne({ ...context, features: { ...features, operator: null } });
  const leftResolved = resolve(context, left, () => true, { contextWords: outside });
  if (!leftResolved) return null;
  const rightContext = [...outside, ...left];
  const rightResolved = resolve(
    context,
    right,
    (metric) =>
      metric.name !== leftResolved.metric.name ||
      (operator.kind !== 'divide' && operator.kind !== 'compare') ||
      !!leftResolved.numerator,
    { contextWords: rightContext },
  );
  if (!rightResolved) return null;
  const metrics = [leftResolved.metric, rightResolved.metric];
  const explained = new Set([...leftResolved.explained, ...rightResolved.explained]);
  const groupBy = breakdownLabels(context, metrics, explained);
  const target =
    features.ranking || features.which ? targetLabel(context, leftResolved.metric, explained) : null;
  if (target && !groupBy.includes(target) && rightResolved.metric.labels.has(target)) groupBy.push(target);
  // filters on words outside both operands apply to both sides when both have the label
  const shared = context.mentions.filter(
    (mention) =>
      mention.strength >= 0.8 &&
      mention.words.every((position) => outside.some((word) => word.index === position)),
  );
  const sideExpr = (resolved: Resolved) => {
    const matchers = [...resolved.matchers, ...(resolved.numerator ? [resolved.numerator] : [])];
    for (const mention of shared) {
      if (
        !resolved.metric.labels.get(mention.label)?.values.includes(mention.value) &&
        mention.operator === '='
      )
        continue;
      if (!resolved.metric.labels.has(mention.label)) continue;
      if (matchers.some((matcher) => matcher.label === mention.label)) continue;
      matchers.push({ label: mention.label, operator: mention.operator, value: mention.value });
      for (const word of mention.words) explained.add(word);
    }
    // a comparison keeps the series apart so each one is compared with its counterpart
    return valueExpression(context, resolved.metric, matchers, groupBy, operator.kind === 'compare');
  };
  // a filter named on one side scopes both when the other metric has the same label value ("A vs B on server1")
  const scope = (from: Resolved, to: Resolved): Resolved => {
    const extra = from.matchers.filter(
      (matcher) =>
        !to.matchers.some((existing) => existing.label === matcher.label) &&
        (matcher.operator === '=~' || to.metric.labels.get(matcher.label)?.values.includes(matcher.value)),
    );
    return extra.length === 0 ? to : { ...to, matchers: [...to.matchers, ...extra] };
  };
  const leftScoped = scope(rightResolved, leftResolved);
  const rightScoped = scope(leftResolved, rightResolved);
  const leftSide = sideExpr(leftScoped);
  const rightSide = sideExpr(rightScoped);
  let expr: string;
  let unit: string;
  let max: number | null = null;
  const percent = operator.percent || features.percent || features.output?.kind === 'percent';
  if (operator.kind === 'compare') {
    expr = `${leftSide.expr} ${operator.comparison ?? '>'} ${rightSide.expr}`;
    unit = leftSide.unit;
  } else if (operator.kind === 'divide') {
    expr = `${leftSide.expr} / ${rightSide.expr}`;
    if (percent) {
      expr = `100 * ${expr}`;
      unit = '%';
    } else unit = leftSide.unit === rightSide.unit ? 'ratio' : '';
    if (features.output?.kind === 'percent') features.output = null;
  } else {
    const symbol = operator.kind === 'subtract' ? '-' : '+';
    expr = `${leftSide.expr} ${symbol} ${rightSide.expr}`;
    unit = leftSide.unit;
    if (features.perSeconds !== null && features.perSeconds !== 1 && leftSide.rate) {
      expr = `(${expr}) * ${scaleLiteral(features.perSeconds)}`;
      unit = perUnitLabel(features.perSeconds);
    }
  }
  if (percent && operator.kind === 'divide') max = null;
  let ranking: QueryShape['ranking'] = null;
  if (features.ranking && groupBy.length > 0) {
    expr = `${features.ranking.direction === 'top' ? 'topk' : 'bottomk'}(${features.ranking.k}, ${expr})`;
    ranking = { direction: features.ranking.direction, k: features.ranking.k };
  }
  const names = [leftResolved.metric.name, rightResolved.metric.name];
  return {
    promql: expr,
    reason: `${{ divide: 'ratio', subtract: 'difference', add: 'sum', compare: 'comparison' }[operator.kind]} of ${names.join(' and ')}`,
    metrics: [...new Set(names)],
    explained,
    shape: {
      metrics: [...new Set(names)],
      metricType: leftResolved.metric.type,
      unit,
      groupBy,
      ranking,
      threshold: null,
      single: groupBy.length === 0 && !ranking,
      info: false,
      max,
    },
  };
}

/** The value of one side of a two-metric expression: a summed rate for counters, the gauge otherwise. */
function valueExpression(
  context: Context,
  metric: CatalogMetric,
  matchers: readonly Matcher[],
  groupBy: readonly string[],
  perSeries = false,
): { expr: string; unit: string; rate: boolean } {
  const window = context.window;
  const keep = perSeries && groupBy.length === 0;
  if (metric.type === 'counter') {
    const rated = `rate(${renderSelector(metric.name, matchers)}[${window}])`;
    return {
      expr: keep ? rated : aggregate('sum', groupBy, rated),
      unit: metric.unit,
      rate: true,
    };
  }
  if (isHistogram(metric) || metric.type === 'summary') {
    return {
      expr: aggregate('sum', groupBy, `rate(${renderSelector(`${metric.name}_count`, matchers)}[${window}])`),
      unit: '',
      rate: true,
    };
  }
  const filtered = new Set(matchers.map((matcher) => matcher.label));
  const varying = varyingLabels(metric).filter((label) => !filtered.has(label));
  const selector = renderSelector(metric.name, matchers);
  if (keep) return { expr: selector, unit: metric.unit, rate: false };
  if (varying.every((label) => groupBy.includes(label)) && groupBy.length === varying.length)
    return { expr: selector, unit: metric.unit, rate: false };
  return { expr: aggregate('sum', groupBy, selector), unit: metric.unit, rate: false };
}

/** Words left and right of an operator, within the clause that contains it, and the words outside. */
function operandWords(
  tokens: readonly Token[],
  position: number,
): { left: Token[]; right: Token[]; outside: Token[] } {
  const isBoundary = (token: Token) => token.kind === 'punct' && token.text !== '?';
  let start = position - 1;
  while (start >= 0 && !isBoundary(tokens[start]!)) start--;
  let end = position + 1;
  while (end < tokens.length && !isBoundary(tokens[end]!)) end++;
  const pick = (from: number, to: number) =>
    tokens.slice(from, to).filter((token) => token.kind === 'word' || token.kind === 'number');
  const left = pick(start + 1, position);
  const right = pick(position + 1, end);
  const inside = new Set([...left, ...right].map((token) => token.index));
  const outside = tokens.filter(
    (token) => (token.kind === 'word' || token.kind === 'number') && !inside.has(token.index),
  );
  return { left, right, outside };
}
