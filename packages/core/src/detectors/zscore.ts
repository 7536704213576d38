import { z } from 'zod';
import type { Detector, DetectorFinding } from '../contracts/detector.js';
import type { Severity } from '../model/common.js';
import type { Sample } from '../model/sample.js';
import {
  type CounterPolicy,
  counterModeResolver,
  counterRate,
  MODE_RATE,
  MODE_SKIP,
  MODE_UNKNOWN,
} from './counters.js';
import { finiteOrNull, formatValue } from './format.js';
import { gaussianSurprise, surpriseToScore } from './math.js';
import { parseDetectorOptions } from './options.js';
import { createSeriesSlots, growFloat64, growInt32 } from './series-slots.js';
import {
  type CalibratorShape,
  calibratorCount,
  calibratorMaximum,
  calibratorPush,
  calibratorSize,
  calibratorSurprise,
  resetCalibrator,
} from './tail-calibrator.js';

/** Options of {@link zScoreDetector}. */
export interface ZScoreDetectorOptions {
  /**
   * Detector name, as it appears on anomalies.
   * @default 'zscore'
   */
  readonly name?: string;
  /**
   * How many of the latest values of each series make up its baseline.
   * @default 10
   */
  readonly window?: number;
  /**
   * Fewest values in the window before the detector judges a series (earlier samples score 0).
   * @default 5
   */
  readonly minSamples?: number;
  /**
   * A sample is anomalous when `|z| > threshold` (`Z_THRESHOLD` on the server).
   * @default 3.0
   */
  readonly threshold?: number;
  /**
   * Severity of a finding: a fixed severity, or a function of `|z|`.
   * @default `'high'` when `|z| >= 2 * threshold`, otherwise `'medium'`
   */
  readonly severity?: Severity | ((absoluteZ: number) => Severity);
  /**
   * Which samples to watch; others score 0 and keep no state.
   * @default every sample
   * @example `(sample) => !sample.metric.endsWith('_total')`
   */
  readonly include?: (sample: Sample) => boolean;
  /**
   * What to do when the window's values are all equal (a flat series): its standard deviation is
   * 0, so z is undefined. `'ignore'` gives the next sample score 0 and no finding, whatever its
   * value, as the original service did (a gauge that sat at 10 and moves to 11 is not an anomaly;
   * the threshold rules watch hard limits). `'flag'` reports any different value (reason
   * "... its last 10 values were all 10") and scores it as far beyond the threshold.
   * @default 'ignore'
   * @example `zScoreDetector({ constantWindow: 'flag' })`
   */
  readonly constantWindow?: 'ignore' | 'flag';
  /**
   * How cumulative counters are judged (see {@link CounterPolicy}): `'raw'` computes z on the
   * cumulative value, `'rate'` on the per-second increase between consecutive samples (resets
   * handled like Prometheus; a series needs one more sample before it is judged), `'skip'` leaves
   * counters out; or a function of the metric name choosing per series (called once per series).
   * A z-score of a raw cumulative value mostly measures how long the process has been up;
   * `defaultDetectors()` and the server use `quietCounterPolicy` (rates, buckets skipped).
   * @default 'raw' (the original service's semantics)
   * @example `zScoreDetector({ counters: 'rate' })`
   */
  readonly counters?: CounterPolicy;
  /**
   * Keeps a slow moving average of the series' standard deviation and uses it as a floor for the
   * window's: after a calm stretch of `window` values the series' usual jitter is still measured
   * against its usual size. The value is the weight of one sample: while the window fills, the
   * average follows each sample's distance from the window's mean; afterwards it takes in the
   * window's standard deviation once per turn of the window, with weight `window × longRunSpread
   * / 2`. 0.02 remembers roughly the last hundred samples. 0 turns it off.
   * @default 0 (the original service's rule); 0.02 in `defaultDetectors()`
   * @example `zScoreDetector({ longRunSpread: 0.02 })`
   */
  readonly longRunSpread?: number;
  /**
   * Judges each |z| beyond the threshold once more against the z-scores the same metric (every
   * series of one metric name on one target) reached in its last `metricHistory` observations
   * (one per `observe` call, the largest |z| among its series): it is reported only when it is
   * also rare there, about 1 in 8,000 or rarer (a surprise of 9 nats, measured like the novelty
   * detectors do). So a metric whose series often jump far — scrape and GC durations on a busy
   * host — needs a jump beyond its usual ones, while a metric that never moved is judged by the
   * threshold alone. Judging starts after 3 observations of the metric. 0 turns it off.
   * @default 0 (the original service's rule); 200 in `defaultDetectors()`
   * @example `zScoreDetector({ metricHistory: 200 })`
   */
  readonly metricHistory?: number;
}

const optionsSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'must contain only lowercase letters, digits and dashes'),
  window: z.number().int().min(2).max(100_000),
  minSamples: z.number().int().min(2),
  threshold: z.number().positive().finite(),
  constantWindow: z.enum(['ignore', 'flag']),
  counters: z.union([
    z.enum(['rate', 'raw', 'skip']),
    z.custom<(metric: string) => 'rate' | 'raw' | 'skip'>((value) => typeof value === 'function', {
      message: "must be 'rate', 'raw', 'skip' or a function of the metric name",
    }),
  ]),
  longRunSpread: z.number().min(0).max(1),
  metricHistory: z.number().int().min(0).max(1_000_000),
});

/** What a finding reports about the judged sample. */
interface Statistics {
  readonly score: number;
  readonly mean: number;
  readonly deviation: number;
  /** Whether the window had no spread (z undefined). */
  readonly constant: boolean;
  readonly zValue: number;
  /** Values in the window. */
  readonly count: number;
  /** The largest |z| in the metric's recent history, or NaN without one. */
  readonly metricHigh: number;
}

function metricEvidence(statistics: Statistics): { metricHighZ?: number } {
  return Number.isNaN(statistics.metricHigh) ? {} : { metricHighZ: statistics.metricHigh };
}

/** Observations of a metric before its z-score history judges anything. */
const METRIC_HISTORY_MINIMUM = 3;
/** Surprise (nats) a |z| must reach against its metric's history: about 1 in 8,000. */
const METRIC_RARITY = 9;
// A slot's record: 32 bytes, two per cache line. Reals (float64 index within the record):
const MEAN = 0;
const SQUARES = 1;
const RECORD_REALS = 4;
// Integers (int32 index within the record):
const COUNT = 4;
const HEAD = 5;
/** Counter mode (low two bits; 0 = not decided yet) and metric index (above). */
const KIND = 6;
/** Float32 index within the record: the long-run deviation (when longRunSpread is on). */
const LONG_DEVIATION = 7;
const RECORD_WORDS = 8;
// A rated counter's previous raw value and time, in a separate array (float64 index).
const PREVIOUS_VALUE = 0;
const PREVIOUS_TIME = 1;
/** Mean absolute deviation of a Gaussian times this is its standard deviation. */
const MEAN_DEVIATION_TO_STANDARD = Math.sqrt(Math.PI / 2);

/** Below this relative spread (about one unit in the last place) a window counts as constant. */
const CONSTANT_RELATIVE_SPREAD = 2 ** -50;
/** The deviation unit used against a constant window: one unit in the last place of the values. */
const RESOLUTION = 2 ** -52;

/**
 * The rolling z-score detector of the original service: for each series it keeps the last
 * `window` values and flags a sample when it lies more than `threshold` standard deviations from
 * their mean. The sample is compared with the window *before* it is added to it; a series is judged
 * once its window holds `minSamples` values.
 *
 * Details:
 * - The standard deviation is the **population** one (divides by the number of values), as
 *   NumPy's `std` does.
 * - A window whose values are all equal has no spread, so z is undefined: by default the next
 *   sample scores 0 and is not reported, whatever its value (`constantWindow: 'ignore'`, as the
 *   original service skipped series with zero deviation); with `constantWindow: 'flag'` any
 *   different value is anomalous (reason "... were all 0"). Nothing becomes NaN.
 * - Cumulative counters (`_total`, `_count`, `_sum`, `_bucket`, `_created`) are judged on their
 *   raw value by default, as the original service did; `counters: 'rate'` judges their per-second
 *   increase instead (a drop is a counter reset), `'skip'` leaves them out, and a function chooses
 *   per series. The choice is made once per series.
 * - A rate uses the samples' timestamps: a series needs two samples before its rate is judged,
 *   and a sample whose timestamp did not move forward is skipped (score 0).
 * - Two options make it quiet on real hosts, where many series are heavy-tailed (durations, GC
 *   pauses) and would otherwise cross 3 standard deviations every few minutes: `longRunSpread`
 *   keeps a calm stretch from shrinking the spread below the series' usual jitter, and
 *   `metricHistory` reports a |z| only when it is also rare among the recent z-scores of the same
 *   metric. With it the score is the lesser of the two surprises. `defaultDetectors()` turns both
 *   on (see `QUIET_Z_SCORE_OPTIONS`).
 * - Mean and spread are updated incrementally (Welford) over a ring buffer and recomputed exactly
 *   every `window` samples, so values around 1e9 with tiny noise keep their precision.
 * - Non-finite values (NaN, ±Inf) are skipped: score 0, no finding, not added to the window.
 * - Score: `-ln` of the two-sided Gaussian tail of `z`, squashed into [0, 1) (0.5 at 3 sigma),
 *   strictly increasing in `|z|`, never exactly 1.
 * - Memory: `8 * window + 32` bytes of typed arrays per series (16 more when counters can be
 *   rated; slabs grow by doubling), plus a map entry for the series id: about 230 bytes per series
 *   with the default window (250 with the quiet options), 23 MB for 100k series; `metricHistory`
 *   adds about 300 bytes per metric name. Cost: about 50–100 ns per sample, a third to a half more
 *   with the quiet options (a few hundred when scores are requested); see `bench/RESULTS.md`.
 *
 * @example
 * ```ts
 * const detector = zScoreDetector({ threshold: 3.5 });
 * const findings = detector.observe(samples);
 * ```
 */
export function zScoreDetector(options: ZScoreDetectorOptions = {}): Detector {
  const { name, window, minSamples, threshold, constantWindow, counters, longRunSpread, metricHistory } =
    parseDetectorOptions(
      optionsSchema,
      {
        name: options.name ?? 'zscore',
        window: options.window ?? 10,
        minSamples: options.minSamples ?? 5,
        threshold: options.threshold ?? 3,
        constantWindow: options.constantWindow ?? 'ignore',
        counters: options.counters ?? 'raw',
        longRunSpread: options.longRunSpread ?? 0,
        metricHistory: options.metricHistory ?? 0,
      },
      'zScoreDetector',
    );
  if (minSamples > window) {
    parseDetectorOptions(
      z.object({ minSamples: z.number().max(window, `must not exceed window (${window})`) }),
      { minSamples },
      'zScoreDetector',
    );
  }
  const severityOption = options.severity;
  const severityOf =
    typeof severityOption === 'function'
      ? severityOption
      : severityOption !== undefined
        ? () => severityOption
        : (absoluteZ: number): Severity => (absoluteZ >= 2 * threshold ? 'high' : 'medium');
  const include = options.include;
  const flagConstant = constantWindow === 'flag';
  /** Weight of one turn of the window in the long-run spread (see `longRunSpread`). */
  const turnWeight = Math.min(1, (longRunSpread * window) / 2);

  const modeOf = counterModeResolver(counters, 'zScoreDetector');
  // Counter modes per slot (decided once per series) and, when rates are possible, the previous
  // raw sample of each series.
  const tracksRates = counters !== 'raw';
  // Per-series state: the window's values (a ring) and a 32-byte record per slot (so a tick
  // streams through few arrays): the window's mean, sum of squared deviations, count and head,
  // the series' kind (counter mode in the low two bits, the metric's index when metricHistory > 0
  // above them) and its long-run deviation; rated counters also keep their previous raw sample.
  let values = new Float64Array(0);
  let reals = new Float64Array(0);
  let integers = new Int32Array(0);
  let singles = new Float32Array(0);
  let previous = new Float64Array(0);
  const slots = createSeriesSlots((capacity) => {
    values = growFloat64(values, capacity * window);
    reals = growFloat64(reals, capacity * RECORD_REALS);
    integers = new Int32Array(reals.buffer);
    singles = new Float32Array(reals.buffer);
    if (tracksRates) previous = growFloat64(previous, capacity * 2);
  });

  // Per metric: a tail calibrator over its largest |z| per observation, and this observation's
  // largest |z| so far (-1 while none).
  const metricShape: CalibratorShape = {
    keep: 5,
    blocks: 4,
    blockLength: Math.max(1, Math.ceil(metricHistory / 4)),
    minObservations: METRIC_HISTORY_MINIMUM,
    tailGaps: 4,
  };
  const metricStateSize = calibratorSize(metricShape);
  const metricIndexes = new Map<string, number>();
  let metricStates = new Float64Array(0);
  let metricLargest = new Float64Array(0);
  let touchedMetrics = new Int32Array(0);
  let touchedCount = 0;

  function metricIndexOf(sample: Sample): number {
    const key = `${sample.target}\u0000${sample.metric}`;
    let metric = metricIndexes.get(key);
    if (metric !== undefined) return metric;
    metric = metricIndexes.size;
    metricIndexes.set(key, metric);
    if (metric >= metricLargest.length) {
      const capacity = Math.max(16, metricLargest.length * 2);
      metricStates = growFloat64(metricStates, capacity * metricStateSize);
      metricLargest = growFloat64(metricLargest, capacity);
      touchedMetrics = growInt32(touchedMetrics, capacity);
      metricLargest.fill(-1, metric);
    }
    resetCalibrator(metricStates, metric * metricStateSize, metricShape);
    return metric;
  }

  /** Surprise (nats) of `absoluteZ` against its metric's history; +Infinity while it is too short. */
  function metricSurprise(metric: number, absoluteZ: number): number {
    const offset = metric * metricStateSize;
    if (calibratorCount(metricStates, offset) < METRIC_HISTORY_MINIMUM) return Number.POSITIVE_INFINITY;
    return calibratorSurprise(metricStates, offset, metricShape, absoluteZ);
  }

  function closeMetricObservation(): void {
    for (let index = 0; index < touchedCount; index++) {
      const metric = touchedMetrics[index]!;
      calibratorPush(metricStates, metric * metricStateSize, metricShape, metricLargest[metric]!);
      metricLargest[metric] = -1;
    }
    touchedCount = 0;
  }

  function recompute(slot: number, count: number): void {
    const base = slot * window;
    let sum = 0;
    for (let index = 0; index < count; index++) sum += values[base + index]!;
    const mean = sum / count;
    let squareSum = 0;
    let correction = 0;
    for (let index = 0; index < count; index++) {
      const difference = values[base + index]! - mean;
      squareSum += difference * difference;
      correction += difference;
    }
    // Second-order correction of the two-pass algorithm.
    const real = slot * RECORD_REALS;
    const squares = Math.max(0, squareSum - (correction * correction) / count);
    reals[real + MEAN] = mean + correction / count;
    reals[real + SQUARES] = squares;
    if (longRunSpread > 0) {
      // The long-run spread: a moving average of the window's deviation, once per turn.
      const deviation = Math.sqrt(squares / count);
      const word = slot * RECORD_WORDS + LONG_DEVIATION;
      const longDeviation = singles[word]!;
      singles[word] =
        longDeviation === 0 ? deviation : longDeviation + turnWeight * (deviation - longDeviation);
    }
  }

  function push(slot: number, value: number): void {
    const real = slot * RECORD_REALS;
    const word = slot * RECORD_WORDS;
    const count = integers[word + COUNT]!;
    const head = integers[word + HEAD]!;
    const position = slot * window + head;
    const nextHead = head + 1 === window ? 0 : head + 1;
    integers[word + HEAD] = nextHead;
    const mean = reals[real + MEAN]!;
    if (count < window) {
      values[position] = value;
      const next = count + 1;
      integers[word + COUNT] = next;
      if (longRunSpread > 0 && count > 0) {
        // While the window fills, the long-run spread follows each distance from its mean (the
        // first one starts it); afterwards it moves once per turn of the window (see recompute).
        const spread = MEAN_DEVIATION_TO_STANDARD * Math.abs(value - mean);
        const longDeviation = count === 1 ? spread : singles[word + LONG_DEVIATION]!;
        singles[word + LONG_DEVIATION] = longDeviation + longRunSpread * (spread - longDeviation);
      }
      const delta = value - mean;
      const nextMean = mean + delta / next;
      reals[real + MEAN] = nextMean;
      reals[real + SQUARES] = Math.max(0, reals[real + SQUARES]! + delta * (value - nextMean));
      return;
    }
    const old = values[position]!;
    values[position] = value;
    const delta = value - old;
    const nextMean = mean + delta / count;
    reals[real + MEAN] = nextMean;
    reals[real + SQUARES] = Math.max(0, reals[real + SQUARES]! + delta * (value - nextMean + (old - mean)));
    // Once per turn of the full ring, recompute exactly so rounding errors cannot accumulate.
    if (nextHead === 0) recompute(slot, count);
  }

  function valueFinding(sample: Sample, statistics: Statistics): DetectorFinding {
    const { score, mean, deviation, constant, zValue, count } = statistics;
    const value = sample.value;
    const absoluteZ = Math.abs(zValue);
    const direction = zValue > 0 ? 'above' : 'below';
    return {
      sample,
      score,
      severity: severityOf(constant ? Number.POSITIVE_INFINITY : absoluteZ),
      reason: constant
        ? `${sample.metric} is ${formatValue(value)}; its last ${count} values were all ${formatValue(mean)}`
        : `${sample.metric} is ${formatValue(value)}, ${formatValue(absoluteZ)} standard deviations ${direction} its mean of ${formatValue(mean)} over the last ${count} values`,
      evidence: {
        value,
        mean,
        stddev: constant ? 0 : deviation,
        z: constant ? null : finiteOrNull(zValue),
        threshold,
        window: count,
        ...metricEvidence(statistics),
      },
    };
  }

  /** A finding on the rate of a counter; `mean` and `deviation` describe the recent rates. */
  function rateFinding(sample: Sample, rate: number, statistics: Statistics): DetectorFinding {
    const { score, mean, deviation, constant, zValue, count } = statistics;
    const absoluteZ = Math.abs(zValue);
    const direction = zValue > 0 ? 'above' : 'below';
    return {
      sample,
      score,
      severity: severityOf(constant ? Number.POSITIVE_INFINITY : absoluteZ),
      reason: constant
        ? `${sample.metric} increases by ${formatValue(rate)}/s; its rate was ${formatValue(mean)}/s in each of its last ${count} intervals`
        : `${sample.metric} increases by ${formatValue(rate)}/s, ${formatValue(absoluteZ)} standard deviations ${direction} its mean rate of ${formatValue(mean)}/s over the last ${count} intervals`,
      evidence: {
        value: sample.value,
        rate,
        meanRate: mean,
        stddevRate: constant ? 0 : deviation,
        z: constant ? null : finiteOrNull(zValue),
        threshold,
        window: count,
        ...metricEvidence(statistics),
      },
    };
  }

  /**
   * Scores a sample whose |z| is beyond the threshold (or every sample when scores are requested)
   * and builds its finding when it is anomalous. Kept out of the loop, which rarely needs it.
   */
  function judge(
    sample: Sample,
    value: number,
    kind: number,
    mean: number,
    deviation: number,
    constant: boolean,
    zValue: number,
    count: number,
    scores: Float64Array | undefined,
    index: number,
  ): DetectorFinding | undefined {
    const absoluteZ = Math.abs(zValue);
    let anomalous = absoluteZ > threshold;
    let surprise = gaussianSurprise(absoluteZ);
    let metricHigh = Number.NaN;
    if (metricHistory > 0) {
      const metric = kind >> 2;
      const rarity = metricSurprise(metric, absoluteZ);
      if (rarity !== Number.POSITIVE_INFINITY) {
        metricHigh = calibratorMaximum(metricStates, metric * metricStateSize, metricShape);
        if (rarity < METRIC_RARITY) anomalous = false;
        // As surprising as the less surprising of the two judgements.
        if (rarity < surprise) surprise = rarity;
      }
    }
    const score = surpriseToScore(surprise);
    if (scores) scores[index] = score;
    if (!anomalous) return undefined;
    const statistics = { score, mean, deviation, constant, zValue, count, metricHigh };
    return (kind & 3) === MODE_RATE
      ? rateFinding(sample, value, statistics)
      : valueFinding(sample, statistics);
  }

  return {
    name,
    observe(samples, observeOptions) {
      const scores = observeOptions?.scores;
      let findings: DetectorFinding[] | undefined;
      for (let index = 0; index < samples.length; index++) {
        const sample = samples[index]!;
        if (scores) scores[index] = 0;
        let value = sample.value;
        if (!Number.isFinite(value)) continue;
        if (include && !include(sample)) continue;
        const slot = slots.acquireAt(index, sample.seriesId);
        const real = slot * RECORD_REALS;
        const word = slot * RECORD_WORDS;
        let kind = integers[word + KIND]!;
        if (kind === MODE_UNKNOWN) {
          kind = modeOf(sample) | (metricHistory > 0 ? metricIndexOf(sample) << 2 : 0);
          integers[word + KIND] = kind;
          if (tracksRates) previous[slot * 2 + PREVIOUS_TIME] = Number.NaN;
        }
        const mode = kind & 3;
        if (mode === MODE_SKIP) continue;
        const rated = mode === MODE_RATE;
        if (rated) {
          const at = slot * 2;
          const rate = counterRate(
            previous[at + PREVIOUS_VALUE]!,
            previous[at + PREVIOUS_TIME]!,
            value,
            sample.timestamp,
          );
          previous[at + PREVIOUS_VALUE] = value;
          previous[at + PREVIOUS_TIME] = sample.timestamp;
          if (Number.isNaN(rate)) continue;
          value = rate;
        }
        const count = integers[word + COUNT]!;
        const mean = reals[real + MEAN]!;
        if (count >= minSamples) {
          let deviation = Math.sqrt(reals[real + SQUARES]! / count);
          const difference = value - mean;
          const constant = deviation <= Math.abs(mean) * CONSTANT_RELATIVE_SPREAD;
          if (!constant && longRunSpread > 0) {
            const longDeviation = singles[word + LONG_DEVIATION]!;
            if (longDeviation > deviation) deviation = longDeviation;
          }
          let zValue: number;
          if (!constant) zValue = difference / deviation;
          else if (difference === 0 || !flagConstant) zValue = 0;
          else zValue = difference / (Math.max(Math.abs(mean), Math.abs(value)) * RESOLUTION);
          const absoluteZ = Math.abs(zValue);
          if (absoluteZ > threshold || scores) {
            const finding = judge(
              sample,
              value,
              kind,
              mean,
              deviation,
              constant,
              zValue,
              count,
              scores,
              index,
            );
            if (finding) {
              if (!findings) findings = [];
              findings.push(finding);
            }
          }
          if (metricHistory > 0 && !constant) {
            const metric = kind >> 2;
            const largest = metricLargest[metric]!;
            if (largest < 0) touchedMetrics[touchedCount++] = metric;
            if (absoluteZ > largest) metricLargest[metric] = absoluteZ;
          }
        }
        push(slot, value);
      }
      if (touchedCount > 0) closeMetricObservation();
      return findings ?? [];
    },
    forget(seriesIds) {
      for (const seriesId of seriesIds) {
        const slot = slots.release(seriesId);
        if (slot < 0) continue;
        reals.fill(0, slot * RECORD_REALS, (slot + 1) * RECORD_REALS);
      }
    },
  };
}
