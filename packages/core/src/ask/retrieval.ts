import type { CatalogMetric, MetricCatalogSnapshot } from './catalog.js';
import {
  editDistance,
  questionWords,
  splitName,
  splitText,
  stem,
  stopWords,
  suffixWords,
  synonymsOf,
  type Word,
  wordSimilarity,
} from './text.js';

/** Where a question word was found in a metric. */
type Field = 'name' | 'help' | 'label';

const fieldWeights: Readonly<Record<Field, number>> = { name: 3, help: 1, label: 1.2 };

interface Posting {
  readonly metric: number;
  readonly field: Field;
}

/** A label value as the index knows it. */
export interface ValueRef {
  readonly metric: number;
  readonly label: string;
  readonly value: string;
  /** Lowercase words of the value (`/v1/search` → `v1`, `search`). */
  readonly words: readonly string[];
}

/** Search structures over a snapshot, built once per snapshot on first use. */
export interface CatalogIndex {
  readonly snapshot: MetricCatalogSnapshot;
  /** Stem → where it occurs. */
  readonly postings: ReadonlyMap<string, readonly Posting[]>;
  /** First three letters → stems, for typo and prefix matching. */
  readonly vocabulary: ReadonlyMap<string, readonly string[]>;
  /** Content stems of each metric's name (unit and type suffixes removed). */
  readonly nameStems: readonly (readonly string[])[];
  /** Normalised full value (`v1 search`) → label values. */
  readonly values: ReadonlyMap<string, readonly ValueRef[]>;
  /** Normalised stemmed value → label values. */
  readonly valueStems: ReadonlyMap<string, readonly ValueRef[]>;
  /** One word of a multi-word value → label values. */
  readonly valueWords: ReadonlyMap<string, readonly ValueRef[]>;
  /** Stem of a label name word → label names. */
  readonly labelNames: ReadonlyMap<string, readonly string[]>;
  /** Inverse document frequency of a stem over metrics. */
  idf(stemmed: string): number;
}

const indexes = new WeakMap<MetricCatalogSnapshot, CatalogIndex>();

/** Labels whose values are never matched against question words. */
const valuelessLabels = new Set(['le', 'quantile', '__name__']);

/** Values that say nothing on their own. */
const meaninglessValues = new Set([
  '',
  'true',
  'false',
  'none',
  'null',
  'unknown',
  'default',
  'other',
  'na',
  'n/a',
]);

const typeSuffixes = new Set(['total', 'count', 'sum', 'bucket', 'created', 'info']);

/** The content stems of a metric name: `node_memory_MemTotal_bytes` → `node`, `memory`, `mem`, `total`. */
export function nameStemsOf(name: string): string[] {
  const words = splitName(name);
  if (words.length > 1 && typeSuffixes.has(words.at(-1)!)) words.pop();
  if (words.length > 1 && suffixWords.has(words.at(-1)!)) words.pop();
  return words.map(stem);
}

function addPosting(postings: Map<string, Posting[]>, key: string, posting: Posting) {
  let list = postings.get(key);
  if (!list) {
    list = [];
    postings.set(key, list);
  }
  const last = list.at(-1);
  if (last && last.metric === posting.metric) {
    if (fieldWeights[posting.field] > fieldWeights[last.field]) list[list.length - 1] = posting;
    return;
  }
  list.push(posting);
}

function pushTo<Value>(map: Map<string, Value[]>, key: string, value: Value) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The search index of a snapshot (built on first use, then cached for the snapshot's lifetime). */
export function catalogIndex(snapshot: MetricCatalogSnapshot): CatalogIndex {
  const cached = indexes.get(snapshot);
  if (cached) return cached;
  const postings = new Map<string, Posting[]>();
  const values = new Map<string, ValueRef[]>();
  const valueStems = new Map<string, ValueRef[]>();
  const valueWords = new Map<string, ValueRef[]>();
  const labelNames = new Map<string, string[]>();
  const nameStems: string[][] = [];
  snapshot.metrics.forEach((metric, position) => {
    const stems = nameStemsOf(metric.name);
    nameStems.push(stems);
    // name first so it wins over help and labels for the same metric
    for (const word of stems) addPosting(postings, word, { metric: position, field: 'name' });
    for (const word of splitText(metric.help)) {
      if (stopWords.has(word) || word.length < 2) continue;
      addPosting(postings, stem(word), { metric: position, field: 'help' });
    }
    for (const label of metric.labels.values()) {
      if (valuelessLabels.has(label.name)) continue;
      for (const word of splitName(label.name)) {
        addPosting(postings, stem(word), { metric: position, field: 'label' });
        const known = labelNames.get(stem(word));
        if (!known) labelNames.set(stem(word), [label.name]);
        else if (!known.includes(label.name)) known.push(label.name);
      }
      for (const value of label.values) {
        if (value.length > 64 || meaninglessValues.has(value.toLowerCase())) continue;
        const words = splitText(value);
        if (words.length === 0 || words.every((word) => /^[\d.]+$/.test(word))) continue;
        const reference: ValueRef = { metric: position, label: label.name, value, words };
        pushTo(values, words.join(' '), reference);
        pushTo(valueStems, words.map(stem).join(' '), reference);
        if (words.length > 1) {
          for (const word of new Set(words))
            if (word.length >= 2 && !/^\d+$/.test(word)) pushTo(valueWords, word, reference);
        }
      }
    }
  });
  const vocabulary = new Map<string, string[]>();
  for (const key of postings.keys()) pushTo(vocabulary, key.slice(0, 3), key);
  const metricCount = Math.max(1, snapshot.metrics.length);
  const idfCache = new Map<string, number>();
  const index: CatalogIndex = {
    snapshot,
    postings,
    vocabulary,
    nameStems,
    values,
    valueStems,
    valueWords,
    labelNames,
    idf(stemmed) {
      let value = idfCache.get(stemmed);
      if (value === undefined) {
        const documents = new Set((postings.get(stemmed) ?? []).map((posting) => posting.metric)).size;
        value = Math.log(1 + (metricCount - documents + 0.5) / (documents + 0.5));
        idfCache.set(stemmed, value);
      }
      return value;
    },
  };
  indexes.set(snapshot, index);
  return index;
}

/** Stems of the index that resemble `stemmed`: itself, synonyms, typos and shared prefixes, with a similarity. */
export function expandStem(index: CatalogIndex, stemmed: string): Array<readonly [string, number]> {
  const variants: Array<readonly [string, number]> = [];
  if (index.postings.has(stemmed)) variants.push([stemmed, 1]);
  for (const synonym of synonymsOf(stemmed)) if (index.postings.has(synonym)) variants.push([synonym, 0.7]);
  if (stemmed.length >= 5) {
    for (const candidate of index.vocabulary.get(stemmed.slice(0, 3)) ?? []) {
      if (candidate === stemmed || candidate.length < 5) continue;
      const similarity = wordSimilarity(stemmed, candidate);
      if (similarity > 0 && similarity < 0.7) {
        variants.push([candidate, similarity]);
        for (const synonym of synonymsOf(candidate))
          if (synonym !== stemmed && index.postings.has(synonym)) variants.push([synonym, similarity * 0.7]);
      }
    }
  }
  return variants;
}

/** A metric ranked for a question. */
export interface RetrievedMetric {
  readonly metric: CatalogMetric;
  /** Relevance; only comparable within one ranking. */
  readonly score: number;
  /** Indexes of the question words that matched the metric (name, HELP or labels). */
  readonly matchedWords: ReadonlySet<number>;
  /** Share of the metric name's content words the question mentions, 0..1. */
  readonly nameCoverage: number;
}

/** Options of {@link retrieveMetrics}. */
export interface RetrieveOptions {
  /** Most metrics returned. @default 10 */
  readonly limit?: number;
  /** Only metrics accepted by this filter are ranked. */
  readonly filter?: (metric: CatalogMetric) => boolean;
  /** Question words (by index) to ignore, e.g. words already used as label values or units. */
  readonly ignore?: ReadonlySet<number>;
  /** Extra score per metric (e.g. for label values the question mentions). */
  readonly boost?: ReadonlyMap<number, number>;
  /** Words whose matches count less (context rather than subject), by index, with a factor. */
  readonly weights?: ReadonlyMap<number, number>;
}

/** Words of a question that count for retrieval: not stop words, not pure numbers. */
export function contentWords(words: readonly Word[], ignore?: ReadonlySet<number>): Word[] {
  return words.filter(
    (word) =>
      !ignore?.has(word.index) &&
      !stopWords.has(word.text) &&
      !/^[\d.%]+$/.test(word.text) &&
      word.text.length > 1,
  );
}

const capacityStems = new Set(['quota', 'limit', 'capacity', 'max', 'size', 'maximum', 'allocat']);

/**
 * Ranks the metrics of a catalog by relevance to a question: lexical matches over names
 * (weighted most), HELP text and label names, with synonyms, typo tolerance and IDF weighting.
 *
 * @example
 * ```ts
 * const [best] = retrieveMetrics(snapshot, 'memory used on server1');
 * best?.metric.name; // 'node_memory_used_bytes'
 * ```
 */
export function retrieveMetrics(
  snapshot: MetricCatalogSnapshot,
  question: string | readonly Word[],
  options: RetrieveOptions = {},
): RetrievedMetric[] {
  const index = catalogIndex(snapshot);
  const words = typeof question === 'string' ? questionWords(question) : question;
  const content = contentWords(words, options.ignore);
  const scores = new Map<number, { score: number; matched: Set<number>; nameHits: Set<string> }>();
  const questionStems = new Set(content.map((word) => word.stem));
  const mentionsCapacity = [...questionStems].some(
    (word) => capacityStems.has(word) || [...synonymsOf(word)].some((synonym) => synonym === 'size'),
  );
  for (const word of content) {
    const factor = options.weights?.get(word.index) ?? 1;
    const best = new Map<number, { contribution: number; nameStem: string | null }>();
    // a synonym is worth at most what the word itself is worth: a common word stays common
    const wordIdf = index.postings.has(word.stem) ? index.idf(word.stem) : Number.POSITIVE_INFINITY;
    for (const [variant, similarity] of expandStem(index, word.stem)) {
      const idf = Math.min(index.idf(variant), wordIdf);
      for (const posting of index.postings.get(variant) ?? []) {
        if (options.filter && !options.filter(snapshot.metrics[posting.metric]!)) continue;
        const contribution = similarity * fieldWeights[posting.field] * idf * factor;
        const previous = best.get(posting.metric);
        if (!previous || contribution > previous.contribution)
          best.set(posting.metric, { contribution, nameStem: posting.field === 'name' ? variant : null });
      }
    }
    for (const [metric, { contribution, nameStem }] of best) {
      let entry = scores.get(metric);
      if (!entry) {
        entry = { score: 0, matched: new Set(), nameHits: new Set() };
        scores.set(metric, entry);
      }
      entry.score += contribution;
      entry.matched.add(word.index);
      if (nameStem) entry.nameHits.add(nameStem);
    }
  }
  for (const [metric, extra] of options.boost ?? []) {
    if (options.filter && !options.filter(snapshot.metrics[metric]!)) continue;
    let entry = scores.get(metric);
    if (!entry) {
      entry = { score: 0, matched: new Set(), nameHits: new Set() };
      scores.set(metric, entry);
    }
    entry.score += extra;
  }
  const intent = unitIntent(questionStems);
  const ranked: RetrievedMetric[] = [];
  for (const [position, entry] of scores) {
    const metric = snapshot.metrics[position]!;
    const stems = index.nameStems[position]!;
    const covered = stems.filter((word) => entry.nameHits.has(word) || questionStems.has(word)).length;
    const nameCoverage = stems.length === 0 ? 0 : covered / stems.length;
    let score = entry.score * (0.55 + 0.45 * nameCoverage);
    if (!mentionsCapacity && stems.some((word) => capacityStems.has(word))) score *= 0.75;
    if (metric.name.endsWith('_created')) score *= 0.5;
    if (intent === 'count' && (metric.unit === 'bytes' || metric.unit === 'seconds')) score *= 0.7;
    if (intent === 'bytes' && metric.unit !== 'bytes' && metric.unit !== 'bits') score *= 0.7;
    ranked.push({ metric, score, matchedWords: entry.matched, nameCoverage });
  }
  ranked.sort((a, b) => b.score - a.score || a.metric.name.length - b.metric.name.length);
  return ranked.slice(0, options.limit ?? 10);
}

const countIntent = new Set(['iop', 'op', 'operation', 'rp', 'qp', 'request', 'call', 'event']);
const bytesIntent = new Set([
  'byte',
  'gb',
  'gib',
  'mb',
  'mib',
  'tb',
  'tib',
  'kb',
  'traffic',
  'bandwidth',
  'throughput',
  'space',
  'gbp',
  'mbp',
  'egress',
  'ingress',
]);

/** What kind of quantity the question asks about, from its words: counts of operations or amounts of bytes. */
function unitIntent(stems: ReadonlySet<string>): 'count' | 'bytes' | null {
  for (const word of stems) if (bytesIntent.has(word)) return 'bytes';
  for (const word of stems) if (countIntent.has(word)) return 'count';
  return null;
}

/**
 * The metric names closest to some text, for "no such metric; closest are …" messages: by shared
 * words first, then by spelling.
 */
export function closestMetricNames(snapshot: MetricCatalogSnapshot, text: string, limit = 3): string[] {
  const ranked = retrieveMetrics(snapshot, text, { limit });
  if (ranked.length >= limit) return ranked.map((entry) => entry.metric.name);
  const names = new Set(ranked.map((entry) => entry.metric.name));
  const grams = trigrams(text.toLowerCase().replace(/\s+/g, '_'));
  const bySpelling = snapshot.metrics
    .filter((metric) => !names.has(metric.name))
    .map((metric) => ({
      name: metric.name,
      similarity: trigramSimilarity(grams, trigrams(metric.name.toLowerCase())),
    }))
    .sort((a, b) => b.similarity - a.similarity);
  for (const entry of bySpelling) {
    if (names.size >= limit) break;
    names.add(entry.name);
  }
  return [...names];
}

function trigrams(text: string): Set<string> {
  const grams = new Set<string>();
  const padded = `  ${text} `;
  for (let position = 0; position + 3 <= padded.length; position++)
    grams.add(padded.slice(position, position + 3));
  return grams;
}

function trigramSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

/** A label value the question mentions. */
export interface ValueMention {
  readonly metric: number;
  readonly label: string;
  readonly value: string;
  /** The matcher operator: `=` for a value, `=~` for a class such as `5xx`. */
  readonly operator: '=' | '=~';
  /** Indexes of the question words that name the value. */
  readonly words: readonly number[];
  /** 1 for the whole value, less for a partial or approximate mention. */
  readonly strength: number;
}

/**
 * Finds label values the question mentions ("server1", "route /checkout", "status 5xx", "4k hdr"),
 * across the whole catalog. Whole values win over partial ones; numbers alone never match.
 */
export function findValueMentions(index: CatalogIndex, words: readonly Word[]): ValueMention[] {
  const mentions: ValueMention[] = [];
  const taken = new Set<number>();
  const texts = words.map((word) => word.text);
  const stems = words.map((word) => word.stem);
  const numberOnly = (word: string) => /^[\d.%]+$/.test(word);
  for (let size = Math.min(5, words.length); size >= 1; size--) {
    for (let start = 0; start + size <= words.length; start++) {
      const span = Array.from({ length: size }, (_, offset) => start + offset);
      if (span.some((position) => taken.has(position))) continue;
      if (size === 1 && (numberOnly(texts[start]!) || stopWords.has(texts[start]!))) continue;
      const key = texts.slice(start, start + size).join(' ');
      const stemKey = stems.slice(start, start + size).join(' ');
      const found = index.values.get(key) ?? index.valueStems.get(stemKey);
      if (!found) continue;
      for (const reference of found)
        mentions.push({
          metric: reference.metric,
          label: reference.label,
          value: reference.value,
          operator: '=',
          words: span,
          strength: 1,
        });
      for (const position of span) taken.add(position);
    }
  }
  // partial: one distinctive word of a multi-word value ("search" for "/v1/search")
  const exact = new Set(
    mentions.map((mention) => `${mention.metric}|${mention.label}|${mention.words.join(',')}`),
  );
  for (const word of words) {
    if (stopWords.has(word.text) || numberOnly(word.text) || word.text.length < 3) continue;
    const found = index.valueWords.get(word.text);
    if (!found) continue;
    for (const reference of found) {
      if (exact.has(`${reference.metric}|${reference.label}|${word.index}`)) continue;
      const informative = reference.words.filter((part) => !/^(v\d+|api|\d+)$/.test(part));
      mentions.push({
        metric: reference.metric,
        label: reference.label,
        value: reference.value,
        operator: '=',
        words: [word.index],
        strength: informative.length <= 1 ? 0.8 : 0.5,
      });
    }
  }
  // status classes: "5xx", "4xx errors"
  for (const word of words) {
    const match = /^([1-5])xx$/.exec(word.text);
    if (!match) continue;
    index.snapshot.metrics.forEach((metric, position) => {
      for (const label of metric.labels.values()) {
        if (label.values.length > 0 && label.values.some((value) => /^[1-5]\d\d$/.test(value))) {
          mentions.push({
            metric: position,
            label: label.name,
            value: `${match[1]}..`,
            operator: '=~',
            words: [word.index],
            strength: 1,
          });
        }
      }
    });
  }
  // "errors" on a metric with HTTP status codes are the 5xx responses
  for (const word of words) {
    if (word.stem !== 'error' && word.stem !== 'fail') continue;
    if (mentions.some((mention) => mention.words.includes(word.index) && mention.strength === 1)) continue;
    index.snapshot.metrics.forEach((metric, position) => {
      for (const label of metric.labels.values()) {
        if (/code|status/.test(label.name) && label.values.some((value) => /^5\d\d$/.test(value)))
          mentions.push({
            metric: position,
            label: label.name,
            value: '5..',
            operator: '=~',
            words: [word.index],
            strength: 0.9,
          });
      }
    });
  }
  // "root filesystem" / "root partition" → mountpoint "/"
  for (const word of words) {
    if (word.text !== 'root' && word.text !== '/') continue;
    index.snapshot.metrics.forEach((metric, position) => {
      for (const label of metric.labels.values()) {
        if (/mount|path/.test(label.name) && label.values.includes('/'))
          mentions.push({
            metric: position,
            label: label.name,
            value: '/',
            operator: '=',
            words: [word.index],
            strength: 1,
          });
      }
    });
  }
  return mentions;
}

/** Label names of `metric` that a phrase names, best first (`device type` → `device`, `error type` → `error_type`). */
export function matchLabelName(
  metric: CatalogMetric,
  phrase: readonly Word[],
  options: { readonly exclude?: ReadonlySet<string> } = {},
): { readonly label: string; readonly words: readonly number[]; readonly score: number } | null {
  let best: { label: string; words: number[]; score: number } | null = null;
  for (const label of metric.labels.keys()) {
    if (valuelessLabels.has(label) || options.exclude?.has(label)) continue;
    const labelStems = splitName(label).map(stem);
    const used: number[] = [];
    let matched = 0;
    for (const labelStem of labelStems) {
      const word = phrase.find(
        (candidate) => !used.includes(candidate.index) && similarEnough(candidate.stem, labelStem),
      );
      if (word) {
        used.push(word.index);
        matched += word.stem === labelStem ? 1 : 0.7;
      }
    }
    if (matched === 0) continue;
    const score = matched / labelStems.length + matched * 0.01;
    if (!best || score > best.score) best = { label, words: used, score };
  }
  return best && best.score >= 0.5 ? best : null;
}

function similarEnough(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length >= 4 && b.length >= 4 && (a.startsWith(b) || b.startsWith(a))) return true;
  if (synonymsOf(a).has(b)) return true;
  return a.length >= 5 && b.length >= 5 && editDistance(a, b, 1) <= 1;
}
