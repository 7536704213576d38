import { type Detector, defaultDetectors } from '@promptheus/core';

/** Options of {@link serverDetectors}. */
export interface ServerDetectorsOptions {
  /**
   * Threshold of the rolling z-score detector (`Z_THRESHOLD`).
   * @default 3
   */
  readonly zThreshold?: number;
}

/**
 * The detectors the reference server's monitor runs (`pnpm start`): `defaultDetectors()` with the
 * z-score threshold from `Z_THRESHOLD`, i.e. the original threshold rules and the quiet rolling
 * z-score (flat series are not judged, counters are judged by their rate, histogram buckets are
 * left out).
 *
 * @example
 * ```ts
 * const detectors = serverDetectors({ zThreshold: config.monitor.zThreshold });
 * ```
 */
export function serverDetectors(options: ServerDetectorsOptions = {}): Detector[] {
  return defaultDetectors({ zScore: { threshold: options.zThreshold ?? 3 } });
}
