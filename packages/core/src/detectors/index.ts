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

/**
 * The z-score settings of {@link defaultDetectors} and the server, on top of the original
 * service's rule (window 10, 5 values minimum, threshold 3): flat windows are not judged, counters
 * are judged by their rate (histogram buckets and `_created` series are left out), the spread is
 * at least the series' long-run deviation, and a |z| must also be rare for its metric. On a quiet
 * host this cuts false alarms by two orders of magnitude (see "Watch: false alarms on a quiet
 * host" in `bench/RESULTS.md`); a spike far beyond a series' usual range still fires at once.
 *
 * @example
 * ```ts
 * const detector = zScoreDetector({ ...QUIET_Z_SCORE_OPTIONS, threshold: 4 });
 * ```
 */
export const QUIET_Z_SCORE_OPTIONS: Readonly<ZScoreDetectorOptions> = {
  constantWindow: 'ignore',
  counters: quietCounterPolicy,
  longRunSpread: 0.02,
  metricHistory: 200,
};

/** Options of {@link defaultDetectors}. */
export interface DefaultDetectorsOptions {
  /**
   * Rules of the threshold detector, or `false` to leave it out.
   * @default DEFAULT_THRESHOLD_RULES
   */
  readonly thresholdRules?: readonly ThresholdRule[] | false;
  /**
   * Options of the z-score detector (e.g. `{ threshold: Z_THRESHOLD }`), or `false` to leave it out.
   * They are merged over {@link QUIET_Z_SCORE_OPTIONS}, so `{ threshold: 3.5 }` keeps them.
   * @default the original service's window (10 values, 5 minimum, threshold 3.0) with
   * {@link QUIET_Z_SCORE_OPTIONS}
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
 * healthy host ({@link QUIET_Z_SCORE_OPTIONS}): a flat series that moves is not judged against
 * its zero spread, cumulative counters are judged by their per-second rate instead of their
 * ever-growing value (histogram buckets are left out), and a jump is reported only when it is
 * beyond the series' usual jitter and rare for its metric. Optionally the adaptive detector.
 * Pass `zScore: { constantWindow: 'flag', counters: 'raw', longRunSpread: 0, metricHistory: 0 }`
 * for the original service's rule taken literally.
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
    detectors.push(zScoreDetector({ ...QUIET_Z_SCORE_OPTIONS, ...options.zScore }));
  }
  if (options.adaptive) detectors.push(adaptiveDetector(options.adaptive === true ? {} : options.adaptive));
  return detectors;
}
