/**
 * False alarms of the Watch loop on a quiet host: a real Prometheus scraping the real
 * `prometheus-node-exporter` and itself, watched by the monitor with the reference server's
 * detectors for a few minutes, counting every anomaly that fires. Nothing unusual happens on the
 * host during the run, so every anomaly is a false alarm.
 *
 *   pnpm tsx bench/watch-noise/run.ts [--duration 150] [--interval 2] [--scrape-interval 1s]
 *                                     [--configs server,original] [--top 15] [--warm-up 60]
 *
 * Configurations (each runs its own monitor on the same Prometheus, at the same time):
 * - `server`: the detectors `pnpm start` runs (`serverDetectors()` of `@promptheus/server`,
 *   `Z_THRESHOLD` 3);
 * - `original`: the original service's rules taken literally, which is what the server ran before
 *   `QUIET_Z_SCORE_OPTIONS`: the default threshold rules and a 10-value z-score on every raw value,
 *   flagging any move after a constant window.
 *
 * Prints, per configuration, the anomalies fired per detector (in all, and after the first
 * `--warm-up` seconds, once series have a history), the series they came from, and the metric
 * names that fired most.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import {
  type Anomaly,
  createMemoryStore,
  createMonitor,
  createPrometheusSource,
  type Detector,
  type TickSummary,
  thresholdDetector,
  zScoreDetector,
} from '@promptheus/core';
import { findFreePort, type RunningPrometheus, startPrometheus } from '@promptheus/core/testing';
import { serverDetectors } from '@promptheus/server';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '150' },
    interval: { type: 'string', default: '2' },
    'scrape-interval': { type: 'string', default: '1s' },
    configs: { type: 'string', default: 'server,original' },
    top: { type: 'string', default: '15' },
    'z-threshold': { type: 'string', default: '3' },
    'warm-up': { type: 'string', default: '60' },
  },
});
const durationSeconds = Number(args.duration);
const intervalSeconds = Number(args.interval);
const topCount = Number(args.top);
const zThreshold = Number(args['z-threshold']);
/** Anomalies that fired at least this long after the monitor started count as "after warm-up". */
const WARM_UP_MS = Number(args['warm-up']) * 1000;

const configurations: Record<string, { readonly description: string; readonly create: () => Detector[] }> = {
  server: {
    description: `the server's detectors: serverDetectors({ zThreshold: ${zThreshold} }), i.e. the threshold rules + zScoreDetector({ ...QUIET_Z_SCORE_OPTIONS, threshold: ${zThreshold} })`,
    create: () => serverDetectors({ zThreshold }),
  },
  original: {
    description: `threshold rules + zScoreDetector({ threshold: ${zThreshold}, constantWindow: 'flag', counters: 'raw' })`,
    create: () => [
      thresholdDetector(),
      zScoreDetector({ threshold: zThreshold, constantWindow: 'flag', counters: 'raw' }),
    ],
  },
};
const chosen = args.configs.split(',').filter((name) => name.length > 0);
for (const name of chosen) {
  if (!configurations[name]) {
    throw new Error(`unknown configuration "${name}"; known: ${Object.keys(configurations).join(', ')}`);
  }
}

/** Starts the node exporter on a free loopback port and waits until it serves metrics. */
async function startNodeExporter(): Promise<{ host: string; process: ChildProcess }> {
  const port = await findFreePort();
  const child = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  });
  const started = Date.now();
  while (Date.now() - started < 15_000) {
    if (child.exitCode !== null) throw new Error(`prometheus-node-exporter exited:\n${log}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return { host: `127.0.0.1:${port}`, process: child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`prometheus-node-exporter did not answer within 15 s:\n${log}`);
}

interface Tally {
  readonly name: string;
  /** Names of the configuration's detectors, so those that fired nothing are listed too. */
  readonly detectors: readonly string[];
  readonly fired: Anomaly[];
  readonly ticks: TickSummary[];
}

function report(tally: Tally, seriesCounts: number[], startedAt: number): void {
  const byDetector = new Map<string, { all: number; later: number }>(
    tally.detectors.map((name) => [name, { all: 0, later: 0 }]),
  );
  const series = new Set<string>();
  const byMetric = new Map<string, number>();
  for (const anomaly of tally.fired) {
    const counts = byDetector.get(anomaly.detector) ?? { all: 0, later: 0 };
    counts.all++;
    if (anomaly.startsAt - startedAt >= WARM_UP_MS) counts.later++;
    byDetector.set(anomaly.detector, counts);
    series.add(`${anomaly.detector}|${anomaly.fingerprint}`);
    byMetric.set(anomaly.metric, (byMetric.get(anomaly.metric) ?? 0) + 1);
  }
  const judged = tally.ticks.filter((tick) => tick.errors.length === 0).length;
  console.log(`\n### ${tally.name}: ${configurations[tally.name]!.description}\n`);
  console.log(
    `${tally.ticks.length} ticks (${judged} without errors), ${Math.min(...seriesCounts)}–${Math.max(...seriesCounts)} series per tick; ` +
      `${tally.fired.length} anomalies fired from ${series.size} series.\n`,
  );
  console.log(`| detector | anomalies fired | … after the first ${WARM_UP_MS / 1000} s |`);
  console.log('| --- | ---: | ---: |');
  for (const [detector, counts] of [...byDetector].sort((a, b) => b[1].all - a[1].all))
    console.log(`| ${detector} | ${counts.all} | ${counts.later} |`);
  if (byMetric.size > 0) {
    console.log(`\nMetrics that fired most (top ${topCount}):\n`);
    console.log('| metric | anomalies fired |');
    console.log('| --- | ---: |');
    for (const [metric, count] of [...byMetric].sort((a, b) => b[1] - a[1]).slice(0, topCount))
      console.log(`| ${metric} | ${count} |`);
  }
}

async function main(): Promise<void> {
  let exporter: { host: string; process: ChildProcess } | undefined;
  let prometheus: RunningPrometheus | undefined;
  const stopExporter = () => exporter?.process.kill('SIGKILL');
  process.once('exit', stopExporter);
  try {
    exporter = await startNodeExporter();
    prometheus = await startPrometheus({
      scrapeTargets: [exporter.host],
      scrapeInterval: args['scrape-interval'],
      jobName: 'node',
    });
    // Prometheus scrapes itself too, as most installations do.
    await prometheus.setScrapeTargets([exporter.host, new URL(prometheus.url).host]);
    await prometheus.waitFor('count(up == 1) == 2', undefined, { timeoutMs: 30_000 });
    await prometheus.waitFor('node_load1');
    const url = prometheus.url;

    const tallies: Tally[] = [];
    const monitors = chosen.map((name) => {
      const detectors = configurations[name]!.create();
      const tally: Tally = {
        name,
        detectors: detectors.map((detector) => detector.name),
        fired: [],
        ticks: [],
      };
      tallies.push(tally);
      const monitor = createMonitor({
        source: createPrometheusSource({ targets: [{ name: 'local', url }] }),
        detectors,
        store: createMemoryStore({ maxDocs: 1_000_000 }),
        interval: intervalSeconds,
      });
      monitor.events.on('anomaly:fired', ({ anomaly }) => tally.fired.push(anomaly));
      monitor.events.on('tick:complete', (summary) => tally.ticks.push(summary));
      return monitor;
    });
    console.log(
      `watching a quiet host for ${durationSeconds} s: node exporter + Prometheus itself, scraped every ` +
        `${args['scrape-interval']}, one tick every ${intervalSeconds} s; configurations: ${chosen.join(', ')}`,
    );
    const startedAt = Date.now();
    for (const monitor of monitors) monitor.start();
    await new Promise((resolve) => setTimeout(resolve, durationSeconds * 1000));
    await Promise.all(monitors.map((monitor) => monitor.stop()));
    for (const tally of tallies)
      report(
        tally,
        tally.ticks.map((tick) => tick.samples),
        startedAt,
      );
  } finally {
    await prometheus?.stop();
    if (exporter) {
      exporter.process.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (exporter.process.exitCode === null) exporter.process.kill('SIGKILL');
    }
  }
}

await main();
