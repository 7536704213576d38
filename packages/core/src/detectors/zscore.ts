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
import { createSeriesSlots, growFloat64, growInt32, growUint8 } from './series-slots.js';
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
   * Weight of each sample in a slow moving average of the series' absolute deviation (scaled to a
   * standard deviation), used as a floor for the window's standard deviation: after a calm stretch
   * of `window` values the series' usual jitter is still measured against its usual size. 0
   * turns it off. 0.02 remembers about the last 50 samples.
   * @default 0 (the original service's rule); 0.02 in `defaultDetectors()`
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
 * - Memory: `8 * window + 29` bytes of typed arrays per series (16 more when counters can be
 *   rated, 16 for `longRunSpread`, 4 for `metricHistory`; slabs grow by doubling), plus a map entry
 *   for the series id: about 230 bytes per series with the default window (280 with the quiet
 *   options), 23 MB for 100k series; `metricHistory` adds about 300 bytes per metric name. Cost:
 *   about 50 ns per sample, 70 with the quiet options (a few hundred when scores are requested).
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

  let values = new Float64Array(0);
  let counts = new Int32Array(0);
  let heads = new Int32Array(0);
  let replacements = new Int32Array(0);
  let means = new Float64Array(0);
  let squares = new Float64Array(0);
  const modeOf = counterModeResolver(counters, 'zScoreDetector');
  // Counter modes per slot (decided once per series) and, when rates are possible, the previous
  // raw sample of each series.
  const tracksRates = counters !== 'raw';
  let modes = new Uint8Array(0);
  let previousValues = new Float64Array(0);
  let previousTimes = new Float64Array(0);
  // Long-run level and deviation per slot (when longRunSpread > 0).
  let longMeans = new Float64Array(0);
  let longDeviations = new Float64Array(0);
  // The metric of each slot (when metricHistory > 0): index into the metric histories.
  let metricOf = new Int32Array(0);
  const slots = createSeriesSlots((capacity) => {
    values = growFloat64(values, capacity * window);
    counts = growInt32(counts, capacity);
    heads = growInt32(heads, capacity);
    replacements = growInt32(replacements, capacity);
    means = growFloat64(means, capacity);
    squares = growFloat64(squares, capacity);
    modes = growUint8(modes, capacity);
    if (tracksRates) {
      previousValues = growFloat64(previousValues, capacity);
      previousTimes = growFloat64(previousTimes, capacity);
    }
    if (longRunSpread > 0) {
      longMeans = growFloat64(longMeans, capacity);
      longDeviations = growFloat64(longDeviations, capacity);
    }
    if (metricHistory > 0) metricOf = growInt32(metricOf, capacity);
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
    means[slot] = mean + correction / count;
    squares[slot] = Math.max(0, squareSum - (correction * correction) / count);
    replacements[slot] = 0;
  }

  function push(slot: number, value: number): void {
    const count = counts[slot]!;
    const head = heads[slot]!;
    const position = slot * window + head;
    heads[slot] = head + 1 === window ? 0 : head + 1;
    const mean = means[slot]!;
    if (count < window) {
      values[position] = value;
      const next = count + 1;
      counts[slot] = next;
      const delta = value - mean;
      const nextMean = mean + delta / next;
      means[slot] = nextMean;
      squares[slot] = Math.max(0, squares[slot]! + delta * (value - nextMean));
      return;
    }
    const old = values[position]!;
    values[position] = value;
    const delta = value - old;
    const nextMean = mean + delta / count;
    means[slot] = nextMean;
    squares[slot] = Math.max(0, squares[slot]! + delta * (value - nextMean + (old - mean)));
    const replaced = replacements[slot]! + 1;
    replacements[slot] = replaced;
    if (replaced >= window) recompute(slot, count);
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
        let mode = modes[slot]!;
        if (mode === MODE_UNKNOWN) {
          mode = modeOf(sample);
          modes[slot] = mode;
          if (tracksRates) previousTimes[slot] = Number.NaN;
          if (longRunSpread > 0) longMeans[slot] = Number.NaN;
          if (metricHistory > 0) metricOf[slot] = metricIndexOf(sample);
        }
        if (mode === MODE_SKIP) continue;
        const rated = mode === MODE_RATE;
        if (rated) {
          const previousTime = previousTimes[slot]!;
          const rate = counterRate(previousValues[slot]!, previousTime, value, sample.timestamp);
          previousValues[slot] = value;
          previousTimes[slot] = sample.timestamp;
          if (Number.isNaN(rate)) continue;
          value = rate;
        }
        const count = counts[slot]!;
        if (count >= minSamples) {
          const mean = means[slot]!;
          let deviation = Math.sqrt(squares[slot]! / count);
          const difference = value - mean;
          const constant = deviation <= Math.abs(mean) * CONSTANT_RELATIVE_SPREAD;
          if (!constant && longRunSpread > 0 && longDeviations[slot]! > deviation)
            deviation = longDeviations[slot]!;
          let zValue: number;
          if (!constant) zValue = difference / deviation;
          else if (difference === 0 || !flagConstant) zValue = 0;
          else zValue = difference / (Math.max(Math.abs(mean), Math.abs(value)) * RESOLUTION);
          const absoluteZ = Math.abs(zValue);
          let anomalous = absoluteZ > threshold;
          if (anomalous || scores) {
            let surprise = gaussianSurprise(absoluteZ);
            let metricHigh = Number.NaN;
            if (metricHistory > 0) {
              const metric = metricOf[slot]!;
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
            if (anomalous) {
              const statistics = { score, mean, deviation, constant, zValue, count, metricHigh };
              if (!findings) findings = [];
              findings.push(
                rated ? rateFinding(sample, value, statistics) : valueFinding(sample, statistics),
              );
            }
          }
          if (metricHistory > 0 && !constant) {
            const metric = metricOf[slot]!;
            const largest = metricLargest[metric]!;
            if (largest < 0) touchedMetrics[touchedCount++] = metric;
            if (absoluteZ > largest) metricLargest[metric] = absoluteZ;
          }
        }
        push(slot, value);
        if (longRunSpread > 0) {
          const longMean = longMeans[slot]!;
          if (Number.isNaN(longMean)) {
            longMeans[slot] = value;
            longDeviations[slot] = Number.NaN;
          } else {
            const spread = MEAN_DEVIATION_TO_STANDARD * Math.abs(value - longMean);
            const longDeviation = longDeviations[slot]!;
            // The first deviation starts the average, so it is not biased towards 0 at first.
            longDeviations[slot] = Number.isNaN(longDeviation)
              ? spread
              : longDeviation + longRunSpread * (spread - longDeviation);
            longMeans[slot] = longMean + longRunSpread * (value - longMean);
          }
        }
      }
      if (touchedCount > 0) closeMetricObservation();
      return findings ?? [];
    },
    forget(seriesIds) {
      for (const seriesId of seriesIds) {
        const slot = slots.release(seriesId);
        if (slot < 0) continue;
        counts[slot] = 0;
        heads[slot] = 0;
        replacements[slot] = 0;
        means[slot] = 0;
        squares[slot] = 0;
        modes[slot] = MODE_UNKNOWN;
      }
    },
  };
}
