import type { CatalogMetric, MetricCatalogSnapshot } from './catalog.js';
import {
  correctSpelling,
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

/** Field codes in encoded postings (`metric * 4 + code`). */
const fieldCodes: Readonly<Record<Field, number>> = { name: 0, help: 1, label: 2 };
const codeWeights = [fieldWeights.name, fieldWeights.help, fieldWeights.label];

/** The metric position of an encoded posting. */
export const postingMetric = (posting: number) => posting >>> 2;
/** True when an encoded posting is a match in the metric's name. */
export const postingInName = (posting: number) => (posting & 3) === fieldCodes.name;

/** One label value and every metric that has it. */
export interface ValueGroup {
  readonly label: string;
  readonly value: string;
  /** Lowercase words of the value (`/v1/search` → `v1`, `search`). */
  readonly words: readonly string[];
  /** Positions (in `snapshot.metrics`) of the metrics with this label value. */
  readonly metrics: ReadonlySet<number>;
}

/** A label of some metrics, for classes of values (`5xx` on status codes, `root` on mount points). */
interface LabelGroup {
  readonly label: string;
  readonly metrics: ReadonlySet<number>;
}

/** Search structures over a snapshot, built once per snapshot on first use. */
export interface CatalogIndex {
  readonly snapshot: MetricCatalogSnapshot;
  /** Stem → where it occurs: one entry per metric, `metric * 4 + field code` (0 name, 1 help, 2 label). */
  readonly postings: ReadonlyMap<string, Int32Array>;
  /** First three letters → stems, for typo and prefix matching. */
  readonly vocabulary: ReadonlyMap<string, readonly string[]>;
  /** Content stems of each metric's name (unit and type suffixes removed). */
  readonly nameStems: readonly (readonly string[])[];
  /** Name length of each metric (shorter names win ties). */
  readonly nameLengths: Uint16Array;
  /** Ranking flags of each metric: capacity words, `_created`, byte or second units, container or host scope. */
  readonly flags: Uint8Array;
  /** Resources each metric's name is about (bit per resource: cpu, memory, disk, network, gpu). */
  readonly resources: Uint8Array;
  /** Position of each metric in `snapshot.metrics`. */
  readonly positions: ReadonlyMap<CatalogMetric, number>;
  /** Normalised full value (`v1 search`) → label values. */
  readonly values: ReadonlyMap<string, readonly ValueGroup[]>;
  /** Normalised stemmed value → label values. */
  readonly valueStems: ReadonlyMap<string, readonly ValueGroup[]>;
  /** One word of a multi-word value → label values. */
  readonly valueWords: ReadonlyMap<string, readonly ValueGroup[]>;
  /**
   * Two or more consecutive words of a longer value → label values (`redis cache` of
   * `redis-cache:6379`, `courier example net` of `https://courier.example.net`).
   */
  readonly valueSpans: ReadonlyMap<string, readonly ValueGroup[]>;
  /** Labels holding HTTP-like status codes (`500`), by label name. */
  readonly statusLabels: readonly LabelGroup[];
  /** Labels holding the root path `/` (mount points), by label name. */
  readonly rootLabels: readonly LabelGroup[];
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
  const stems = words.map(stem);
  // load1, load15: the word without its number also names the metric
  for (const word of words) {
    const match = /^([a-z]{3,})\d+$/.exec(word);
    if (match && !stems.includes(match[1]!)) stems.push(match[1]!);
  }
  return stems;
}

function addPosting(postings: Map<string, number[]>, key: string, posting: { metric: number; field: Field }) {
  let list = postings.get(key);
  if (!list) {
    list = [];
    postings.set(key, list);
  }
  const encoded = posting.metric * 4 + fieldCodes[posting.field];
  const last = list.at(-1);
  if (last !== undefined && last >>> 2 === posting.metric) {
    if (codeWeights[encoded & 3]! > codeWeights[last & 3]!) list[list.length - 1] = encoded;
    return;
  }
  list.push(encoded);
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
  const building = new Map<string, number[]>();
  const groups = new Map<string, { group: ValueGroup; metrics: Set<number> }>();
  const statusLabels = new Map<string, Set<number>>();
  const rootLabels = new Map<string, Set<number>>();
  const labelNames = new Map<string, string[]>();
  const nameStems: string[][] = [];
  const positions = new Map<CatalogMetric, number>();
  const valueWordsCache = new Map<string, string[] | null>();
  const nameLengths = new Uint16Array(snapshot.metrics.length);
  const flags = new Uint8Array(snapshot.metrics.length);
  const resources = new Uint8Array(snapshot.metrics.length);
  snapshot.metrics.forEach((metric, position) => {
    positions.set(metric, position);
    const stems = nameStemsOf(metric.name);
    nameStems.push(stems);
    nameLengths[position] = Math.min(65_535, metric.name.length);
    flags[position] =
      (stems.some((word) => capacityStems.has(word)) ? capacityFlag : 0) |
      (metric.name.endsWith('_created') ? createdFlag : 0) |
      (metric.unit === 'bytes' || metric.unit === 'bits' ? bytesFlag : 0) |
      (metric.unit === 'seconds' ? secondsFlag : 0) |
      (containerPrefixes.has(splitName(metric.name)[0] ?? '') ? containerFlag : 0) |
      (hostPrefixes.has(splitName(metric.name)[0] ?? '') ? hostFlag : 0);
    resources[position] = resourceMask(stems);
    // name first so it wins over help and labels for the same metric
    for (const word of stems) addPosting(building, word, { metric: position, field: 'name' });
    for (const word of splitText(metric.help)) {
      if (stopWords.has(word) || word.length < 2) continue;
      addPosting(building, stem(word), { metric: position, field: 'help' });
    }
    for (const label of metric.labels.values()) {
      if (valuelessLabels.has(label.name)) continue;
      for (const word of splitName(label.name)) {
        const stemmed = stem(word);
        addPosting(building, stemmed, { metric: position, field: 'label' });
        const known = labelNames.get(stemmed);
        if (!known) labelNames.set(stemmed, [label.name]);
        else if (!known.includes(label.name)) known.push(label.name);
      }
      let status = false;
      for (const value of label.values) {
        if (!status && value.length === 3 && /^[1-5]\d\d$/.test(value)) status = true;
        if (value === '/') addTo(rootLabels, label.name, position);
        const key = `${label.name}\u0000${value}`;
        const existing = groups.get(key);
        if (existing) {
          existing.metrics.add(position);
          continue;
        }
        let words = valueWordsCache.get(value);
        if (words === undefined) {
          words =
            value.length > 64 || meaninglessValues.has(value.toLowerCase())
              ? null
              : splitText(value).flatMap(splitDottedName);
          if (words && (words.length === 0 || words.every((word) => /^[\d.]+$/.test(word)))) words = null;
          valueWordsCache.set(value, words);
        }
        if (!words) continue;
        const metrics = new Set([position]);
        groups.set(key, { group: { label: label.name, value, words, metrics }, metrics });
      }
      if (status && /code|status/.test(label.name)) addTo(statusLabels, label.name, position);
    }
  });
  const values = new Map<string, ValueGroup[]>();
  const valueStems = new Map<string, ValueGroup[]>();
  const valueWords = new Map<string, ValueGroup[]>();
  const valueSpans = new Map<string, ValueGroup[]>();
  for (const { group } of groups.values()) {
    pushTo(values, group.words.join(' '), group);
    pushTo(valueStems, group.words.map(stem).join(' '), group);
    if (group.words.length > 1)
      for (const word of new Set(group.words))
        if (word.length >= 2 && !/^\d+$/.test(word)) pushTo(valueWords, word, group);
    const count = group.words.length;
    if (count > 2 && count <= 8)
      for (let start = 0; start < count - 1; start++)
        for (let end = start + 2; end <= count && end - start < count; end++) {
          const span = group.words.slice(start, end);
          if (span.filter((word) => !/^[\d.]+$/.test(word)).length < 2) continue;
          const key = span.join(' ');
          const list = valueSpans.get(key);
          if (!list) valueSpans.set(key, [group]);
          else if (!list.includes(group)) list.push(group);
        }
  }
  const postings = new Map<string, Int32Array>();
  for (const [key, list] of building) postings.set(key, Int32Array.from(list));
  const vocabulary = new Map<string, string[]>();
  for (const key of postings.keys()) pushTo(vocabulary, key.slice(0, 3), key);
  const metricCount = Math.max(1, snapshot.metrics.length);
  const idfCache = new Map<string, number>();
  const index: CatalogIndex = {
    snapshot,
    postings,
    vocabulary,
    nameStems,
    nameLengths,
    flags,
    resources,
    positions,
    values,
    valueStems,
    valueWords,
    valueSpans,
    statusLabels: [...statusLabels].map(([label, metrics]) => ({ label, metrics })),
    rootLabels: [...rootLabels].map(([label, metrics]) => ({ label, metrics })),
    labelNames,
    idf(stemmed) {
      let value = idfCache.get(stemmed);
      if (value === undefined) {
        // postings hold one entry per metric
        const documents = postings.get(stemmed)?.length ?? 0;
        value = Math.log(1 + (metricCount - documents + 0.5) / (documents + 0.5));
        idfCache.set(stemmed, value);
      }
      return value;
    },
  };
  indexes.set(snapshot, index);
  return index;
}

/** Host and domain names split into words as a question is (`shop.example.com`); versions and addresses stay whole. */
function splitDottedName(word: string): string[] {
  if (!/[a-z]\.|\.[a-z]/.test(word)) return [word];
  return word.split(/(?<=[a-z])\.|\.(?=[a-z])/).filter((part) => part.length > 0);
}

function addTo(map: Map<string, Set<number>>, key: string, position: number) {
  const set = map.get(key);
  if (set) set.add(position);
  else map.set(key, new Set([position]));
}

/** Stems of the index that resemble `stemmed`: itself, synonyms, typos and shared prefixes, with a similarity. */
export function expandStem(index: CatalogIndex, stemmed: string): Array<readonly [string, number]> {
  const variants: Array<readonly [string, number]> = [];
  if (index.postings.has(stemmed)) variants.push([stemmed, 1]);
  for (const synonym of synonymsOf(stemmed)) if (index.postings.has(synonym)) variants.push([synonym, 0.7]);
  // a misspelt operator word ("latncy") still reaches the words it stands for
  const corrected = index.postings.has(stemmed) ? null : correctSpelling(stemmed);
  if (corrected) {
    if (index.postings.has(corrected)) variants.push([corrected, 0.6]);
    for (const synonym of synonymsOf(corrected))
      if (index.postings.has(synonym)) variants.push([synonym, 0.5]);
  }
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
const capacityFlag = 1;
const createdFlag = 2;
const bytesFlag = 4;
const secondsFlag = 8;
const containerFlag = 16;
const hostFlag = 32;

/** First words of metric names about containers and pods (cAdvisor, kube-state-metrics). */
const containerPrefixes = new Set(['container', 'pod', 'kube']);
/** First words of metric names about whole machines (node_exporter, windows_exporter). */
const hostPrefixes = new Set(['node', 'windows', 'host', 'machine']);
const containerQuestionStems = new Set(
  ['container', 'pod', 'kubernet', 'k8s', 'deployment', 'namespace'].map(stem),
);
const hostQuestionStems = new Set(['host', 'machine', 'server', 'vm', 'box', 'node'].map(stem));

/** Resources a metric or a question is about; a question about one is rarely answered by another. */
const resourceGroups: ReadonlyArray<readonly string[]> = [
  ['cpu', 'processor', 'core'],
  ['memory', 'mem', 'ram', 'heap', 'rss', 'swap'],
  ['disk', 'filesystem', 'fs', 'storage', 'volume', 'drive', 'inode'],
  ['network', 'net', 'nic', 'bandwidth', 'packet', 'interface'],
  ['gpu', 'graphic', 'accelerator'],
];
const resourceBits = new Map<string, number>();
resourceGroups.forEach((group, bit) => {
  for (const word of group) resourceBits.set(stem(word), 1 << bit);
});

/** Resources (a bit each: cpu, memory, disk, network, gpu) that some stems name; 0 for none. */
export function resourceMaskOf(stems: readonly string[]): number {
  return resourceMask(stems);
}

function resourceMask(stems: readonly string[]): number {
  let mask = 0;
  for (const word of stems) mask |= resourceBits.get(word) ?? 0;
  return mask;
}

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
  const count = snapshot.metrics.length;
  // scratch arrays are reused between calls (retrieval is synchronous) and cleared after use
  let scratch = scratches.get(index);
  if (!scratch) {
    scratch = {
      scores: new Float64Array(count),
      matched: new Uint32Array(count),
      wordBest: new Float64Array(count),
      wordInName: new Uint8Array(count),
      nameHits: new Uint8Array(count),
    };
    scratches.set(index, scratch);
  }
  const { scores, matched, wordBest, wordInName, nameHits } = scratch;
  const touched: number[] = [];
  const questionStems = new Set(content.map((word) => word.stem));
  const mentionsCapacity = [...questionStems].some(
    (word) => capacityStems.has(word) || synonymsOf(word).has('size'),
  );
  const accepted = options.filter ? new Int8Array(count) : null;
  const accepts = (position: number) => {
    if (!accepted) return true;
    let result = accepted[position]!;
    if (result === 0) {
      result = options.filter!(snapshot.metrics[position]!) ? 1 : -1;
      accepted[position] = result;
    }
    return result === 1;
  };
  const touch = (position: number) => {
    if (scores[position] === 0 && matched[position] === 0) touched.push(position);
  };
  content.slice(0, 31).forEach((word, bit) => {
    const factor = options.weights?.get(word.index) ?? 1;
    const wordTouched: number[] = [];
    // a synonym is worth at most what the word itself is worth: a common word stays common
    const wordIdf = index.postings.has(word.stem) ? index.idf(word.stem) : Number.POSITIVE_INFINITY;
    for (const [variant, similarity] of expandStem(index, word.stem)) {
      const idf = Math.min(index.idf(variant), wordIdf);
      // a word on (nearly) every metric, such as the label name "instance", cannot rank them
      if (idf < 0.05) continue;
      const weight = similarity * idf * factor;
      const list = index.postings.get(variant);
      if (!list) continue;
      for (let offset = 0; offset < list.length; offset++) {
        const posting = list[offset]!;
        const position = posting >>> 2;
        const contribution = weight * codeWeights[posting & 3]!;
        const previous = wordBest[position]!;
        if (previous >= contribution) continue;
        if (previous === 0) {
          if (accepted !== null && !accepts(position)) continue;
          wordTouched.push(position);
        }
        wordBest[position] = contribution;
        wordInName[position] = (posting & 3) === 0 ? 1 : 0;
      }
    }
    for (const position of wordTouched) {
      touch(position);
      scores[position]! += wordBest[position]!;
      matched[position]! |= 1 << bit;
      // each question word found in the name covers one word of the name
      if (wordInName[position] === 1 && nameHits[position]! < 255) nameHits[position]! += 1;
      wordBest[position] = 0;
    }
  });
  for (const [position, extra] of options.boost ?? []) {
    if (!accepts(position) || extra <= 0) continue;
    touch(position);
    scores[position]! += extra;
  }
  const intent = unitIntent(questionStems);
  const questionResources = resourceMask([...questionStems]);
  const askedContainers = [...questionStems].some((word) => containerQuestionStems.has(word));
  const askedHosts = [...questionStems].some((word) => hostQuestionStems.has(word));
  const resources = index.resources;
  const limit = options.limit ?? 10;
  // keep the best `limit` in a small sorted array instead of sorting every touched metric
  const candidates: Array<{ position: number; score: number; coverage: number; length: number }> = [];
  const flags = index.flags;
  for (const position of touched) {
    // the final score never exceeds the raw score: skip metrics that cannot enter the top
    const raw = scores[position]!;
    if (candidates.length === limit && raw < candidates[limit - 1]!.score) continue;
    const stems = index.nameStems[position]!;
    const nameCoverage = stems.length === 0 ? 0 : Math.min(1, nameHits[position]! / stems.length);
    let score = raw * (0.55 + 0.45 * nameCoverage);
    const flag = flags[position]!;
    if (!mentionsCapacity && flag & capacityFlag) score *= 0.75;
    if (flag & createdFlag) score *= 0.5;
    if (intent === 'count' && flag & (bytesFlag | secondsFlag)) score *= 0.7;
    if (intent === 'bytes' && !(flag & bytesFlag)) score *= 0.7;
    // "memory usage" is not answered by a CPU metric, nor "host CPU" by a container's
    const resource = resources[position]!;
    if (questionResources !== 0 && resource !== 0 && (resource & questionResources) === 0) score *= 0.6;
    if (askedHosts && !askedContainers && flag & containerFlag) score *= 0.7;
    if (askedContainers && !askedHosts && flag & hostFlag) score *= 0.7;
    if (score <= 0) continue;
    const length = index.nameLengths[position]!;
    if (candidates.length === limit) {
      const last = candidates[limit - 1]!;
      if (score < last.score || (score === last.score && length >= last.length)) continue;
      candidates.pop();
    }
    let at = candidates.length;
    while (at > 0) {
      const previous = candidates[at - 1]!;
      if (previous.score > score || (previous.score === score && previous.length <= length)) break;
      at--;
    }
    candidates.splice(at, 0, { position, score, coverage: nameCoverage, length });
  }
  const contentIndexes = content.slice(0, 31).map((word) => word.index);
  const masks = candidates.map((candidate) => matched[candidate.position]!);
  for (const position of touched) {
    scores[position] = 0;
    matched[position] = 0;
    nameHits[position] = 0;
  }
  return candidates.slice(0, limit).map((candidate, rank) => {
    const words = new Set<number>();
    const mask = masks[rank]!;
    contentIndexes.forEach((wordIndex, bit) => {
      if (mask & (1 << bit)) words.add(wordIndex);
    });
    return {
      metric: snapshot.metrics[candidate.position]!,
      score: candidate.score,
      matchedWords: words,
      nameCoverage: candidate.coverage,
    };
  });
}

const scratches = new WeakMap<
  CatalogIndex,
  {
    scores: Float64Array;
    matched: Uint32Array;
    wordBest: Float64Array;
    wordInName: Uint8Array;
    nameHits: Uint8Array;
  }
>();

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
  let spelled = spellings.get(snapshot);
  if (!spelled) {
    const sizes: number[] = [];
    const byGram = new Map<string, number[]>();
    snapshot.metrics.forEach((metric, position) => {
      const own = trigrams(metric.name.toLowerCase());
      sizes.push(own.size);
      for (const gram of own) pushTo(byGram, gram, position);
    });
    spelled = { sizes, byGram };
    spellings.set(snapshot, spelled);
  }
  const shared = new Map<number, number>();
  for (const gram of grams)
    for (const position of spelled.byGram.get(gram) ?? [])
      shared.set(position, (shared.get(position) ?? 0) + 1);
  const sizes = spelled.sizes;
  const bySpelling = [...shared]
    .map(([position, count]) => ({
      name: snapshot.metrics[position]!.name,
      similarity: count / (grams.size + sizes[position]! - count || 1),
    }))
    .filter((entry) => !names.has(entry.name))
    .sort((a, b) => b.similarity - a.similarity);
  for (const entry of bySpelling) {
    if (names.size >= limit) break;
    names.add(entry.name);
  }
  return [...names];
}

const spellings = new WeakMap<
  MetricCatalogSnapshot,
  { readonly sizes: readonly number[]; readonly byGram: ReadonlyMap<string, readonly number[]> }
>();

function trigrams(text: string): Set<string> {
  const grams = new Set<string>();
  const padded = `  ${text} `;
  for (let position = 0; position + 3 <= padded.length; position++)
    grams.add(padded.slice(position, position + 3));
  return grams;
}

/** A label value the question mentions. */
export interface ValueMention {
  /** Positions (in `snapshot.metrics`) of the metrics that have the value. */
  readonly metrics: ReadonlySet<number>;
  readonly label: string;
  readonly value: string;
  /**
   * The matcher operator: `=` for a value, `=~` for a class such as `5xx`, `!=` and `!~` for
   * their negations ("not 200", "non-2xx").
   */
  readonly operator: '=' | '=~' | '!=' | '!~';
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
      let free = true;
      for (let offset = 0; offset < size; offset++) if (taken.has(start + offset)) free = false;
      if (!free) continue;
      if (size === 1 && (numberOnly(texts[start]!) || stopWords.has(texts[start]!))) continue;
      const key = size === 1 ? texts[start]! : texts.slice(start, start + size).join(' ');
      const whole =
        index.values.get(key) ??
        index.valueStems.get(size === 1 ? stems[start]! : stems.slice(start, start + size).join(' '));
      // several consecutive words of a longer value ("redis-cache" of "redis-cache:6379") nearly name it
      const found = whole ?? (size >= 2 ? index.valueSpans.get(key) : undefined);
      if (!found) continue;
      const span = words.slice(start, start + size).map((word) => word.index);
      for (const group of found)
        mentions.push({
          metrics: group.metrics,
          label: group.label,
          value: group.value,
          operator: '=',
          words: span,
          strength: whole ? 1 : 0.9,
        });
      for (let offset = 0; offset < size; offset++) taken.add(start + offset);
    }
  }
  // partial: one distinctive word of a multi-word value ("search" for "/v1/search")
  const exact = new Set(mentions.map((mention) => `${mention.label}|${mention.words.join(',')}`));
  for (const word of words) {
    if (stopWords.has(word.text) || numberOnly(word.text) || word.text.length < 3) continue;
    const found = index.valueWords.get(word.text);
    if (!found) continue;
    for (const group of found) {
      if (exact.has(`${group.label}|${word.index}`)) continue;
      let informative = 0;
      for (const part of group.words) if (!/^(v\d+|api|\d+)$/.test(part)) informative++;
      mentions.push({
        metrics: group.metrics,
        label: group.label,
        value: group.value,
        operator: '=',
        words: [word.index],
        strength: informative <= 1 ? 0.8 : 0.5,
      });
    }
  }
  // status classes: "5xx", "4xx errors"; "errors" on a metric with HTTP status codes are the 5xx responses
  words.forEach((word, position) => {
    const match = /^([1-5])xx$/.exec(word.text);
    const errorWord = !match && (word.stem === 'error' || word.stem === 'fail');
    if (!match && !errorWord) return;
    // "errors" that are a value somewhere (status="error") still mean 5xx on metrics with HTTP codes
    const exact = errorWord
      ? new Set(
          mentions
            .filter((mention) => mention.words.includes(word.index) && mention.strength === 1)
            .flatMap((mention) => [...mention.metrics]),
        )
      : null;
    const negated = match !== null && negatedAt(words, position);
    for (const group of index.statusLabels)
      mentions.push({
        metrics:
          exact && exact.size > 0
            ? new Set([...group.metrics].filter((metric) => !exact.has(metric)))
            : group.metrics,
        label: group.label,
        value: `${match ? match[1] : '5'}..`,
        operator: negated ? '!~' : '=~',
        words: [word.index],
        strength: match ? 1 : 0.9,
      });
  });
  // status codes named as numbers: "returned 404", "status 200", "non-200", "not 200"
  words.forEach((word, position) => {
    if (!/^[1-5]\d\d$/.test(word.text)) return;
    const before = words[position - 1]?.text ?? '';
    const after = words[position + 1]?.text ?? '';
    const negated = negatedAt(words, position);
    if (!negated && !statusCueBefore.has(before) && !statusCueAfter.has(after)) return;
    for (const group of index.statusLabels) {
      const metrics = new Set<number>();
      for (const metric of group.metrics)
        if (index.snapshot.metrics[metric]?.labels.get(group.label)?.values.includes(word.text))
          metrics.add(metric);
      if (metrics.size === 0) continue;
      mentions.push({
        metrics,
        label: group.label,
        value: word.text,
        operator: negated ? '!=' : '=',
        words: [word.index],
        strength: 1,
      });
    }
  });
  // "root filesystem" / "root partition" / "on /" → mountpoint "/"
  for (const word of words) {
    if (word.text !== 'root' && word.text !== '/') continue;
    for (const group of index.rootLabels)
      if (/mount|path/.test(group.label))
        mentions.push({
          metrics: group.metrics,
          label: group.label,
          value: '/',
          operator: '=',
          words: [word.index],
          strength: 1,
        });
  }
  return mentions;
}

const statusCueBefore = new Set([
  'status',
  'code',
  'http',
  'return',
  'returns',
  'returned',
  'returning',
  'with',
  'got',
]);
const statusCueAfter = new Set([
  'status',
  'code',
  'codes',
  'response',
  'responses',
  'error',
  'errors',
  'reply',
  'replies',
]);
const negators = new Set(['not', 'non', 'except', 'excluding', 'without', 'other']);
/** Words that may stand between a negation and the status it negates ("do not return 200"). */
const negationFillers = new Set([
  'return',
  'returns',
  'returned',
  'returning',
  'get',
  'gets',
  'give',
  'status',
  'code',
  'http',
  'a',
  'an',
  'with',
  'than',
  'do',
  'does',
  'did',
  'end',
  'in',
]);

/** True when the word at `position` is negated ("not 200", "non-2xx", "other than 200"). */
function negatedAt(words: readonly Word[], position: number): boolean {
  for (let back = position - 1; back >= Math.max(0, position - 4); back--) {
    const text = words[back]!.text;
    if (negators.has(text)) return text !== 'other' || words[back + 1]?.text === 'than';
    if (!negationFillers.has(text)) return false;
  }
  return false;
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
    // the head noun comes last: "which CPU mode" asks for the mode
    const score = matched / labelStems.length + matched * 0.01 + Math.max(...used) * 0.0001;
    if (!best || score > best.score) best = { label, words: used, score };
  }
  return best && best.score >= 0.5 ? best : null;
}

function similarEnough(a: string, b: string): boolean {
  if (a === b) return true;
  // a label named by an abbreviation plus "name" or "id": datname (database), relname (relation)
  const abbreviated = /^([a-z]{3,})(name|nam|id)$/.exec(b);
  if (abbreviated && a.length > abbreviated[1]!.length + 1 && a.startsWith(abbreviated[1]!)) return true;
  if (a.length >= 4 && b.length >= 4 && (a.startsWith(b) || b.startsWith(a))) return true;
  if (synonymsOf(a).has(b)) return true;
  return a.length >= 5 && b.length >= 5 && editDistance(a, b, 1) <= 1;
}
