import { z } from 'zod';
import type { Detector, DetectorFinding } from '../contracts/detector.js';
import type { Evidence } from '../model/anomaly.js';
import type { Severity } from '../model/common.js';
import type { Sample } from '../model/sample.js';
import {
  type CounterPolicy,
  counterModeResolver,
  counterRate,
  MODE_RATE,
  MODE_SKIP,
  quietCounterPolicy,
} from './counters.js';
import { formatValue } from './format.js';
import { scoreToSurprise, surpriseToScore } from './math.js';
import { parseDetectorOptions } from './options.js';
import {
  type CalibratorShape,
  calibratorCount,
  calibratorMaximum,
  calibratorPush,
  calibratorSize,
  calibratorSurprise,
  resetCalibrator,
} from './tail-calibrator.js';

/** Options shared by the novelty detectors (`range`, `seasonal`, `volatility`, `adaptive`). */
export interface NoveltyDetectorOptions {
  /**
   * Detector name, as it appears on anomalies (lowercase letters, digits and dashes).
   */
  readonly name?: string;
  /**
   * How many recent samples of each series the detector compares with (its memory of "normal").
   * @default 1000
   */
  readonly history?: number;
  /**
   * Samples a series needs before the detector judges it (earlier samples score 0).
   * @default 50
   */
  readonly minSamples?: number;
  /**
   * Score at or above which a sample is reported as anomalous. Scores map surprise to [0, 1)
   * (0.5 is as surprising as a 3-sigma Gaussian deviation). The defaults keep false alarms on
   * stationary Gaussian noise to about one per 10,000 samples per series (heavy-tailed noise: a few
   * more); lower values catch more (the best NAB trade-off lies about 0.02 lower; operating points
   * are listed in `bench/RESULTS.md`).
   */
  readonly threshold?: number;
  /**
   * Severity of a finding: a fixed severity, or a function of the score.
   * @default `'high'` when the score is at least 0.75, otherwise `'medium'`
   */
  readonly severity?: Severity | ((score: number) => Severity);
  /**
   * Which samples to watch; others score 0 and keep no state.
   * @default every sample
   */
  readonly include?: (sample: Sample) => boolean;
  /**
   * How cumulative counters are judged (see {@link CounterPolicy}): `'rate'` judges the
   * per-second increase between consecutive samples (resets handled like Prometheus), `'raw'` the
   * cumulative value, `'skip'` leaves them out; or a function of the metric name choosing per
   * series (called once per series). The default rates counters and skips histogram buckets and
   * `_created` series, which keep no state.
   * @default quietCounterPolicy
   * @example `adaptiveDetector({ counters: 'skip' })`
   */
  readonly counters?: CounterPolicy;
}

/** Options of the daily-seasonal part. */
export interface SeasonalOptions {
  /**
   * Time-of-day buckets of the daily profile (UTC days).
   * @default 48 (30-minute buckets)
   */
  readonly buckets?: number;
  /**
   * Weight of the most recent day when the profile is updated at the end of each day.
   * @default 0.5
   */
  readonly dayWeight?: number;
}

/** Options of the volatility part. */
export interface VolatilityOptions {
  /**
   * Number of recent samples whose mean deviation is the measured volatility.
   * @default 12
   */
  readonly span?: number;
  /**
   * Weight of a new sample in the moving baseline deviations are measured from.
   * @default 0.05
   */
  readonly baselineWeight?: number;
}

/** Which signals a novelty detector combines. */
export interface NoveltyFeatures {
  /** New highs or lows of the value compared with its recent range. */
  readonly range: boolean;
  /** Distance from the usual value at this time of day. */
  readonly seasonal: boolean;
  /** Unusually large short-term fluctuation around a moving baseline. */
  readonly volatility: boolean;
}

const DAY_MS = 86_400_000;
const KEEP = 5;
const BLOCKS = 4;
const TAIL_GAPS = 4;

const optionsSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'must contain only lowercase letters, digits and dashes'),
  history: z
    .number()
    .int()
    .min(BLOCKS * 2, `must be at least ${BLOCKS * 2}`)
    .max(1_000_000),
  minSamples: z.number().int().min(1),
  threshold: z.number().gt(0).lt(1),
  buckets: z.number().int().min(1).max(1440),
  dayWeight: z.number().gt(0).max(1),
  span: z.number().int().min(1).max(1000),
  baselineWeight: z.number().gt(0).max(1),
  counters: z.union([
    z.enum(['rate', 'raw', 'skip']),
    z.custom<(metric: string) => 'rate' | 'raw' | 'skip'>((value) => typeof value === 'function', {
      message: "must be 'rate', 'raw', 'skip' or a function of the metric name",
    }),
  ]),
});

/** Everything the engine needs to build one kind of novelty detector. */
export interface NoveltyEngineConfig {
  readonly factory: string;
  readonly defaultName: string;
  readonly defaultThreshold: number;
  readonly features: NoveltyFeatures;
  readonly options: NoveltyDetectorOptions & SeasonalOptions & VolatilityOptions;
}

// Per-series header slots.
const FIRST_TIME = 0;
const CURRENT_DAY = 1;
const BASELINE = 2;
const DEVIATION_INDEX = 3;
const DEVIATION_COUNT = 4;
const DEVIATION_SUM = 5;
/** Counter mode code of the series (see counters.ts). */
const MODE = 6;
/** Previous raw value and timestamp of a rated counter (timestamp NaN before the first). */
const PREVIOUS_VALUE = 7;
const PREVIOUS_TIME = 8;
const HEADER = 9;

// Scratch slots describing the last measured sample.
const RANGE_SURPRISE = 0;
const RANGE_HIGH = 1;
const RANGE_LOW = 2;
const RANGE_DIRECTION = 3;
const SEASONAL_SURPRISE = 4;
const SEASONAL_EXPECTED = 5;
const VOLATILITY_SURPRISE = 6;
const VOLATILITY_VALUE = 7;
const VOLATILITY_HIGH = 8;
const HISTORY_COUNT = 9;
/** 1 when the sample had a seasonal expectation (then SEASONAL_RESIDUAL is set). */
const SEASONAL_READY = 10;
const SEASONAL_RESIDUAL = 11;
const SCRATCH = 12;

/**
 * Builds a novelty detector: each enabled signal is turned into a surprise by a tail calibrator
 * over the series' own recent history (so scores mean the same rarity on every series, whatever
 * its scale), the surprises add up, and the sum maps to the score.
 */
export function createNoveltyDetector(config: NoveltyEngineConfig): Detector {
  const { features, options } = config;
  const parsed = parseDetectorOptions(
    optionsSchema,
    {
      name: options.name ?? config.defaultName,
      history: options.history ?? 1000,
      minSamples: options.minSamples ?? 50,
      threshold: options.threshold ?? config.defaultThreshold,
      buckets: options.buckets ?? 48,
      dayWeight: options.dayWeight ?? 0.5,
      span: options.span ?? 12,
      baselineWeight: options.baselineWeight ?? 0.05,
      counters: options.counters ?? quietCounterPolicy,
    },
    config.factory,
  );
  const modeOf = counterModeResolver(parsed.counters, config.factory);
  const { name, threshold, buckets, dayWeight, span, baselineWeight, minSamples } = parsed;
  const shape: CalibratorShape = {
    keep: KEEP,
    blocks: BLOCKS,
    blockLength: Math.ceil(parsed.history / BLOCKS),
    minObservations: minSamples,
    tailGaps: TAIL_GAPS,
  };
  const thresholdSurprise = scoreToSurprise(threshold);
  const severityOption = options.severity;
  const severityOf =
    typeof severityOption === 'function'
      ? severityOption
      : severityOption !== undefined
        ? () => severityOption
        : (score: number): Severity => (score >= 0.75 ? 'high' : 'medium');
  const include = options.include;

  const calibrator = calibratorSize(shape);
  let cursor = HEADER;
  const rangeHigh = features.range ? cursor : -1;
  if (features.range) cursor += calibrator;
  const rangeLow = features.range ? cursor : -1;
  if (features.range) cursor += calibrator;
  const seasonalCalibrator = features.seasonal ? cursor : -1;
  if (features.seasonal) cursor += calibrator;
  const profile = features.seasonal ? cursor : -1;
  if (features.seasonal) cursor += 3 * buckets;
  const volatilityCalibrator = features.volatility ? cursor : -1;
  if (features.volatility) cursor += calibrator;
  const deviations = features.volatility ? cursor : -1;
  if (features.volatility) cursor += span;
  const stateSize = cursor;

  const series = new Map<string, Float64Array>();
  // The state used at each batch position last time: batches list series in a stable order.
  let positionIds: Array<string | undefined> = [];
  let positionStates: Array<Float64Array | undefined> = [];
  const scratch = new Float64Array(SCRATCH);
  /** The state of every skipped series: shared and empty. */
  const skipped = new Float64Array(0);

  function createState(): Float64Array {
    const state = new Float64Array(stateSize);
    state[FIRST_TIME] = Number.NaN;
    state[CURRENT_DAY] = Number.NaN;
    state[BASELINE] = Number.NaN;
    state[PREVIOUS_TIME] = Number.NaN;
    if (rangeHigh >= 0) resetCalibrator(state, rangeHigh, shape);
    if (rangeLow >= 0) resetCalibrator(state, rangeLow, shape);
    if (seasonalCalibrator >= 0) resetCalibrator(state, seasonalCalibrator, shape);
    if (volatilityCalibrator >= 0) resetCalibrator(state, volatilityCalibrator, shape);
    if (profile >= 0) state.fill(Number.NaN, profile, profile + buckets);
    return state;
  }

  function rollDay(state: Float64Array, day: number): void {
    const current = state[CURRENT_DAY]!;
    if (current === day) return;
    if (!Number.isNaN(current)) {
      const sums = profile + buckets;
      const counts = profile + 2 * buckets;
      for (let bucket = 0; bucket < buckets; bucket++) {
        const count = state[counts + bucket]!;
        if (count === 0) continue;
        const mean = state[sums + bucket]! / count;
        const previous = state[profile + bucket]!;
        state[profile + bucket] = Number.isNaN(previous) ? mean : previous + dayWeight * (mean - previous);
      }
    }
    state.fill(0, profile + buckets, profile + 3 * buckets);
    state[CURRENT_DAY] = day;
  }

  /** Measures the sample against the state (writing details to `scratch`) and returns the surprise. */
  function measure(state: Float64Array, value: number, timestamp: number): number {
    let total = 0;
    scratch.fill(0);
    if (rangeHigh >= 0) {
      const high = calibratorSurprise(state, rangeHigh, shape, value);
      const low = calibratorSurprise(state, rangeLow, shape, -value);
      const surprise = Math.max(0, Math.max(high, low) - Math.LN2);
      scratch[RANGE_SURPRISE] = surprise;
      scratch[RANGE_HIGH] = calibratorMaximum(state, rangeHigh, shape);
      scratch[RANGE_LOW] = -calibratorMaximum(state, rangeLow, shape);
      scratch[RANGE_DIRECTION] = high >= low ? 1 : -1;
      scratch[HISTORY_COUNT] = calibratorCount(state, rangeHigh);
      total += surprise;
    }
    if (profile >= 0 && Number.isFinite(timestamp)) {
      rollDay(state, Math.floor(timestamp / DAY_MS));
      const first = state[FIRST_TIME]!;
      const expected = state[profile + bucketOf(timestamp)]!;
      if (!Number.isNaN(first) && timestamp - first >= DAY_MS && !Number.isNaN(expected)) {
        const residual = Math.abs(value - expected);
        const surprise = calibratorSurprise(state, seasonalCalibrator, shape, residual);
        scratch[SEASONAL_READY] = 1;
        scratch[SEASONAL_RESIDUAL] = residual;
        scratch[SEASONAL_SURPRISE] = surprise;
        scratch[SEASONAL_EXPECTED] = expected;
        total += surprise;
      }
    }
    if (deviations >= 0) {
      const baseline = state[BASELINE]!;
      if (!Number.isNaN(baseline) && state[DEVIATION_COUNT]! + 1 >= span) {
        const index = state[DEVIATION_INDEX]!;
        const deviation = Math.abs(value - baseline);
        const leaving = state[DEVIATION_COUNT]! >= span ? state[deviations + index]! : 0;
        const volatility = (state[DEVIATION_SUM]! - leaving + deviation) / span;
        const surprise = calibratorSurprise(state, volatilityCalibrator, shape, volatility);
        scratch[VOLATILITY_SURPRISE] = surprise;
        scratch[VOLATILITY_VALUE] = volatility;
        scratch[VOLATILITY_HIGH] = calibratorMaximum(state, volatilityCalibrator, shape);
        total += surprise;
      }
    }
    return total;
  }

  function update(state: Float64Array, value: number, timestamp: number): void {
    if (rangeHigh >= 0) {
      calibratorPush(state, rangeHigh, shape, value);
      calibratorPush(state, rangeLow, shape, -value);
    }
    if (profile >= 0 && Number.isFinite(timestamp)) {
      if (Number.isNaN(state[FIRST_TIME]!)) state[FIRST_TIME] = timestamp;
      if (scratch[SEASONAL_READY] === 1)
        calibratorPush(state, seasonalCalibrator, shape, scratch[SEASONAL_RESIDUAL]!);
      const bucket = bucketOf(timestamp);
      state[profile + buckets + bucket] = state[profile + buckets + bucket]! + value;
      state[profile + 2 * buckets + bucket] = state[profile + 2 * buckets + bucket]! + 1;
    }
    if (deviations >= 0) {
      const baseline = state[BASELINE]!;
      if (Number.isNaN(baseline)) {
        state[BASELINE] = value;
        return;
      }
      const deviation = Math.abs(value - baseline);
      const index = state[DEVIATION_INDEX]!;
      const count = state[DEVIATION_COUNT]!;
      const leaving = count >= span ? state[deviations + index]! : 0;
      state[deviations + index] = deviation;
      state[DEVIATION_INDEX] = index + 1 === span ? 0 : index + 1;
      state[DEVIATION_SUM] = Math.max(0, state[DEVIATION_SUM]! - leaving + deviation);
      if (count < span) state[DEVIATION_COUNT] = count + 1;
      if (count + 1 >= span) calibratorPush(state, volatilityCalibrator, shape, state[DEVIATION_SUM]! / span);
      state[BASELINE] = baseline + baselineWeight * (value - baseline);
    }
  }

  function bucketOf(timestamp: number): number {
    const timeOfDay = ((timestamp % DAY_MS) + DAY_MS) % DAY_MS;
    return Math.min(buckets - 1, Math.floor((timeOfDay / DAY_MS) * buckets));
  }

  /** Reason and evidence of a finding on `value` (the rate of a counter when `rated`). */
  function explain(sample: Sample, value: number, rated: boolean): { reason: string; evidence: Evidence } {
    const rangeSurprise = scratch[RANGE_SURPRISE]!;
    const seasonalSurprise = scratch[SEASONAL_SURPRISE]!;
    const volatilitySurprise = scratch[VOLATILITY_SURPRISE]!;
    const count = scratch[HISTORY_COUNT]!;
    const evidence: Record<string, number | string> = { value: sample.value };
    if (rated) evidence.rate = value;
    const unit = rated ? '/s' : '';
    const format = (number: number) => `${formatValue(number)}${unit}`;
    if (features.range) {
      evidence.rangeSurprise = round(rangeSurprise);
      if (Number.isFinite(scratch[RANGE_HIGH]!)) evidence.recentHigh = scratch[RANGE_HIGH]!;
      if (Number.isFinite(scratch[RANGE_LOW]!)) evidence.recentLow = scratch[RANGE_LOW]!;
    }
    if (features.seasonal) {
      evidence.seasonalSurprise = round(seasonalSurprise);
      if (seasonalSurprise > 0) evidence.usualAtThisTime = scratch[SEASONAL_EXPECTED]!;
    }
    if (features.volatility) {
      evidence.volatilitySurprise = round(volatilitySurprise);
      if (volatilitySurprise > 0) evidence.volatility = scratch[VOLATILITY_VALUE]!;
    }
    const metric = sample.metric;
    const current = rated ? `${metric} increases by ${format(value)}` : `${metric} is ${format(value)}`;
    const values = rated ? 'rates' : 'values';
    let reason: string;
    if (rangeSurprise >= seasonalSurprise && rangeSurprise >= volatilitySurprise) {
      const high = scratch[RANGE_DIRECTION]! > 0;
      const bound = high ? scratch[RANGE_HIGH]! : scratch[RANGE_LOW]!;
      const beyond = high ? value > bound : value < bound;
      reason = beyond
        ? `${current}, ${high ? 'above its highest' : 'below its lowest'} ${rated ? 'rate' : 'value'} (${format(bound)}) in the last ${count} samples`
        : `${current}, among its ${high ? 'highest' : 'lowest'} ${values} in the last ${count} samples`;
    } else if (seasonalSurprise >= volatilitySurprise) {
      const expected = scratch[SEASONAL_EXPECTED]!;
      reason = `${current}, ${value > expected ? 'above' : 'below'} its usual ${format(expected)} at this time of day`;
    } else {
      reason = `${rated ? `the rate of ${metric}` : metric} fluctuates unusually: mean deviation ${format(scratch[VOLATILITY_VALUE]!)} over its last ${span} samples, above its recent high of ${format(scratch[VOLATILITY_HIGH]!)}`;
    }
    return { reason, evidence };
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
        let state = positionIds[index] === sample.seriesId ? positionStates[index] : undefined;
        if (!state) {
          state = series.get(sample.seriesId);
          if (!state) {
            const mode = modeOf(sample);
            state = mode === MODE_SKIP ? skipped : createState();
            if (state !== skipped) state[MODE] = mode;
            series.set(sample.seriesId, state);
          }
          positionIds[index] = sample.seriesId;
          positionStates[index] = state;
        }
        if (state === skipped) continue;
        const rated = state[MODE] === MODE_RATE;
        if (rated) {
          const rate = counterRate(state[PREVIOUS_VALUE]!, state[PREVIOUS_TIME]!, value, sample.timestamp);
          state[PREVIOUS_VALUE] = value;
          state[PREVIOUS_TIME] = sample.timestamp;
          if (Number.isNaN(rate)) continue;
          value = rate;
        }
        const surprise = measure(state, value, sample.timestamp);
        if (surprise > 0 && (scores || surprise >= thresholdSurprise)) {
          const score = surpriseToScore(surprise);
          if (scores) scores[index] = score;
          if (score >= threshold) {
            const { reason, evidence } = explain(sample, value, rated);
            if (!findings) findings = [];
            findings.push({
              sample,
              score,
              severity: severityOf(score),
              reason,
              evidence: { ...evidence, score: round(score), threshold },
            });
          }
        }
        update(state, value, sample.timestamp);
      }
      return findings ?? [];
    },
    forget(seriesIds) {
      for (const seriesId of seriesIds) series.delete(seriesId);
      positionIds = [];
      positionStates = [];
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
