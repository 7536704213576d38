/**
 * Per-detector cost as a monitor sees it: one `observe` call per tick with the newest sample of
 * every series.
 *
 *   node --expose-gc --import tsx bench/nab/cost.ts [--series 100000] [--ticks 20] [--detectors a,b]
 *
 * For each detector: nanoseconds per sample (median tick, without and with the `scores` buffer)
 * and bytes of heap per series once every series has state (the series ids are allocated before
 * the measurement, as a monitor already holds them).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Detector } from '../../packages/core/src/contracts/detector.js';
import {
  adaptiveDetector,
  QUIET_Z_SCORE_OPTIONS,
  rangeDetector,
  seasonalDetector,
  thresholdDetector,
  volatilityDetector,
  zScoreDetector,
} from '../../packages/core/src/detectors/index.js';
import type { Sample } from '../../packages/core/src/model/sample.js';
import { listArgument, parseArguments } from './args.js';

const factories: Record<string, () => Detector> = {
  threshold: () => thresholdDetector(),
  zscore: () => zScoreDetector(),
  'zscore-quiet': () => zScoreDetector({ name: 'zscore-quiet', ...QUIET_Z_SCORE_OPTIONS }),
  range: () => rangeDetector(),
  seasonal: () => seasonalDetector(),
  volatility: () => volatilityDetector(),
  adaptive: () => adaptiveDetector(),
};

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Result of measuring one detector. */
export interface CostResult {
  readonly name: string;
  readonly series: number;
  readonly nsPerSample: number;
  readonly nsPerSampleWithScores: number;
  readonly msPerTick: number;
  readonly bytesPerSeries: number;
}

export function measure(name: string, create: () => Detector, series: number, ticks: number): CostResult {
  const metrics = ['cpu_usage', 'memory_usage', 'node_load1', 'http_requests_total'];
  const ids: string[] = [];
  const labels: Array<Record<string, string>> = [];
  for (let index = 0; index < series; index++) {
    const instance = `host-${index % 5000}.example.internal:9100`;
    const metric = metrics[index % metrics.length]!;
    labels.push({ instance, job: 'node', shard: String(Math.floor(index / 5000)) });
    ids.push(`prod|${metric}{instance="${instance}",job="node",shard="${Math.floor(index / 5000)}"}`);
  }
  // One set of sample objects, refreshed in place each tick, so the heap holds nothing but the
  // detector's state between the two measurements.
  const samples: Array<{ -readonly [Key in keyof Sample]: Sample[Key] }> = ids.map((seriesId, index) => ({
    seriesId,
    metric: metrics[index % metrics.length]!,
    labels: labels[index]!,
    value: 0,
    timestamp: 0,
    target: 'prod',
  }));
  const batch = (tick: number): Sample[] => {
    for (let index = 0; index < samples.length; index++) {
      const sample = samples[index]!;
      sample.value = 50 + 10 * Math.sin(index + tick * 0.7) + (tick % 3);
      sample.timestamp = Date.UTC(2024, 0, 1) + tick * 30_000;
    }
    return samples;
  };
  const before = heapUsed();
  const detector = create();
  const warmup = 12;
  for (let tick = 0; tick < warmup; tick++) detector.observe(batch(tick));
  const bytesPerSeries = (heapUsed() - before) / series;
  const plain: number[] = [];
  const scored: number[] = [];
  const scores = new Float64Array(series);
  for (let tick = warmup; tick < warmup + ticks; tick++) {
    const samples = batch(tick);
    const withScores = tick % 2 === 1;
    const started = process.cpuUsage();
    detector.observe(samples, withScores ? { scores } : undefined);
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) * 1000;
    (withScores ? scored : plain).push(elapsed);
  }
  return {
    name,
    series,
    nsPerSample: median(plain) / series,
    nsPerSampleWithScores: median(scored) / series,
    msPerTick: median(plain) / 1e6,
    bytesPerSeries,
  };
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const series = Number(args.get('series') ?? 100_000);
  const ticks = Number(args.get('ticks') ?? 20);
  const only = args.get('only');
  if (only) {
    // Child mode: measure one detector in a fresh process and print its result as JSON.
    const create = factories[only];
    if (!create) throw new Error(`unknown detector "${only}"`);
    process.stdout.write(JSON.stringify(measure(only, create, series, ticks)));
    return;
  }
  const names = listArgument(args.get('detectors'));
  if (!gc) console.warn('run with node --expose-gc for heap figures');
  console.log(`${series} series, median of ${ticks / 2} ticks each without and with scores, CPU time\n`);
  console.log('| detector | ms per tick | ns per sample | ns per sample with scores | bytes per series |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const name of Object.keys(factories)) {
    if (names.length > 0 && !names.includes(name)) continue;
    const output = execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1]!,
        '--only',
        name,
        '--series',
        String(series),
        '--ticks',
        String(ticks),
      ],
      { encoding: 'utf8' },
    );
    const result = JSON.parse(output) as CostResult;
    console.log(
      `| ${name} | ${result.msPerTick.toFixed(1)} | ${result.nsPerSample.toFixed(0)} | ${result.nsPerSampleWithScores.toFixed(0)} | ${result.bytesPerSeries.toFixed(0)} |`,
    );
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) main();
