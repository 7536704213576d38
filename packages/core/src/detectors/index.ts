import type { Detector } from '../contracts/detector.js';
import { type AdaptiveDetectorOptions, adaptiveDetector } from './adaptive.js';
import { quietCounterPolicy } from './counters.js';
import { DEFAULT_THRESHOLD_RULES, type ThresholdRule, thresholdDetector } from './threshold.js';
import { type ZScoreDetectorOptions, zScoreDetector } from './zscore.js';

export { type AdaptiveDetectorOptions, adaptiveDetector } from './adaptive.js';
export {
  type CounterMode,
  type CounterPolicy,
  isCounterMetric,
  quietCounterPolicy,
} from './counters.js';
export { gaussianSurprise, gaussianTail, scoreToSurprise, surpriseToScore } from './math.js';
export type { NoveltyDetectorOptions, SeasonalOptions, VolatilityOptions } from './novelty-engine.js';
export { type RangeDetectorOptions, rangeDetector } from './range.js';
export { type SeasonalDetectorOptions, seasonalDetector } from './seasonal.js';
export {
  DEFAULT_THRESHOLD_RULES,
  type ThresholdDetectorOptions,
  type ThresholdOperator,
  type ThresholdRule,
  thresholdDetector,
} from './threshold.js';
export { type VolatilityDetectorOptions, volatilityDetector } from './volatility.js';
export { type ZScoreDetectorOptions, zScoreDetector } from './zscore.js';

/** Options of {@link defaultDetectors}. */
export interface DefaultDetectorsOptions {
  /**
   * Rules of the threshold detector, or `false` to leave it out.
   * @default DEFAULT_THRESHOLD_RULES
   */
  readonly thresholdRules?: readonly ThresholdRule[] | false;
  /**
   * Options of the z-score detector (e.g. `{ threshold: Z_THRESHOLD }`), or `false` to leave it out.
   * They are merged over the quiet defaults, so `{ threshold: 3.5 }` keeps them.
   * @default the original service's window (10 values, 5 minimum, threshold 3.0) with
   * `counters: quietCounterPolicy` (counters judged by their rate, histogram buckets and `_created`
   * skipped) and `constantWindow: 'ignore'`
   */
  readonly zScore?: ZScoreDetectorOptions | false;
  /**
   * Adds the {@link adaptiveDetector} (`true` for its defaults, or its options).
   * @default false
   */
  readonly adaptive?: AdaptiveDetectorOptions | boolean;
}

/**
 * The detectors a monitor runs unless told otherwise (and the reference server runs): the
 * threshold rules and the rolling z-score of the original service, set up to stay quiet on a
 * healthy host: a flat series that moves is not judged against its zero spread, and cumulative
 * counters are judged by their per-second rate instead of their ever-growing value (histogram
 * buckets are left out). Optionally the adaptive detector. Figures: "Watch: false alarms on a
 * quiet host" in `bench/RESULTS.md`.
 *
 * @example
 * ```ts
 * const detectors = defaultDetectors({ zScore: { threshold: 3.5 }, adaptive: true });
 * ```
 */
export function defaultDetectors(options: DefaultDetectorsOptions = {}): Detector[] {
  const detectors: Detector[] = [];
  if (options.thresholdRules !== false) {
    detectors.push(thresholdDetector({ rules: options.thresholdRules ?? DEFAULT_THRESHOLD_RULES }));
  }
  if (options.zScore !== false) {
    detectors.push(zScoreDetector({ counters: quietCounterPolicy, ...options.zScore }));
  }
  if (options.adaptive) detectors.push(adaptiveDetector(options.adaptive === true ? {} : options.adaptive));
  return detectors;
}
