/**
 * One monitor tick at 100k series, phase by phase: a synthetic exporter with 100k gauges whose
 * values change every scrape, scraped by a real Prometheus, collected and judged the way the
 * monitor does it.
 *
 * Run with `pnpm bench:tick` (options: `--series N`, `--ticks N`, `--scrape-interval 5s`,
 * `--memory-only`).
 * It restarts itself with `--expose-gc` to measure the detectors' memory.
 *
 * Per tick it measures:
 * - Prometheus: time to the first byte of the instant query's answer (evaluation and encoding
 *   inside Prometheus), plus Prometheus's own `evalTotalTime` from a `stats=all` query;
 * - fetch: transferring the body after the first byte, as a string;
 * - decode: the source's series-remembering decoder (samples with their series ids);
 * - identity: building every series id from scratch, for reference (the warm decoder reuses them);
 * - detect: each default detector's `observe` over the batch;
 * - store: inserting the tick's sampled snapshot (memory and SQLite stores);
 * - the whole `monitor.tick()` with the real source, its phases and wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Detector } from '../../packages/core/src/contracts/detector.js';
import type { TickSummary } from '../../packages/core/src/contracts/events.js';
import type { Store } from '../../packages/core/src/contracts/store.js';
import { defaultDetectors } from '../../packages/core/src/detectors/index.js';
import type { MetricSnapshot } from '../../packages/core/src/model/metric-snapshot.js';
import { type Sample, seriesId } from '../../packages/core/src/model/sample.js';
import { createMonitor } from '../../packages/core/src/monitor/monitor.js';
import { createPrometheusSource } from '../../packages/core/src/prometheus/source.js';
import { createVectorDecoder } from '../../packages/core/src/prometheus/vector-samples.js';
import { createMemoryStore } from '../../packages/core/src/store/memory-store.js';
import { startPrometheus } from '../../packages/core/src/testing/prometheus.js';
import { createId } from '../../packages/core/src/util/id.js';
import { createSqliteStore } from '../../packages/storage-sqlite/src/index.js';
import { median } from '../lib/stats.js';
import { startSyntheticExporter } from './synthetic-exporter.js';

const collectGarbage = (globalThis as { gc?: () => void }).gc;
if (typeof collectGarbage !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
const gc = collectGarbage as () => void;

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '100000' },
    ticks: { type: 'string', default: '8' },
    'scrape-interval': { type: 'string', default: '5s' },
    'memory-only': { type: 'boolean', default: false },
  },
});
const seriesCount = Number(args.series);
const tickCount = Number(args.ticks);
const scrapeInterval = args['scrape-interval'];
const TARGET = 'bench';
const SELECTOR = '{job="synthetic"}';

interface Row {
  prometheusMs: number;
  evalMs: number;
  fetchMs: number;
  fetchCpuMs: number;
  undiciFetchMs: number;
  undiciFetchCpuMs: number;
  undiciFirstByteMs: number;
  bodyMB: number;
  decodeMs: number;
  identityMs: number;
  detectMs: Record<string, number>;
  storeMemoryMs: number;
  storeSqliteMs: number;
  monitor: TickSummary;
}

/** GET on Prometheus with node:http, timing the first byte and the rest of the body separately. */
function timedGet(
  url: string,
): Promise<{ firstByteMs: number; transferMs: number; transferCpuMs: number; text: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const call = request(url, { agent: false }, (response) => {
      const firstByte = performance.now();
      const cpu = process.cpuUsage();
      const chunks: Buffer[] = [];
      let firstChunk: number | undefined;
      response.on('data', (chunk: Buffer) => {
        firstChunk ??= performance.now();
        chunks.push(chunk);
      });
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const ended = performance.now();
        // Headers arrive with the first body bytes: the answer is fully encoded by then.
        const answerAt = Math.min(firstByte, firstChunk ?? firstByte);
        const used = process.cpuUsage(cpu);
        resolve({
          firstByteMs: answerAt - started,
          transferMs: ended - answerAt,
          transferCpuMs: (used.user + used.system) / 1000,
          text,
        });
      });
      response.on('error', reject);
    });
    call.on('error', reject);
    call.end();
  });
}

/** CPU milliseconds (user + system) and wall milliseconds of `run`. */
function cpuTimed<T>(run: () => T): { result: T; cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const result = run();
  const used = process.cpuUsage(cpu);
  return { result, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

async function timedAsync(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function snapshotOf(samples: readonly Sample[]): MetricSnapshot {
  const take = Math.min(50, samples.length);
  const step = samples.length / take;
  const metrics = [];
  for (let index = 0; index < take; index++) {
    const sample = samples[Math.floor(index * step)]!;
    metrics.push({ metric: sample.metric, labels: { ...sample.labels }, value: sample.value });
  }
  const now = Date.now();
  return { id: createId(now), timestamp: now, count: samples.length, metrics, targets: [TARGET], errors: [] };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

async function main() {
  // Memory first, in a quiet heap: nothing else has been allocated yet.
  const memoryRows = await measureDetectorMemory();
  if (args['memory-only']) {
    for (const row of memoryRows) process.stdout.write(`${row.name}: ${fixed(row.bytes / 1e6)} MB\n`);
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'promptheus-tick-'));
  const exporter = await startSyntheticExporter({ series: seriesCount });
  const prometheus = await startPrometheus({
    scrapeTargets: [exporter.address],
    scrapeInterval,
    jobName: 'synthetic',
    startTimeoutMs: 60_000,
  });
  const sqlite = createSqliteStore({ path: join(directory, 'bench.sqlite') });
  const memory: Store = createMemoryStore();
  try {
    process.stdout.write(
      `waiting for Prometheus to ingest ${exporter.series} series (scrape every ${scrapeInterval})...\n`,
    );
    await prometheus.waitFor(
      `count(${SELECTOR})`,
      (series) => (series[0]?.value.value ?? 0) >= exporter.series,
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    const queryUrl = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(SELECTOR)}`;
    const decoder = createVectorDecoder({ target: TARGET });
    const detectors = defaultDetectors();
    const monitorStore = createMemoryStore();
    const monitor = createMonitor({
      source: createPrometheusSource({
        targets: [{ name: TARGET, url: prometheus.url }],
        selectors: [SELECTOR],
        timeoutMs: 30_000,
      }),
      detectors: defaultDetectors(),
      store: monitorStore,
      interval: 30,
    });

    const rows: Row[] = [];
    let lastScrape = exporter.scrapes;
    let firstDecodeMs = 0;
    for (let tick = 0; tick < tickCount; tick++) {
      // One tick per scrape, so every tick sees new values.
      const deadline = Date.now() + 30_000;
      while (exporter.scrapes === lastScrape && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      lastScrape = exporter.scrapes;
      await new Promise((resolve) => setTimeout(resolve, 1000)); // let the append finish

      const answer = await timedGet(queryUrl);
      const undiciStarted = performance.now();
      // Uncompressed, as the source asks by default (gzip costs more than it saves on a LAN).
      const undiciResponse = await fetch(queryUrl, { headers: { 'accept-encoding': 'identity' } });
      const undiciHeaders = performance.now();
      const undiciCpu = process.cpuUsage();
      await undiciResponse.text();
      const undiciUsed = process.cpuUsage(undiciCpu);
      const undiciTransferMs = performance.now() - undiciHeaders;
      const undiciTransferCpuMs = (undiciUsed.user + undiciUsed.system) / 1000;
      const undiciFirstByteMs = undiciHeaders - undiciStarted;
      const stats = await timedGet(`${queryUrl}&stats=all`);
      const statsAt = stats.text.lastIndexOf('"stats":');
      const evalSeconds =
        statsAt === -1
          ? Number.NaN
          : (JSON.parse(stats.text.slice(statsAt + 8, -2)) as { timings: { evalTotalTime: number } }).timings
              .evalTotalTime;

      const decoded = cpuTimed(() => decoder.decode(answer.text).samples);
      const samples = decoded.result;
      if (tick === 0) firstDecodeMs = decoded.cpuMs;
      const identity = cpuTimed(() => {
        let length = 0;
        for (const sample of samples) length += seriesId(sample.metric, sample.labels, sample.target).length;
        return length;
      });
      const detectMs: Record<string, number> = {};
      for (const detector of detectors)
        detectMs[detector.name] = cpuTimed(() => detector.observe(samples)).cpuMs;
      const snapshot = snapshotOf(samples);
      const storeMemoryMs = await timedAsync(() => memory.snapshots.insert(snapshot));
      const storeSqliteMs = await timedAsync(() => sqlite.snapshots.insert({ ...snapshot, id: createId() }));

      const summary = await monitor.tick();
      if (summary.errors.length > 0 || summary.samples < exporter.series) {
        throw new Error(`monitor tick failed: ${JSON.stringify(summary.errors)} samples=${summary.samples}`);
      }
      rows.push({
        prometheusMs: answer.firstByteMs,
        evalMs: evalSeconds * 1000,
        fetchMs: answer.transferMs,
        fetchCpuMs: answer.transferCpuMs,
        undiciFetchMs: undiciTransferMs,
        undiciFetchCpuMs: undiciTransferCpuMs,
        undiciFirstByteMs,
        bodyMB: Buffer.byteLength(answer.text) / 1e6,
        decodeMs: decoded.cpuMs,
        identityMs: identity.cpuMs,
        detectMs,
        storeMemoryMs,
        storeSqliteMs,
        monitor: summary,
      });
      process.stdout.write(
        `tick ${tick + 1}: prometheus ${fixed(answer.firstByteMs)} ms, fetch ${fixed(answer.transferMs)} ms, decode ${fixed(decoded.cpuMs)} ms, ` +
          `detect ${Object.entries(detectMs)
            .map(([name, ms]) => `${name} ${fixed(ms)}`)
            .join(' / ')} ms, monitor tick ${fixed(summary.durationMs)} ms\n`,
      );
    }

    report(rows, memoryRows, firstDecodeMs, exporter.renderMs);
    await monitor.stop();
  } finally {
    await prometheus.stop();
    await exporter.close();
    await sqlite.close();
    await memory.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Heap plus typed-array memory after two full collections. */
async function settledMemory(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Memory of each default detector's per-series state with `seriesCount` series and full windows:
 * 12 batches of the same series (ids and labels allocated beforehand, as the source's decoder
 * keeps them), with changing values.
 */
async function measureDetectorMemory(): Promise<Array<{ name: string; bytes: number }>> {
  const modes = ['user', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
  const base: Sample[] = [];
  for (let index = 0; index < seriesCount; index++) {
    const metric = `synthetic_metric_${String(index % 100).padStart(3, '0')}`;
    const labels = {
      instance: `host-${index >> 3}:9100`,
      job: 'synthetic',
      cpu: String(index % 16),
      mode: modes[index % 8]!,
    };
    base.push({
      seriesId: seriesId(metric, labels, TARGET),
      metric,
      labels,
      value: 0,
      timestamp: 0,
      target: TARGET,
    });
  }
  const batches = [0, 1, 2].map((round) =>
    base.map((sample, index) => ({
      ...sample,
      value: 20 + ((index * 31 + round * 977) % 4096) / 409.6,
      timestamp: round * 5000,
    })),
  );
  const names = [...defaultDetectors().map((detector) => detector.name), 'all default detectors'];
  const result: Array<{ name: string; bytes: number }> = [];
  for (const name of names) result.push({ name, bytes: await measureOne(name, batches) });
  return result;
}

/** Memory held by fresh detectors after 12 batches; in its own frame so nothing outlives it. */
async function measureOne(name: string, batches: readonly Sample[][]): Promise<number> {
  const before = await settledMemory();
  const detectors: Detector[] = defaultDetectors().filter(
    (detector) => name === 'all default detectors' || detector.name === name,
  );
  for (let round = 0; round < 12; round++)
    for (const detector of detectors) detector.observe(batches[round % 3]!);
  const after = await settledMemory();
  // Keep the detectors alive until after the measurement.
  if (detectors.length === 0) throw new Error(`no detector named ${name}`);
  return after - before;
}

function report(
  rows: readonly Row[],
  memoryRows: ReadonlyArray<{ name: string; bytes: number }>,
  firstDecodeMs: number,
  renderMs: number,
) {
  // The first tick decodes cold (series not seen before); steady state is every later tick.
  const steady = rows.length > 1 ? rows.slice(1) : rows;
  const pick = (select: (row: Row) => number) => median(steady.map(select));
  const detectorNames = Object.keys(rows[0]!.detectMs);
  const prometheusMs = pick((row) => row.prometheusMs);
  const evalMs = pick((row) => row.evalMs);
  const fetchMs = pick((row) => row.fetchCpuMs);
  const undiciMs = pick((row) => row.undiciFetchCpuMs);
  const decodeMs = pick((row) => row.decodeMs);
  const identityMs = pick((row) => row.identityMs);
  const detectTotal = pick((row) => Object.values(row.detectMs).reduce((sum, value) => sum + value, 0));
  const storeMs = pick((row) => row.storeSqliteMs);
  const clientMs = decodeMs + detectTotal + storeMs;
  const monitorPhases = new Set(steady.flatMap((row) => Object.keys(row.monitor.phases)));
  const lines = [
    `Synthetic exporter: ${rows[0]?.monitor.samples ?? 0} series, ${fixed(pick((row) => row.bodyMB))} MB answer per query, ${steady.length} steady ticks (median; first tick decodes cold: ${fixed(firstDecodeMs)} ms). Node ${process.version}, Prometheus ${scrapeInterval} scrape interval. Client-side figures are CPU time of this process.`,
    '',
    '| phase | median ms per tick |',
    '|---|---:|',
    `| Prometheus: query answered (time to first byte) | ${fixed(prometheusMs)} |`,
    `| … of which evaluation (\`stats=all\` evalTotalTime) | ${fixed(evalMs)} |`,
    `| fetch: body after the first byte, node:http (CPU ms; wall ${fixed(pick((row) => row.fetchMs))}) | ${fixed(fetchMs)} |`,
    `| fetch: body after the headers, \`fetch()\` without compression as the source does (CPU ms; wall ${fixed(pick((row) => row.undiciFetchMs))}) | ${fixed(undiciMs)} |`,
    `| decode + series identity (warm decoder) | ${fixed(decodeMs)} |`,
    `| series identity from scratch (reference, not in the tick) | ${fixed(identityMs)} |`,
    ...detectorNames.map(
      (name) =>
        `| detect: ${name} | ${fixed(
          pick((row) => row.detectMs[name]!),
          2,
        )} |`,
    ),
    `| store: sampled snapshot, SQLite file | ${fixed(storeMs, 2)} |`,
    `| store: sampled snapshot, memory | ${fixed(
      pick((row) => row.storeMemoryMs),
      2,
    )} |`,
    `| **client-side (decode + detect + store)** | **${fixed(clientMs)}** = ${fixed((clientMs / prometheusMs) * 100)} % of Prometheus |`,
    `| client-side including the body transfer with \`fetch()\` | ${fixed(clientMs + undiciMs)} = ${fixed(((clientMs + undiciMs) / prometheusMs) * 100)} % of Prometheus |`,
    '',
    `Whole \`monitor.tick()\` with \`createPrometheusSource\` (fetch through undici), memory store, default detectors — wall ms: ` +
      [...monitorPhases]
        .map((phase) => `${phase} ${fixed(pick((row) => row.monitor.phases[phase] ?? 0))}`)
        .join(', ') +
      `; total ${fixed(pick((row) => row.monitor.durationMs))}.`,
    '',
    '| detector state at 100k series, windows full | heap |',
    '|---|---:|',
    ...memoryRows.map(
      (row) =>
        `| ${row.name} | ${fixed(row.bytes / 1e6)} MB (${fixed(row.bytes / (rows[0]?.monitor.samples || 1), 0)} B/series) |`,
    ),
    '',
    `Exporter rendering per scrape (outside the tick): ${fixed(renderMs)} ms.`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `tick benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
