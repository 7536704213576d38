import type { Detector } from '../contracts/detector.js';
import {
  createNoveltyDetector,
  type NoveltyDetectorOptions,
  type SeasonalOptions,
  type VolatilityOptions,
} from './novelty-engine.js';

/** Options of {@link adaptiveDetector}. */
export interface AdaptiveDetectorOptions extends NoveltyDetectorOptions, SeasonalOptions, VolatilityOptions {
  /**
   * Score at or above which a sample is reported (the combined surprise of all three signals).
   * @default 0.62
   */
  readonly threshold?: number;
}

/**
 * The strongest built-in detector: it adds up three signals, each measured against the series'
 * own recent history, so one detector catches spikes, level shifts, broken daily patterns and
 * bursts of noise on series of any scale:
 *
 * - **range** — a value beyond the highest or lowest of the last `history` samples, by how many
 *   typical gaps between the top values (see {@link rangeDetector});
 * - **seasonal** — distance from the usual value at this time of day, learnt per 30-minute bucket
 *   over previous days (see {@link seasonalDetector});
 * - **volatility** — mean deviation of the last 12 samples from a slow moving average (see
 *   {@link volatilityDetector}).
 *
 * Each signal becomes a surprise (nats) from the rank and tail of its own recent values; the
 * score is their sum squashed into [0, 1). It reports what is *new*: a persisting change is
 * reported while it is still unusual and stops once it has become part of the recent history.
 * The reason names the signal that contributed most. Samples score 0 until a series has
 * `minSamples` samples; the seasonal signal starts after one day.
 *
 * Cost: about 2.7 KB of state per series (with the default 48 buckets) and about half a
 * microsecond per sample. NAB developer subset: see `bench/RESULTS.md`.
 *
 * @example
 * ```ts
 * const monitor = createMonitor({ detectors: [thresholdDetector(), adaptiveDetector()], ... });
 * ```
 */
export function adaptiveDetector(options: AdaptiveDetectorOptions = {}): Detector {
  return createNoveltyDetector({
    factory: 'adaptiveDetector',
    defaultName: 'adaptive',
    defaultThreshold: 0.62,
    features: { range: true, seasonal: true, volatility: true },
    options,
  });
}
