/**
 * Per-detector cost as a monitor sees it: one `observe` call per tick with the newest sample of
 * every series.
 *
 *   node --expose-gc --import tsx bench/nab/cost.ts [--series 100000] [--ticks 20] [--detectors a,b]
 *     [--mix realistic|four-metrics] [--runs 1]
 *
 * For each detector: nanoseconds per sample (median tick, without and with the `scores` buffer)
 * and bytes of heap per series once every series has state (the series ids are allocated before
 * the measurement, as a monitor already holds them). The default `realistic` mix has 45 % gauges,
 * 40 % counters and 15 % histogram buckets over 100 metric names; `four-metrics` is the earlier
 * load (four metric names in turn, all gauge-like). With `--runs N` every detector is measured N
 * times, in turns, and the table shows the medians (and the range of the ms per tick).
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

/** Which series a measurement feeds the detectors. */
export type SeriesMix = 'realistic' | 'four-metrics';

/** A mutable sample, refreshed in place each tick. */
type MutableSample = { -readonly [Key in keyof Sample]: Sample[Key] };

/** How a synthetic series moves. */
type SeriesKind = 'gauge' | 'counter';

/**
 * The metric families of the realistic mix, as shares of 100 metric names with the same number of
 * series each: 45 gauges, 40 counters the quiet z-score rates (`_total`, and the `_count` and `_sum`
 * of histograms) and 15 histogram `_bucket` names it skips. Names are sorted, as Prometheus
 * answers list them, so kinds alternate at metric boundaries.
 */
function realisticMetrics(): Array<{ metric: string; kind: SeriesKind }> {
  const families: Array<{ metric: string; kind: SeriesKind }> = [];
  for (let index = 0; index < 45; index++) families.push({ metric: `app_gauge_${index}`, kind: 'gauge' });
  for (let index = 0; index < 30; index++)
    families.push({ metric: `app_events_${index}_total`, kind: 'counter' });
  for (let index = 0; index < 5; index++) {
    families.push({ metric: `app_duration_${index}_seconds_count`, kind: 'counter' });
    families.push({ metric: `app_duration_${index}_seconds_sum`, kind: 'counter' });
  }
  for (let index = 0; index < 15; index++)
    families.push({ metric: `app_duration_${index % 5}_seconds_bucket`, kind: 'counter' });
  return families.sort((left, right) =>
    left.metric < right.metric ? -1 : left.metric > right.metric ? 1 : 0,
  );
}

/**
 * The series of a measurement, with a function refreshing their values for a tick. `realistic`:
 * 100 metric names (see {@link realisticMetrics}), each with an equal share of the series, counters
 * increasing by a varying amount each tick. `four-metrics`: the earlier load, four metric names in
 * turn (`cpu_usage`, `memory_usage`, `node_load1`, `http_requests_total`), every value a gauge-like
 * wave (the counter's rate goes up and down through resets).
 */
function syntheticSeries(series: number, mix: SeriesMix): { samples: MutableSample[]; kinds: SeriesKind[] } {
  const samples: MutableSample[] = [];
  const kinds: SeriesKind[] = [];
  const families =
    mix === 'realistic'
      ? realisticMetrics()
      : ['cpu_usage', 'memory_usage', 'node_load1', 'http_requests_total'].map((metric) => ({
          metric,
          kind: 'gauge' as const,
        }));
  const perFamily = Math.ceil(series / families.length);
  for (let index = 0; index < series; index++) {
    const family =
      mix === 'realistic' ? families[Math.floor(index / perFamily)]! : families[index % families.length]!;
    const instance = `host-${index % 5000}.example.internal:9100`;
    const shard = String(Math.floor(index / 5000));
    const labels: Record<string, string> = { instance, job: 'node', shard };
    if (family.metric.endsWith('_bucket')) labels.le = String(2 ** (index % 12));
    const labelText = Object.entries(labels)
      .map(([key, value]) => `${key}="${value}"`)
      .join(',');
    samples.push({
      seriesId: `prod|${family.metric}{${labelText}}`,
      metric: family.metric,
      labels,
      value: 0,
      timestamp: 0,
      target: 'prod',
    });
    kinds.push(family.kind);
  }
  return { samples, kinds };
}

/** Measures one detector: heap per series after a warm-up, then CPU time per `observe` call. */
export function measure(
  name: string,
  create: () => Detector,
  series: number,
  ticks: number,
  mix: SeriesMix = 'realistic',
): CostResult {
  // One set of sample objects, refreshed in place each tick, so the heap holds nothing but the
  // detector's state between the two measurements.
  const { samples, kinds } = syntheticSeries(series, mix);
  const batch = (tick: number): Sample[] => {
    const timestamp = Date.UTC(2024, 0, 1) + tick * 30_000;
    for (let index = 0; index < samples.length; index++) {
      const sample = samples[index]!;
      const wave = Math.sin(index + tick * 0.7);
      sample.value =
        kinds[index] === 'counter'
          ? (1 + (index % 97)) * (tick * 30 + 3 * wave)
          : 50 + 10 * wave + (tick % 3);
      sample.timestamp = timestamp;
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
  const mix = args.get('mix') ?? 'realistic';
  if (mix !== 'realistic' && mix !== 'four-metrics') throw new Error(`unknown mix "${mix}"`);
  if (only) {
    // Child mode: measure one detector in a fresh process and print its result as JSON.
    const create = factories[only];
    if (!create) throw new Error(`unknown detector "${only}"`);
    process.stdout.write(JSON.stringify(measure(only, create, series, ticks, mix)));
    return;
  }
  const names = listArgument(args.get('detectors'));
  const runs = Number(args.get('runs') ?? 1);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, got "${runs}"`);
  if (!gc) console.warn('run with node --expose-gc for heap figures');
  const chosen = Object.keys(factories).filter((name) => names.length === 0 || names.includes(name));
  // Runs take turns (every detector once, then again), so a change in the machine's load falls on
  // all of them alike.
  const results = new Map<string, CostResult[]>(chosen.map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (const name of chosen) {
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
          '--mix',
          mix,
        ],
        { encoding: 'utf8' },
      );
      results.get(name)!.push(JSON.parse(output) as CostResult);
    }
  }
  const runsText = runs > 1 ? `, median of ${runs} runs (range in brackets)` : '';
  console.log(
    `${series} series (${mix} mix), median of ${ticks / 2} ticks each without and with scores, CPU time${runsText}\n`,
  );
  console.log('| detector | ms per tick | ns per sample | ns per sample with scores | bytes per series |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const name of chosen) {
    const measured = results.get(name)!;
    const ticksMs = measured.map((result) => result.msPerTick);
    const range = runs > 1 ? ` (${Math.min(...ticksMs).toFixed(1)}–${Math.max(...ticksMs).toFixed(1)})` : '';
    const figure = (pick: (result: CostResult) => number) => median(measured.map(pick));
    console.log(
      `| ${name} | ${figure((result) => result.msPerTick).toFixed(1)}${range} | ${figure((result) => result.nsPerSample).toFixed(0)} | ${figure((result) => result.nsPerSampleWithScores).toFixed(0)} | ${figure((result) => result.bytesPerSeries).toFixed(0)} |`,
    );
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) main();
