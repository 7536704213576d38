/**
 * Offline NL→PromQL translation latency on a synthetic 10k-metric catalog, and the overhead of
 * the whole Ask pipeline (intent → promql → execute → layout → answer → log → follow-ups) with a
 * stub LLM and a stub Prometheus that answer at once, so every measured millisecond is Promptheus.
 *
 *   pnpm bench:ask [--metrics 10000] [--questions 200] [--iterations 2000] [--no-write]
 *
 * Writes the table under "## Ask: translation latency and pipeline overhead" in bench/RESULTS.md
 * (unless --no-write). Targets: translation ≤ 1 ms p50, every pipeline row ≤ 2 ms p50; each row is judged
 * against its own target and the rows that miss are named.
 */
import { cpus, loadavg } from 'node:os';
import {
  type AskOptions,
  catalogIndex,
  createAsk,
  createCatalogSnapshot,
  createMemoryStore,
  type LlmProvider,
  type MetricFamilyInput,
  type PrometheusClient,
  staticCatalog,
  translateOffline,
} from '../../packages/core/src/index.js';
import { argument } from '../lib/args.js';
import { writeResultsSection } from '../lib/results.js';

const metricCount = Number(argument('metrics') ?? 10_000);
const questionCount = Number(argument('questions') ?? 200);
const iterations = Number(argument('iterations') ?? 2000);
const write = !process.argv.includes('--no-write');

/** A small deterministic random generator, so every run measures the same catalog and questions. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const namespaces = [
  'api',
  'auth',
  'billing',
  'cache',
  'cart',
  'catalog',
  'checkout',
  'db',
  'dns',
  'email',
  'gateway',
  'inventory',
  'kafka',
  'ledger',
  'mail',
  'orders',
  'payments',
  'queue',
  'search',
  'session',
  'storage',
  'stream',
  'users',
  'video',
  'worker',
];
const subsystems = [
  'http',
  'grpc',
  'client',
  'server',
  'pool',
  'jobs',
  'tasks',
  'requests',
  'connections',
  'messages',
  'batches',
  'events',
  'files',
  'objects',
  'sessions',
  'tokens',
  'lookups',
  'writes',
  'reads',
  'retries',
];
const kinds: ReadonlyArray<(prefix: string) => MetricFamilyInput> = [
  (prefix) => ({ name: `${prefix}_processed_total`, type: 'counter', help: `Items processed by ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_failed_total`, type: 'counter', help: `Items that failed in ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_dropped_total`, type: 'counter', help: `Items dropped by ${prefix}.` }),
  (prefix) => ({
    name: `${prefix}_received_bytes_total`,
    type: 'counter',
    help: `Bytes received by ${prefix}.`,
  }),
  (prefix) => ({ name: `${prefix}_sent_bytes_total`, type: 'counter', help: `Bytes sent by ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_timeouts_total`, type: 'counter', help: `Timeouts in ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_retries_total`, type: 'counter', help: `Retries in ${prefix}.` }),
  (prefix) => ({
    name: `${prefix}_calls_total`,
    type: 'counter',
    help: `Calls by status code.`,
    labels: { code: ['200', '404', '500', '503'] },
  }),
  (prefix) => ({ name: `${prefix}_duration_seconds`, type: 'histogram', help: `Latency of ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_size_bytes`, type: 'histogram', help: `Payload size in ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_wait_seconds`, type: 'summary', help: `Time waiting in ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_in_flight`, type: 'gauge', help: `Items in flight in ${prefix}.` }),
  (prefix) => ({
    name: `${prefix}_queue_length`,
    type: 'gauge',
    help: `Items waiting in the ${prefix} queue.`,
  }),
  (prefix) => ({ name: `${prefix}_memory_bytes`, type: 'gauge', help: `Memory used by ${prefix}.` }),
  (prefix) => ({ name: `${prefix}_utilization_ratio`, type: 'gauge', help: `Busy fraction of ${prefix}.` }),
  (prefix) => ({
    name: `${prefix}_temperature_celsius`,
    type: 'gauge',
    help: `Temperature of ${prefix} hosts.`,
  }),
  (prefix) => ({ name: `${prefix}_workers`, type: 'gauge', help: `Workers of ${prefix}.` }),
  (prefix) => ({
    name: `${prefix}_last_success_timestamp_seconds`,
    type: 'gauge',
    help: `Last success of ${prefix}.`,
  }),
  (prefix) => ({ name: `${prefix}_up`, type: 'gauge', help: `1 if ${prefix} is healthy, else 0.` }),
  (prefix) => ({
    name: `${prefix}_build_info`,
    type: 'gauge',
    help: `Build of ${prefix}; always 1.`,
    labels: { version: ['1.0.0', '1.1.0'] },
  }),
];

function syntheticCatalog(count: number) {
  const families: MetricFamilyInput[] = [];
  const regions = ['eu', 'us', 'apac'];
  for (const namespace of namespaces)
    for (const subsystem of subsystems)
      for (const kind of kinds) {
        if (families.length >= count) break;
        const family = kind(`${namespace}_${subsystem}`);
        families.push({
          ...family,
          labels: {
            instance: [`${namespace}-1:9100`, `${namespace}-2:9100`, `${namespace}-3:9100`],
            job: [namespace],
            region: regions,
            ...family.labels,
          },
        });
      }
  return createCatalogSnapshot(families);
}

function syntheticQuestions(count: number): string[] {
  const next = random(42);
  const pick = <Value>(values: readonly Value[]) => values[Math.floor(next() * values.length)]!;
  const templates: ReadonlyArray<(namespace: string, subsystem: string) => string> = [
    (namespace, subsystem) => `${namespace} ${subsystem} processed per second by instance`,
    (namespace, subsystem) => `p95 ${namespace} ${subsystem} duration in ms`,
    (namespace, subsystem) => `which instance has the most ${namespace} ${subsystem} in flight?`,
    (namespace, subsystem) => `${namespace} ${subsystem} memory in GB in eu`,
    (namespace, subsystem) => `error rate of ${namespace} ${subsystem} calls in %`,
    (namespace, subsystem) => `how many ${namespace} ${subsystem} items were dropped in the last hour`,
    (namespace, subsystem) => `is ${namespace} ${subsystem} down?`,
    (namespace, subsystem) => `average ${namespace} ${subsystem} utilization per region in percent`,
    (namespace, subsystem) => `what version of ${namespace} ${subsystem} is deployed`,
    (namespace, subsystem) => `${namespace} ${subsystem} bytes received in Mbps`,
    (namespace) => `zookeeper ensemble leader elections for ${namespace}`,
  ];
  return Array.from({ length: count }, () => pick(templates)(pick(namespaces), pick(subsystems)));
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

function summarise(durations: number[], cpu: number[]) {
  const sorted = [...durations].sort((a, b) => a - b);
  const cpuSorted = [...cpu].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    cpuP50: percentile(cpuSorted, 0.5),
    n: sorted.length,
  };
}

/** CPU time of this process in ms (user + system): less disturbed than wall time by other work on the machine. */
function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

// ---- translation latency ----
const buildStarted = performance.now();
const snapshot = syntheticCatalog(metricCount);
const catalogMs = performance.now() - buildStarted;
const indexStarted = performance.now();
catalogIndex(snapshot);
const indexMs = performance.now() - indexStarted;
const questions = syntheticQuestions(questionCount);
let answered = 0;
for (const question of questions) if (translateOffline(question, snapshot).promql) answered++;
const translation: number[] = [];
const translationCpu: number[] = [];
for (let round = 0; round < 5; round++)
  for (const question of questions) {
    const cpuStarted = cpuNow();
    const started = performance.now();
    translateOffline(question, snapshot);
    translation.push(performance.now() - started);
    translationCpu.push(cpuNow() - cpuStarted);
  }
const translationStats = summarise(translation, translationCpu);

// ---- pipeline overhead ----
const instant = {
  data: {
    resultType: 'vector' as const,
    result: [
      {
        metric: { instance: 'a-1:9100', region: 'eu' },
        value: { timestamp: 1_700_000_000_000, value: 12.5 },
      },
      { metric: { instance: 'a-2:9100', region: 'us' }, value: { timestamp: 1_700_000_000_000, value: 7 } },
    ],
  },
  warnings: [],
  infos: [],
};
const matrix = {
  data: {
    resultType: 'matrix' as const,
    result: instant.data.result.map((series) => ({
      metric: series.metric,
      values: Array.from({ length: 240 }, (_, index) => ({
        timestamp: 1_699_996_400_000 + index * 15_000,
        value: 10 + (index % 7),
      })),
    })),
  },
  warnings: [],
  infos: [],
};
const unused = () => Promise.reject(new Error('not used'));
const prometheus: PrometheusClient = {
  url: 'stub://prometheus',
  query: async () => instant,
  queryRange: async () => matrix,
  series: unused,
  labelNames: unused,
  labelValues: unused,
  metadata: unused,
  targets: unused,
  formatQuery: unused,
  buildInfo: unused,
};
const usage = { promptTokens: 120, completionTokens: 30, totalTokens: 150 };
const llm: LlmProvider = {
  name: 'stub',
  model: 'stub-model',
  generateText: async () => ({
    text: 'It is 12.5 now.',
    usage,
    provider: 'stub',
    model: 'stub-model',
    latencyMs: 0,
  }),
  generateObject: async <T>() => ({
    object: { promql: 'sum(rate(api_http_processed_total[5m]))', explanation: 'rate', confidence: 0.9 } as T,
    text: '{}',
    usage,
    provider: 'stub',
    model: 'stub-model',
    latencyMs: 0,
  }),
};

/** Questions the offline translator answers, cycled through so no step sees the same question twice in a row. */
const answerable = questions.filter((question) => translateOffline(question, snapshot).promql !== null);

async function measure(label: string, options: Partial<AskOptions>, count = iterations) {
  const assistant = createAsk({ prometheus, catalog: staticCatalog(snapshot), ...options });
  for (let warm = 0; warm < 50; warm++) await assistant.ask(answerable[warm % answerable.length]!);
  const durations: number[] = [];
  const cpu: number[] = [];
  for (let index = 0; index < count; index++) {
    const question = answerable[index % answerable.length]!;
    const cpuStarted = cpuNow();
    const started = performance.now();
    const result = await assistant.ask(question);
    durations.push(performance.now() - started);
    cpu.push(cpuNow() - cpuStarted);
    if (!result.promql) throw new Error(`${label}: no query for "${question}": ${result.reason}`);
  }
  return { label, ...summarise(durations, cpu) };
}

const configurations: ReadonlyArray<readonly [string, Partial<AskOptions>]> = [
  ['offline translation, stub LLM writes the answer', { llm }],
  ['LLM translation (offline off), stub LLM', { llm, offline: { enabled: false } }],
  ['offline translation, no LLM', {}],
  [
    'offline, stub LLM, memory store (history + session)',
    { llm, store: createMemoryStore({ maxDocs: 1000 }) },
  ],
];
// one untimed pass first, so the JIT has compiled every step before any row is measured
for (const [label, options] of configurations) await measure(label, options, 100);
const pipeline: Array<Awaited<ReturnType<typeof measure>>> = [];
for (const [label, options] of configurations) pipeline.push(await measure(label, options));

/** A fixed amount of plain JavaScript work, to compare this machine's speed at the time of the run with yours. */
function calibrate(): number {
  const values = new Float64Array(1_000_000);
  let sum = 0;
  const started = performance.now();
  for (let round = 0; round < 20; round++)
    for (let index = 0; index < values.length; index++) {
      values[index]! += index;
      sum += values[index]!;
    }
  if (sum < 0) throw new Error('unreachable');
  return performance.now() - started;
}
const calibrationMs = calibrate();

const format = (value: number) => value.toFixed(3);
/** A measured row and the p50 it must stay under. */
interface Row {
  readonly label: string;
  readonly p50: number;
  readonly p99: number;
  readonly cpuP50: number;
  readonly n: number;
  readonly targetMs: number;
}
const rows: Row[] = [
  { label: 'offline translation (translateOffline)', ...translationStats, targetMs: 1 },
  ...pipeline.map((row) => ({ ...row, label: `pipeline: ${row.label}`, targetMs: 2 })),
];
// every row is judged on its own wall-clock p50 against its own target
const verdict = (row: Row) => (row.p50 <= row.targetMs ? 'met' : '**NOT met**');
const missed = rows.filter((row) => row.p50 > row.targetMs);
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench:ask\` (Node ${process.version}, ${cpus().length} cores, shared machine).`,
  `Synthetic catalog: ${snapshot.metrics.length.toLocaleString('en-US')} metric families (${snapshot.bySeries.size.toLocaleString('en-US')} series names, 4-6 labels each),`,
  `built in ${catalogMs.toFixed(0)} ms; its search index in ${indexMs.toFixed(0)} ms (once per catalog load).`,
  `${questions.length} generated questions (rates, quantiles, rankings, ratios, health, info, unit conversions, one unanswerable kind),`,
  `${answered} answered offline; each translated 5 times.`,
  '',
  '| what | p50 ms | p99 ms | CPU p50 ms | n | target p50 | |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rows.map(
    (row) =>
      `| ${row.label} | ${format(row.p50)} | ${format(row.p99)} | ${format(row.cpuP50)} | ${row.n} | ≤ ${row.targetMs} ms | ${verdict(row)} |`,
  ),
  '',
  'Pipeline rows are whole `ask()` calls (catalog, intent, translation, validation with the PromQL parser, execution of',
  'an instant and a 240-point range query against a stub Prometheus, layout, answer, follow-ups checked by the',
  'translator, event); the stubs answer at once, so the figures are Promptheus overhead only. Questions cycle through',
  'the generated set; whether a follow-up suggestion is answerable is remembered per catalog snapshot, as in production.',
  `Calibration: 20 million Float64Array additions took ${calibrationMs.toFixed(0)} ms during this run (run it on your machine to scale the figures).`,
  `Load average during the run: ${loadavg()
    .map((value) => value.toFixed(1))
    .join(
      ' / ',
    )} (the machine is shared; CPU p50 is the process's own CPU time per call, which other work disturbs less).`,
  '',
  `Targets (each row's wall-clock p50 against its own target): translation ≤ 1 ms, every pipeline row ≤ 2 ms: ${
    missed.length === 0
      ? `all ${rows.length} rows met.`
      : `NOT met by ${missed.map((row) => `"${row.label}" (${format(row.p50)} ms)`).join(', ')}.`
  }`,
].join('\n');

process.stdout.write(`\n${table}\n`);

if (write) {
  writeResultsSection(`## Ask: translation latency and pipeline overhead\n\n${table}\n`);
  process.stdout.write('\nwritten to bench/RESULTS.md\n');
}
