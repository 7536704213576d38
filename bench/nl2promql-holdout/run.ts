/**
 * Held-out NL→PromQL evaluations: catalogs the translator was not developed against, scored with
 * the shared evaluation's executor. `--set shop` (default): an e-commerce / payments platform with
 * ingress, Postgres, Kafka and Kubernetes metrics; `--set logistics`: a delivery platform with
 * RabbitMQ, Redis, HAProxy, a JVM service, MySQL and blackbox probes; both with node_exporter and
 * Prometheus itself.
 *
 *   pnpm tsx bench/nl2promql-holdout/run.ts [--set shop|logistics] [--keep-env] [--out details.json] [--write [--label TEXT]] [--verbose]
 *   pnpm tsx bench/nl2promql-holdout/run.ts --gold-self-check      gold queries as predictions (must be 1.000)
 *   pnpm tsx bench/nl2promql-holdout/run.ts --start-env | --stop-env | --env-status
 *   pnpm tsx bench/nl2promql-holdout/run.ts --core /tmp/baseline   answer with another checkout's packages/core
 *        (e.g. git archive <commit> packages/core/src | tar -x -C /tmp/baseline, with node_modules linked in)
 *
 * The environment: the synthetic exporter in this folder (its history backfilled with promtool so
 * range questions work), a real node_exporter, a real Prometheus scraping both and itself, one
 * configured target that nothing listens on (a real "target down") and alerting
 * rules. Ports are chosen at run time on 127.0.0.1. A run reuses an environment left by
 * `--start-env`/`--keep-env`, else starts one (about a minute) and stops it at the end.
 * Every question is answered by `createAsk({ llm: null })`; `run.mjs --predictions` scores them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createAsk, createPrometheusClient } from '../../packages/core/src/index.js';
import { findFreePort } from '../../packages/core/src/testing/prometheus.js';
import { writeBackfill } from './exporter.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const evalDir = process.env['NL2PROMQL_DIR'] ?? '/work/shared/eval/nl2promql';
const scrapeIntervalSeconds = 2;
const backfillMinutes = 65;
const waitSeconds = 40;

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** One held-out set: a catalog of the synthetic exporter, its cases and its environment. */
interface HoldoutSet {
  /** Job name of the synthetic exporter. */
  readonly job: string;
  /** A configured job nothing listens on (a real "target down"), with a comment for the config. */
  readonly downJob: string;
  readonly downComment: string;
  readonly cases: string;
  readonly rules: string;
  /** Queries that return data once the environment is ready. */
  readonly readyChecks: readonly string[];
  /** Sub-heading in bench/RESULTS.md and the sentence that describes the set. */
  readonly heading: string;
  readonly description: string;
}

const alertRule = (name: string, expr: string, forDuration: string, severity: string, summary: string) =>
  `      - alert: ${name}
        expr: ${expr}
        for: ${forDuration}
        labels: { severity: ${severity} }
        annotations: { summary: "${summary}" }
`;

const sets: Readonly<Record<string, HoldoutSet>> = {
  shop: {
    job: 'shop',
    downJob: 'erp-sync',
    downComment: 'A decommissioned ERP synchronisation job that is still configured: nothing listens there.',
    cases: 'cases.jsonl',
    rules:
      alertRule(
        'TargetDown',
        'up == 0',
        '10s',
        'page',
        '{{ $labels.job }} target {{ $labels.instance }} is down',
      ) +
      alertRule(
        'PostgresDown',
        'pg_up == 0',
        '10s',
        'page',
        'PostgreSQL {{ $labels.server }} is unreachable',
      ) +
      alertRule(
        'ConsumerGroupLagHigh',
        'sum by (consumergroup) (kafka_consumergroup_lag) > 5000',
        '10s',
        'ticket',
        'Consumer group {{ $labels.consumergroup }} is more than 5000 messages behind',
      ) +
      alertRule(
        'PodStuckPending',
        'kube_pod_status_phase{phase="Pending"} == 1',
        '6h',
        'ticket',
        'Pod {{ $labels.namespace }}/{{ $labels.pod }} has been pending for 6 hours',
      ),
    readyChecks: [
      'rate(payments_transactions_total[1m])',
      'ALERTS{alertname="PostgresDown",alertstate="firing"}',
    ],
    heading: '### Held-out set (e-commerce / payments catalog)',
    description: [
      'The same `createAsk({ llm: null })` on a catalog it was not developed against (bench/nl2promql-holdout:',
      'ingress-nginx, postgres_exporter, kafka_exporter, cAdvisor / kube-state-metrics, payments and shop services,',
      'node_exporter, Prometheus itself, a target that is down, alerting rules; 65 min of backfilled history),',
      "60 questions scored by the shared evaluation's `run.mjs --predictions`.",
    ].join('\n'),
  },
  logistics: {
    job: 'logistics',
    downJob: 'legacy-tms',
    downComment: 'The retired transport management system, still configured: nothing listens there.',
    cases: 'cases-logistics.jsonl',
    rules:
      alertRule(
        'TargetDown',
        'up == 0',
        '10s',
        'page',
        '{{ $labels.job }} target {{ $labels.instance }} is down',
      ) +
      alertRule(
        'HAProxyBackendDown',
        'haproxy_backend_up == 0',
        '10s',
        'page',
        'Backend {{ $labels.backend }} is down',
      ) +
      alertRule('ProbeFailed', 'probe_success == 0', '10s', 'page', 'Probe of {{ $labels.target }} fails') +
      alertRule(
        'QueueBacklog',
        'rabbitmq_queue_messages_ready > 1000',
        '2h',
        'ticket',
        'Queue {{ $labels.queue }} has more than 1000 messages ready for 2 hours',
      ),
    readyChecks: [
      'rate(shipments_created_total[1m])',
      'ALERTS{alertname="HAProxyBackendDown",alertstate="firing"}',
    ],
    heading: '### Second held-out set (logistics catalog, written after the translator changes)',
    description: [
      'A second catalog and question set, written after the translator changes and scored once without looking at the',
      "translator's answers first (bench/nl2promql-holdout/logistics.ts: RabbitMQ, Redis, HAProxy, a JVM service",
      '(Micrometer), mysqld_exporter, blackbox probes, shipments and fleet gauges, node_exporter, Prometheus itself,',
      "a target that is down, alerting rules), 42 questions scored by the shared evaluation's `run.mjs --predictions`.",
    ].join('\n'),
  },
};

const setName = argument('set') ?? 'shop';
const chosenSet = sets[setName];
if (!chosenSet) throw new Error(`--set must be one of ${Object.keys(sets).join(', ')}, got "${setName}"`);
const holdout: HoldoutSet = chosenSet;
const casesFile = join(here, holdout.cases);
const stateDirectory = join(
  tmpdir(),
  setName === 'shop' ? 'promptheus-nl2promql-holdout' : `promptheus-nl2promql-holdout-${setName}`,
);
const stateFile = join(stateDirectory, 'state.json');

interface EnvironmentState {
  readonly prometheusUrl: string;
  readonly exporterUrl: string;
  readonly nodeExporterUrl: string;
  readonly dataFromMs: number;
  readonly pids: Readonly<Record<string, number>>;
}

const log = (message: string) => process.stderr.write(`[holdout] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readState(): EnvironmentState | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EnvironmentState;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function instantQuery(prometheusUrl: string, query: string): Promise<number> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await response.json()) as { data?: { result?: unknown[] } };
  return body.data?.result?.length ?? 0;
}

function spawnDetached(command: string, args: readonly string[], logName: string): ChildProcess {
  const output = openSync(join(stateDirectory, logName), 'a');
  const child = spawn(command, args, { cwd: root, detached: true, stdio: ['ignore', output, output] });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child;
}

function findBinary(names: readonly string[]): string {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  throw new Error(
    `none of ${names.join(', ')} is on PATH (apt-get install prometheus prometheus-node-exporter)`,
  );
}

function prometheusConfig(ports: Readonly<Record<string, number>>): string {
  return `global:
  scrape_interval: ${scrapeIntervalSeconds}s
  scrape_timeout: 1s
  evaluation_interval: ${scrapeIntervalSeconds}s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:${ports['prometheus']}"]
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:${ports['node']}"]
  - job_name: ${holdout.job}
    static_configs:
      - targets: ["127.0.0.1:${ports['exporter']}"]
  # ${holdout.downComment}
  - job_name: ${holdout.downJob}
    static_configs:
      - targets: ["127.0.0.1:${ports['down']}"]
`;
}

const rules = `groups:
  - name: ${setName}-alerts
    interval: ${scrapeIntervalSeconds}s
    rules:
${holdout.rules}`;

async function stopEnvironment(): Promise<void> {
  const state = readState();
  if (!state) {
    log(`no environment at ${stateDirectory}`);
    return;
  }
  for (const [name, pid] of Object.entries(state.pids)) {
    if (!alive(pid)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    for (let attempt = 0; attempt < 50 && alive(pid); attempt++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    log(`stopped ${name} (pid ${pid})`);
  }
  rmSync(stateDirectory, { recursive: true, force: true });
}

async function startEnvironment(): Promise<EnvironmentState> {
  const prometheusBinary = findBinary([process.env['PROMETHEUS_BIN'] ?? 'prometheus']);
  const promtoolBinary = findBinary([process.env['PROMTOOL_BIN'] ?? 'promtool']);
  const nodeExporterBinary = findBinary(['prometheus-node-exporter', 'node_exporter']);
  const existing = readState();
  if (existing && Object.values(existing.pids).some(alive)) {
    throw new Error(`an environment is already running (${stateFile}); run with --stop-env first`);
  }
  rmSync(stateDirectory, { recursive: true, force: true });
  mkdirSync(stateDirectory, { recursive: true });
  const ports: Record<string, number> = {};
  for (const name of ['prometheus', 'node', 'exporter', 'down']) {
    let port = await findFreePort();
    while (Object.values(ports).includes(port)) port = await findFreePort();
    ports[name] = port;
  }
  const pids: Record<string, number> = {};
  const state = (dataFromMs: number): EnvironmentState => ({
    prometheusUrl: `http://127.0.0.1:${ports['prometheus']}`,
    exporterUrl: `http://127.0.0.1:${ports['exporter']}/metrics`,
    nodeExporterUrl: `http://127.0.0.1:${ports['node']}/metrics`,
    dataFromMs,
    pids,
  });
  const save = (dataFromMs: number) => writeFileSync(stateFile, JSON.stringify(state(dataFromMs), null, 2));
  try {
    pids['exporter'] = spawnDetached(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'exporter.ts'),
        '--port',
        String(ports['exporter']),
        '--set',
        setName,
        '--max-lifetime-s',
        '28800',
      ],
      'exporter.log',
    ).pid!;
    save(0);
    pids['node_exporter'] = spawnDetached(
      nodeExporterBinary,
      [`--web.listen-address=127.0.0.1:${ports['node']}`],
      'node_exporter.log',
    ).pid!;
    save(0);
    await waitUntil('the synthetic exporter', () => reachable(state(0).exporterUrl), 30_000);
    await waitUntil('node_exporter', () => reachable(state(0).nodeExporterUrl), 30_000);

    // History up to a moment slightly in the future: Prometheus then drops every scrape older than
    // the newest block, so all jobs' data starts at dataFromMs and the exporter's series continue
    // at the same step without a gap.
    const stepMs = scrapeIntervalSeconds * 1000;
    const dataFromMs = Math.ceil((Date.now() + 20_000) / stepMs) * stepMs;
    const backfill = join(stateDirectory, 'backfill.om');
    const samples = writeBackfill({
      file: backfill,
      fromMs: dataFromMs - backfillMinutes * 60_000,
      toMs: dataFromMs,
      stepMs,
      labels: { job: holdout.job, instance: `127.0.0.1:${ports['exporter']}` },
      catalog: setName,
    });
    const blocks = spawnSync(
      promtoolBinary,
      ['tsdb', 'create-blocks-from', 'openmetrics', backfill, join(stateDirectory, 'data')],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (blocks.status !== 0) throw new Error(`promtool failed: ${blocks.stderr}${blocks.stdout}`);
    rmSync(backfill, { force: true });
    log(`backfilled ${samples} samples (${backfillMinutes} min)`);

    writeFileSync(join(stateDirectory, 'prometheus.yml'), prometheusConfig(ports));
    writeFileSync(join(stateDirectory, 'rules.yml'), rules);
    pids['prometheus'] = spawnDetached(
      prometheusBinary,
      [
        `--config.file=${join(stateDirectory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(stateDirectory, 'data')}`,
        `--web.listen-address=127.0.0.1:${ports['prometheus']}`,
        '--storage.tsdb.retention.time=2d',
        '--log.level=error',
      ],
      'prometheus.log',
    ).pid!;
    save(dataFromMs);
    // A watchdog stops everything after 8 hours if --stop-env is never run.
    const watched = JSON.stringify([pids['prometheus'], pids['node_exporter'], pids['exporter']]);
    pids['watchdog'] = spawnDetached(
      process.execPath,
      [
        '-e',
        `setTimeout(() => { for (const pid of ${watched}) { try { process.kill(pid); } catch {} } }, 8 * 3600 * 1000);`,
      ],
      'watchdog.log',
    ).pid!;
    save(dataFromMs);
    const prometheusUrl = state(dataFromMs).prometheusUrl;
    await waitUntil('Prometheus to be ready', () => reachable(`${prometheusUrl}/-/ready`), 60_000);
    log(`waiting for ${waitSeconds} s of live data...`);
    const checks = [
      'up{job="prometheus"} == 1',
      'up{job="node"} == 1',
      `up{job="${holdout.job}"} == 1`,
      ...holdout.readyChecks,
    ];
    await waitUntil(
      'live data and healthy targets',
      async () => {
        if (Date.now() < dataFromMs + waitSeconds * 1000) return false;
        for (const query of checks) if ((await instantQuery(prometheusUrl, query)) === 0) return false;
        return true;
      },
      waitSeconds * 1000 + 180_000,
    );
    log(`environment ready: PROMETHEUS_URL=${prometheusUrl}`);
    return state(dataFromMs);
  } catch (error) {
    log(`start failed (logs in ${stateDirectory}); stopping what was started`);
    await stopEnvironment();
    throw error;
  }
}

async function runningEnvironment(): Promise<EnvironmentState | undefined> {
  const state = readState();
  const pid = state?.pids['prometheus'];
  if (!state || pid === undefined || !alive(pid)) return undefined;
  return (await reachable(`${state.prometheusUrl}/-/ready`)) ? state : undefined;
}

/** Runs the shared scorer and returns its output. */
function score(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(evalDir, 'run.mjs'), ...args], { cwd: evalDir });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

interface Case {
  readonly id: string;
  readonly question: string;
}

/**
 * Records a run in bench/RESULTS.md: a `#### <label>` block inside the held-out sub-section of
 * "## Ask: NL→PromQL execution accuracy" (created when missing), replacing an earlier block
 * with the same label and leaving the rest of the file alone.
 */
function writeResults(output: string, summary: string, p50: number, label: string): void {
  const table = output
    .split('\n')
    .filter((line) => /^(category|\S+\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+)/.test(line.trim()))
    .join('\n');
  const heading = holdout.heading;
  const intro = [heading, '', holdout.description].join('\n');
  const blockHeading = `#### ${label}`;
  const block = [
    blockHeading,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm tsx bench/nl2promql-holdout/run.ts --set ${setName}${argument('core') ? ` --core ${argument('core')}` : ''} --write --label "${label}"\`:`,
    '',
    '```',
    table,
    summary,
    '```',
    '',
    `\`ask()\` took ${p50} ms p50 per question.`,
  ].join('\n');
  const resultsPath = join(root, 'bench/RESULTS.md');
  let current = readFileSync(resultsPath, 'utf8');
  const section = current.indexOf('## Ask: NL→PromQL execution accuracy');
  if (section < 0) throw new Error('the section "## Ask: NL→PromQL execution accuracy" is missing');
  const sectionEnd = () => {
    const next = current.indexOf('\n## ', section + 3);
    return next < 0 ? current.length : next + 1;
  };
  let subsection = current.indexOf(heading, section);
  if (subsection < 0 || subsection >= sectionEnd()) {
    const end = sectionEnd();
    current = `${current.slice(0, end).trimEnd()}\n\n${intro}\n\n${current.slice(end)}`;
    subsection = current.indexOf(heading, section);
  }
  const limit = sectionEnd();
  const nextSubsection = current.slice(subsection + heading.length, limit).search(/\n### /);
  const subsectionEnd = nextSubsection < 0 ? limit : subsection + heading.length + nextSubsection + 1;
  const existing = current.indexOf(blockHeading, subsection);
  if (existing >= 0 && existing < subsectionEnd) {
    const after = current.slice(existing + blockHeading.length, subsectionEnd).search(/\n#{2,4} /);
    const end = after < 0 ? subsectionEnd : existing + blockHeading.length + after + 1;
    current = `${current.slice(0, existing)}${block}\n\n${current.slice(end)}`;
  } else {
    current = `${current.slice(0, subsectionEnd).trimEnd()}\n\n${block}\n\n${current.slice(subsectionEnd)}`;
  }
  writeFileSync(resultsPath, current);
  log('written to bench/RESULTS.md');
}

async function main(): Promise<void> {
  if (flag('stop-env')) return stopEnvironment();
  if (flag('env-status')) {
    const state = await runningEnvironment();
    process.stdout.write(state ? `running: PROMETHEUS_URL=${state.prometheusUrl}\n` : 'not running\n');
    return;
  }
  if (flag('start-env')) {
    const state = (await runningEnvironment()) ?? (await startEnvironment());
    process.stdout.write(`PROMETHEUS_URL=${state.prometheusUrl}\n`);
    return;
  }
  const reused = await runningEnvironment();
  const state = reused ?? (await startEnvironment());
  const work = join(stateDirectory, `run-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const scorerArgs = ['--prom', state.prometheusUrl, '--cases', casesFile];
    const out = argument('out');
    if (out) scorerArgs.push('--out', resolve(out));
    if (flag('verbose')) scorerArgs.push('--verbose');
    if (flag('gold-self-check')) {
      const result = await score(['--gold-self-check', ...scorerArgs]);
      process.exitCode = result.code;
      return;
    }
    const cases: Case[] = readFileSync(casesFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Case);
    // --core DIR answers with another checkout's translator (e.g. an older commit, for a baseline)
    const coreDirectory = argument('core');
    const core: { createAsk: typeof createAsk; createPrometheusClient: typeof createPrometheusClient } =
      coreDirectory
        ? await import(pathToFileURL(resolve(coreDirectory, 'packages/core/src/index.ts')).href)
        : { createAsk, createPrometheusClient };
    const assistant = core.createAsk({
      prometheus: core.createPrometheusClient({ url: state.prometheusUrl }),
      llm: null,
      chartRange: false,
    });
    const predictions: string[] = [];
    const latencies: number[] = [];
    for (const entry of cases) {
      const result = await assistant.ask(entry.question);
      latencies.push(result.latencyMs);
      predictions.push(JSON.stringify({ id: entry.id, promql: result.promql }));
    }
    assistant.close();
    const predictionsFile = join(work, 'predictions.jsonl');
    writeFileSync(predictionsFile, `${predictions.join('\n')}\n`);
    const result = await score(['--predictions', predictionsFile, ...scorerArgs]);
    const summary = /exec_accuracy=\S+ valid=\S+ grounded=\S+ n=\d+/.exec(result.output)?.[0];
    if (!summary) throw new Error('the scorer printed no summary line');
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    process.stdout.write(`\nheld-out: ${summary}  (ask() p50 ${p50} ms per question, no LLM)\n`);
    if (flag('write')) writeResults(result.output, summary, p50, argument('label') ?? 'Current translator');
    if (result.code !== 0) process.exitCode = result.code;
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (!reused && !flag('keep-env')) await stopEnvironment();
  }
}

await main();
