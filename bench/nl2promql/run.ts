/**
 * NL→PromQL execution accuracy on the shared evaluation set, with no LLM: the same `createAsk`
 * that backs `POST /api/chat` answers every question of the cases file against the evaluation's
 * real Prometheus; the evaluation's own scorer then runs each predicted query and compares its
 * result with the gold query's.
 *
 *   pnpm eval:nl2promql [--eval-dir /work/shared/eval/nl2promql] [--keep-env] [--out results.json] [--write]
 *
 * Reuses a running evaluation environment (`run.mjs --env-status`), or starts one with
 * `run.mjs --start-env` (about 80 s) and stops it again at the end unless --keep-env.
 * With --write, records the scores in the "### Developer set (streaming catalog)" sub-section of
 * "## Ask: NL→PromQL execution accuracy" in bench/RESULTS.md, leaving the held-out sub-sections alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAsk, createPrometheusClient } from '../../packages/core/src/index.js';
import { argument } from '../lib/args.js';
import { RESULTS_PATH, writeResultsSection, writeResultsSubsection } from '../lib/results.js';

const sectionHeading = '## Ask: NL→PromQL execution accuracy';
const developerHeading = '### Developer set (streaming catalog)';

const evalDir = argument('eval-dir') ?? process.env['NL2PROMQL_DIR'] ?? '/work/shared/eval/nl2promql';
const keepEnv = process.argv.includes('--keep-env');
const write = process.argv.includes('--write');
const casesFile = argument('cases') ?? join(evalDir, 'cases.jsonl');

interface Case {
  readonly id: string;
  readonly question: string;
}

/** Runs the evaluation script and returns its output (stdout and stderr together). */
function runScript(args: readonly string[], echo = true): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(evalDir, 'run.mjs'), ...args], { cwd: evalDir });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function prometheusUrl(): Promise<{ url: string; started: boolean }> {
  const status = await runScript(['--env-status'], false);
  const running =
    /PROMETHEUS_URL=(\S+)/.exec(status.output)?.[1] ??
    /prometheus[^\n]*?(http:\/\/127\.0\.0\.1:\d+)/i.exec(status.output)?.[1];
  if (running && !/not running|dead|No environment/i.test(status.output)) {
    const ready = await fetch(`${running}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url: running, started: false };
  }
  process.stdout.write('starting the evaluation environment (about 80 s)...\n');
  const started = await runScript(['--start-env']);
  const url = /PROMETHEUS_URL=(\S+)/.exec(started.output)?.[1];
  if (started.code !== 0 || !url)
    throw new Error(`could not start the evaluation environment:\n${started.output}`);
  return { url, started: true };
}

const cases: Case[] = readFileSync(casesFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Case);

const { url, started } = await prometheusUrl();
const work = mkdtempSync(join(tmpdir(), 'promptheus-nl2promql-'));
try {
  const assistant = createAsk({ prometheus: createPrometheusClient({ url }), llm: null, chartRange: false });
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
  const out = argument('out');
  const scored = await runScript([
    '--predictions',
    predictionsFile,
    '--prom',
    url,
    '--cases',
    casesFile,
    ...(out ? ['--out', out] : []),
  ]);
  const summary = /exec_accuracy=\S+ valid=\S+ grounded=\S+ n=\d+/.exec(scored.output)?.[0];
  if (!summary) throw new Error('the scorer printed no summary line');
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  process.stdout.write(`\n${summary}  (ask() p50 ${p50} ms per question, no LLM)\n`);
  if (write) {
    const table = scored.output
      .split('\n')
      .filter((line) => /^(category|\S+\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+)/.test(line.trim()))
      .join('\n');
    const subsection = [
      developerHeading,
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm eval:nl2promql --write\`: \`createAsk({ llm: null })\` (the offline translator, the`,
      "same pipeline as `POST /api/chat`) answered every question of the developer set against the set's real Prometheus",
      '(node_exporter, a synthetic streaming exporter, Prometheus itself); `run.mjs --predictions` scored the queries by',
      'executing them next to the gold queries.',
      '',
      '```',
      table,
      summary,
      '```',
      '',
      `\`ask()\` took ${p50} ms p50 per question (catalog cached after the first).`,
      'The translator holds no question- or metric-specific rules for this set: it chooses metrics from what the',
      'Prometheus exposes (names, HELP, labels, values) with general operator vocabulary, units and PromQL recipes.',
    ].join('\n');
    // only the developer set's own sub-section: the held-out sets record theirs next to it
    if (!readFileSync(RESULTS_PATH, 'utf8').includes(sectionHeading))
      writeResultsSection(`${sectionHeading}\n`);
    writeResultsSubsection(sectionHeading, subsection);
    process.stdout.write('written to bench/RESULTS.md\n');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  if (started && !keepEnv) {
    process.stdout.write('stopping the evaluation environment...\n');
    await runScript(['--stop-env'], false);
  }
}
