import type { Detector } from '../contracts/detector.js';
import {
  createNoveltyDetector,
  type NoveltyDetectorOptions,
  type SeasonalOptions,
} from './novelty-engine.js';

/** Options of {@link seasonalDetector}. */
export interface SeasonalDetectorOptions extends NoveltyDetectorOptions, SeasonalOptions {
  /**
   * Score at or above which a sample is reported.
   * @default 0.57
   */
  readonly threshold?: number;
}

/**
 * Flags values far from what the series usually shows at this time of day. It learns a daily
 * profile (the mean per time-of-day bucket, blended day by day) from the sample timestamps, so it
 * works at any sampling interval, and measures each sample's distance from the profile against the
 * distances seen over the last `history` samples: a missing daily peak, a flattened day or a peak
 * at the wrong hour stand out even when the value itself is within the normal range. Series
 * without a daily pattern are compared with their overall level.
 *
 * It starts judging one day after the first sample. State: about 1.7 KB per series with the
 * default 48 buckets.
 *
 * @example
 * ```ts
 * const detector = seasonalDetector({ buckets: 48 });
 * ```
 */
export function seasonalDetector(options: SeasonalDetectorOptions = {}): Detector {
  return createNoveltyDetector({
    factory: 'seasonalDetector',
    defaultName: 'seasonal',
    defaultThreshold: 0.57,
    features: { range: false, seasonal: true, volatility: false },
    options,
  });
}
