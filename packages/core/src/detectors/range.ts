import type { Detector } from '../contracts/detector.js';
import { createNoveltyDetector, type NoveltyDetectorOptions } from './novelty-engine.js';

/** Options of {@link rangeDetector}. */
export interface RangeDetectorOptions extends NoveltyDetectorOptions {
  /**
   * Score at or above which a sample is reported.
   * @default 0.56
   */
  readonly threshold?: number;
}

/**
 * Flags values beyond the range a series has shown recently: a new high (or low) compared with
 * the last `history` samples, scored by its rank among the highest values and, beyond the old
 * maximum, by how many typical gaps between the top values it overshoots. A spike far above
 * anything seen recently scores high; a value that barely beats the old maximum does not; a series
 * that often spikes needs a bigger spike.
 *
 * It keeps only the 5 highest and 5 lowest values of each quarter of the history, so the state is
 * small and fixed: about 0.9 KB per series, whatever `history` is.
 *
 * @example
 * ```ts
 * const detector = rangeDetector({ history: 2000 });
 * ```
 */
export function rangeDetector(options: RangeDetectorOptions = {}): Detector {
  return createNoveltyDetector({
    factory: 'rangeDetector',
    defaultName: 'range',
    defaultThreshold: 0.56,
    features: { range: true, seasonal: false, volatility: false },
    options,
  });
}
