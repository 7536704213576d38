/**
 * The detectors the NAB benchmark runs: every built-in detector with its defaults, plus the
 * z-score with a 1000-sample window (the windowed-Gaussian reference point). Each entry builds a
 * fresh detector.
 */
import type { Detector } from '../../packages/core/src/contracts/detector.js';
import {
  adaptiveDetector,
  QUIET_Z_SCORE_OPTIONS,
  rangeDetector,
  seasonalDetector,
  thresholdDetector,
  volatilityDetector,
  zScoreDetector,
} from '../../packages/core/src/detectors/index.js';

export interface BenchDetector {
  /** Directory name of the results; equal to the detector's own name. */
  readonly name: string;
  readonly description: string;
  readonly create: () => Detector;
}

export const NAB_DETECTORS: readonly BenchDetector[] = [
  {
    name: 'adaptive',
    description: 'adaptiveDetector() — range + seasonal + volatility surprises, summed',
    create: () => adaptiveDetector(),
  },
  { name: 'seasonal', description: 'seasonalDetector()', create: () => seasonalDetector() },
  { name: 'volatility', description: 'volatilityDetector()', create: () => volatilityDetector() },
  { name: 'range', description: 'rangeDetector()', create: () => rangeDetector() },
  {
    name: 'zscore',
    description: "zScoreDetector() — the original service's window of 10",
    create: () => zScoreDetector(),
  },
  {
    name: 'zscore-quiet',
    description: 'zScoreDetector(QUIET_Z_SCORE_OPTIONS) — what defaultDetectors() and the server run',
    create: () => zScoreDetector({ name: 'zscore-quiet', ...QUIET_Z_SCORE_OPTIONS }),
  },
  {
    name: 'zscore-w1000',
    description: 'zScoreDetector({ window: 1000 })',
    create: () => zScoreDetector({ name: 'zscore-w1000', window: 1000 }),
  },
  {
    name: 'threshold',
    description: 'thresholdDetector() — default rules; none match NAB series, so it scores 0 everywhere',
    create: () => thresholdDetector(),
  },
];

/** Picks detectors by name (all when `names` is empty); throws on an unknown name. */
export function selectDetectors(names: readonly string[]): BenchDetector[] {
  if (names.length === 0) return [...NAB_DETECTORS];
  return names.map((name) => {
    const found = NAB_DETECTORS.find((detector) => detector.name === name);
    if (!found) {
      throw new Error(
        `unknown detector "${name}"; known: ${NAB_DETECTORS.map((item) => item.name).join(', ')}`,
      );
    }
    return found;
  });
}
