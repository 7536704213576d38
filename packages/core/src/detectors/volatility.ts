import type { Detector } from '../contracts/detector.js';
import {
  createNoveltyDetector,
  type NoveltyDetectorOptions,
  type VolatilityOptions,
} from './novelty-engine.js';

/** Options of {@link volatilityDetector}. */
export interface VolatilityDetectorOptions extends NoveltyDetectorOptions, VolatilityOptions {
  /**
   * Score at or above which a sample is reported.
   * @default 0.56
   */
  readonly threshold?: number;
}

/**
 * Flags bursts of instability: the mean absolute deviation of the last `span` samples from a slow
 * moving average, compared with the same measure over the last `history` samples. It catches a
 * series that starts to oscillate, spike repeatedly or shift level, even when no single value is
 * extreme.
 *
 * State: about 0.7 KB per series.
 *
 * @example
 * ```ts
 * const detector = volatilityDetector({ span: 6 });
 * ```
 */
export function volatilityDetector(options: VolatilityDetectorOptions = {}): Detector {
  return createNoveltyDetector({
    factory: 'volatilityDetector',
    defaultName: 'volatility',
    defaultThreshold: 0.56,
    features: { range: false, seasonal: false, volatility: true },
    options,
  });
}
