/**
 * Text helpers shared by retrieval and the offline translator: tokenising metric names and
 * questions, a light English stemmer, typo tolerance and the operator vocabulary (synonyms).
 */

/** Splits a metric or label name into lowercase words: snake_case, camelCase, colons and digits. */
export function splitName(name: string): string[] {
  let cached = nameCache.get(name);
  if (!cached) {
    cached = computeSplitName(name);
    if (nameCache.size > 50_000) nameCache.clear();
    nameCache.set(name, cached);
  }
  return [...cached];
}

const nameCache = new Map<string, readonly string[]>();

function computeSplitName(name: string): string[] {
  const words: string[] = [];
  for (const part of name.split(/[^A-Za-z0-9]+/)) {
    if (!part) continue;
    // MemTotal → Mem Total, HTTPRequests → HTTP Requests; digits stay attached (v1, 4k, 1080p, ipv6)
    const pieces = part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
    for (const piece of pieces.split(' ')) if (piece) words.push(piece.toLowerCase());
  }
  return words;
}

/** Words of a free-text question, lowercase, punctuation removed; keeps tokens such as `5xx`, `p95`, `4k`. */
export function splitText(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .split(/[^a-z0-9.%]+/)
    .map((word) => word.replace(/^\.+|\.+$/g, ''))
    .filter((word) => word.length > 0);
}

const irregularStems: Readonly<Record<string, string>> = {
  succeeded: 'succeed',
  success: 'succeed',
  successful: 'succeed',
  successfully: 'succeed',
  failure: 'fail',
  failures: 'fail',
  failed: 'fail',
  failing: 'fail',
  fails: 'fail',
  denied: 'deny',
  denies: 'deny',
  utilisation: 'utilization',
  utilised: 'utilization',
  utilization: 'utilization',
  utilized: 'utilization',
  licence: 'license',
  licences: 'license',
  authorisation: 'authorization',
  authorisations: 'authorization',
  authorise: 'authorization',
  authorised: 'authorization',
  authorize: 'authorization',
  authorized: 'authorization',
  authorization: 'authorization',
  authorizations: 'authorization',
  behind: 'behind',
  lagging: 'lag',
  lags: 'lag',
  lagged: 'lag',
  queued: 'queue',
  queuing: 'queue',
  queueing: 'queue',
  bytes: 'byte',
  status: 'status',
  process: 'process',
  processes: 'process',
  address: 'address',
  addresses: 'address',
  bus: 'bus',
  analysis: 'analysis',
  children: 'child',
  people: 'person',
  alive: 'alive',
};

/** Words ending in -us or -is that are not plurals. */
const latinEndings = new Set([
  'status',
  'bus',
  'virus',
  'bonus',
  'corpus',
  'census',
  'campus',
  'consensus',
  'focus',
  'plus',
  'minus',
  'nexus',
  'prometheus',
  'radius',
  'apparatus',
  'stimulus',
  'analysis',
  'axis',
  'basis',
  'redis',
  'chassis',
  'thesis',
  'diagnosis',
  'crisis',
  'emphasis',
  'this',
  'is',
  'us',
  'was',
  'has',
  'does',
  'yes',
  'kubernetes',
  'series',
  'always',
  'various',
  'previous',
]);

/**
 * A light English stemmer tuned for metric vocabularies: plural and verb endings go
 * (`requests` → `request`, `started` → `start`, `stalled` → `stall`), short words stay.
 */
export function stem(word: string): string {
  let cached = stemCache.get(word);
  if (cached === undefined) {
    cached = computeStem(word);
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(word, cached);
  }
  return cached;
}

const stemCache = new Map<string, string>();

function computeStem(word: string): string {
  const irregular = irregularStems[word];
  if (irregular) return irregular;
  if (word.length <= 3 || /\d/.test(word)) return word;
  let result = word;
  if (result.endsWith('ies') && result.length > 4) result = `${result.slice(0, -3)}y`;
  else if (result.endsWith('sses')) result = result.slice(0, -2);
  else if (result.endsWith('ss') || latinEndings.has(result)) return result;
  else if (result.endsWith('s') && !result.endsWith('ss')) result = result.slice(0, -1);
  if (result.length > 5 && result.endsWith('ing')) result = undouble(result.slice(0, -3));
  else if (result.length > 4 && result.endsWith('ed')) result = undouble(result.slice(0, -2));
  if (result.length > 4 && result.endsWith('e')) result = result.slice(0, -1);
  return result;
}

function undouble(word: string): string {
  const last = word.at(-1);
  if (word.length > 3 && last && last === word.at(-2) && !'lsz'.includes(last)) return word.slice(0, -1);
  return word;
}

/** Damerau-free Levenshtein distance, stopping early above `limit`. */
export function editDistance(a: string, b: string, limit = 2): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current[j] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/**
 * Groups of words that mean the same thing to an operator. Every word is stemmed before lookup,
 * so `processors`, `processor` and `cpus` all land in the `cpu` group.
 */
const synonymGroups: readonly (readonly string[])[] = [
  ['cpu', 'processor', 'core', 'compute'],
  ['memory', 'mem', 'ram'],
  ['latency', 'duration', 'delay', 'response', 'slow', 'time', 'long'],
  ['error', 'fail', 'fault', 'exception', 'errored', '5xx', 'fatal', 'problem'],
  ['succeed', 'ok', 'good', 'successful'],
  ['disk', 'filesystem', 'fs', 'storage', 'volume', 'drive', 'store'],
  ['network', 'net', 'traffic', 'bandwidth', 'throughput', 'egress', 'ingress', 'transmit', 'receive'],
  ['request', 'req', 'rps', 'call', 'query', 'qps', 'hit'],
  ['size', 'big', 'large', 'capacity', 'installed'],
  ['used', 'usage', 'use', 'utilization', 'busy', 'full', 'consumed', 'stored', 'occupied', 'load'],
  [
    'temperature',
    'temp',
    'hot',
    'hottest',
    'heat',
    'thermal',
    'celsiu',
    'warm',
    'cold',
    'coldest',
    'hotter',
    'warmer',
    'colder',
    'cooler',
  ],
  ['finish', 'complet', 'done', 'finished', 'processed', 'handled', 'ended'],
  ['start', 'begin', 'launch', 'initiat', 'open', 'new', 'creat'],
  ['viewer', 'watch', 'audience', 'view', 'person', 'user', 'concurrent'],
  ['up', 'down', 'alive', 'available', 'reachable', 'health', 'healthy', 'online', 'offline'],
  ['kernel', 'uname', 'os', 'operating'],
  ['version', 'release', 'build', 'deployed', 'revision'],
  ['deny', 'reject', 'refuse', 'forbidden', 'block', 'denial'],
  ['queue', 'wait', 'pending', 'backlog', 'waiting'],
  ['restart', 'reboot', 'crash'],
  ['connection', 'conn', 'socket', 'session'],
  ['free', 'available', 'avail', 'remaining', 'left'],
  ['iop', 'io', 'operation', 'op', 'ops', 'complet', 'command', 'cmd'],
  ['instance', 'server', 'host', 'machine', 'node'],
  ['gpu', 'graphic', 'accelerator'],
  ['sample', 'datapoint', 'point'],
  ['target', 'endpoint', 'scrape', 'job'],
  ['signup', 'registration', 'subscribe', 'join'],
  ['cancellation', 'cancel', 'churn', 'unsubscribe'],
  ['send', 'sent', 'transmit', 'tx', 'outgoing', 'egress', 'outbound', 'out', 'upload'],
  ['receive', 'received', 'rx', 'incoming', 'ingress', 'inbound', 'in', 'download'],
  ['read', 'reads'],
  ['write', 'writes', 'written'],
  ['dropped', 'drop', 'discard', 'lost', 'loss'],
  ['cache', 'cached'],
  // abbreviations operators type and exporters use
  ['database', 'db'],
  ['certificate', 'cert', 'ssl', 'tls', 'x509'],
  ['transaction', 'txn'],
  ['message', 'msg', 'record'],
  ['replication', 'repl', 'replica', 'slave', 'follower', 'standby', 'secondary'],
  ['authorization', 'auth', 'authn', 'authz'],
  ['configuration', 'config', 'cfg', 'conf', 'setting'],
  ['lag', 'behind', 'lagging'],
  ['expire', 'expiry', 'expiration'],
  ['probe', 'blackbox', 'synthetic'],
  ['postgres', 'postgresql', 'pg'],
  ['kubernetes', 'k8s', 'kube'],
  ['goroutine', 'thread'],
  ['gc', 'garbage', 'collection'],
];

let synonymIndex: Map<string, Set<string>> | undefined;

/** Words that mean the same as `stemmedWord` (stemmed, excluding the word itself). */
export function synonymsOf(stemmedWord: string): ReadonlySet<string> {
  if (!synonymIndex) {
    synonymIndex = new Map();
    for (const group of synonymGroups) {
      const stems = group.map((word) => stem(word));
      for (const word of stems) {
        let set = synonymIndex.get(word);
        if (!set) {
          set = new Set();
          synonymIndex.set(word, set);
        }
        for (const other of stems) if (other !== word) set.add(other);
      }
    }
  }
  return synonymIndex.get(stemmedWord) ?? emptySet;
}

const emptySet: ReadonlySet<string> = new Set();

const corrections = new Map<string, string | null>();

/**
 * The operator-vocabulary word a misspelt stem stands for (`latncy` → `latency`): a word of the
 * synonym groups one edit away, for words of five letters or more; null when there is none or
 * the stem is itself known.
 */
export function correctSpelling(stemmedWord: string): string | null {
  if (stemmedWord.length < 5 || synonymsOf(stemmedWord).size > 0) return null;
  let corrected = corrections.get(stemmedWord);
  if (corrected === undefined) {
    corrected = null;
    for (const known of synonymIndex!.keys()) {
      if (known.length >= 5 && Math.abs(known.length - stemmedWord.length) <= 1) {
        if (editDistance(known, stemmedWord, 1) <= 1) {
          corrected = known;
          break;
        }
      }
    }
    if (corrections.size > 10_000) corrections.clear();
    corrections.set(stemmedWord, corrected);
  }
  return corrected;
}

/** Words that carry no meaning for choosing a metric. */
export const stopWords: ReadonlySet<string> = new Set([
  'a',
  'an',
  'the',
  'of',
  'on',
  'in',
  'at',
  'for',
  'to',
  'from',
  'into',
  'with',
  'without',
  'and',
  'or',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'am',
  'do',
  'does',
  'did',
  'doing',
  'what',
  'whats',
  'which',
  'who',
  'whom',
  'where',
  'when',
  'why',
  'how',
  'much',
  'many',
  'show',
  'me',
  'us',
  'give',
  'get',
  'list',
  'tell',
  'display',
  'plot',
  'graph',
  'chart',
  'find',
  'current',
  'currently',
  'right',
  'now',
  'please',
  'value',
  'values',
  'there',
  'it',
  'its',
  'this',
  'that',
  'these',
  'those',
  'our',
  'we',
  'my',
  'i',
  'you',
  'your',
  'their',
  'they',
  'them',
  'as',
  'than',
  'vs',
  'versus',
  'by',
  'per',
  'each',
  'every',
  'all',
  'across',
  'over',
  'under',
  'last',
  'past',
  'recent',
  'recently',
  'overall',
  'together',
  'combined',
  'metric',
  'metrics',
  'number',
  'amount',
  'level',
  'levels',
  'stat',
  'stats',
  'statistic',
  'statistics',
  'any',
  'some',
  'should',
  'would',
  'could',
  'can',
  'will',
  'has',
  'have',
  'had',
  'having',
  'getting',
  'get',
  'gets',
  'got',
  'take',
  'takes',
  'taking',
  'so',
  'far',
  'today',
  'currently',
  'about',
  'like',
  'look',
  'looking',
  'via',
  'out',
  'off',
  'most',
  'least',
  'more',
  'less',
  'fewer',
  'highest',
  'lowest',
  'top',
  'bottom',
  'biggest',
  'smallest',
  'largest',
  'greatest',
  'maximum',
  'minimum',
  'max',
  'min',
  'average',
  'avg',
  'mean',
  'median',
  'sum',
  'count',
  'broken',
  'split',
  'grouped',
  'group',
  'breakdown',
  'break',
  'rate',
  'ratio',
  'percent',
  'percentage',
  'share',
  'fraction',
  'proportion',
  'above',
  'below',
  'greater',
  'lower',
  'higher',
  'exceed',
  'exceeds',
  'exceeding',
  'minus',
  'plus',
  'divided',
  'times',
  'compared',
  'second',
  'seconds',
  'minute',
  'minutes',
  'hour',
  'hours',
  'day',
  'days',
  'week',
  'weeks',
  'ago',
  'just',
  'still',
  'also',
  'only',
  'then',
  'not',
  'no',
  'yes',
  'if',
  'whether',
  'happening',
  'going',
  'doing',
  'trend',
  'graph',
]);

/** Words of a metric name that describe its unit or type, not what it measures. */
export const suffixWords: ReadonlySet<string> = new Set([
  'total',
  'count',
  'sum',
  'bucket',
  'bytes',
  'byte',
  'seconds',
  'second',
  'ratio',
  'percent',
  'celsius',
  'info',
  'created',
  'milliseconds',
  'ms',
  'microseconds',
  'meters',
  'volts',
  'amperes',
  'joules',
  'grams',
  'hertz',
]);

/** A word of a question, with its position and stem. */
export interface Word {
  readonly text: string;
  readonly stem: string;
  readonly index: number;
}

/** Splits a question into words with stems. */
export function questionWords(question: string): Word[] {
  return splitText(question).map((text, index) => ({ text, stem: stem(text), index }));
}

/** How strongly two stemmed words match: 1 exact, 0.7 synonym, 0.6 typo or shared prefix, 0 otherwise. */
export function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (synonymsOf(a).has(b)) return 0.7;
  if (a.length >= 5 && b.length >= 5) {
    const shorter = Math.min(a.length, b.length);
    let prefix = 0;
    while (prefix < shorter && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
    if (prefix >= 5 && prefix >= shorter * 0.7) return 0.6;
    if (Math.abs(a.length - b.length) <= 1 && editDistance(a, b, 1) <= 1) return 0.6;
  }
  return 0;
}
