/**
 * Reference baselines used only to validate the scorer against published figures: each point is
 * scored by the Gaussian tail of its deviation from the mean and standard deviation of the previous
 * `window` values, `1 - Q(|z|)`, with no other logic.
 */
import { gaussianTail } from '../../packages/core/src/detectors/math.js';

/** Options of the rolling z-score baseline. */
export interface RollingBaselineOptions {
  /** Number of previous values the mean and deviation are taken over. */
  readonly window: number;
  /** Fewest previous values needed before scoring (earlier rows score 0). @default 2 */
  readonly minValues?: number;
  /** Divide the squared deviations by n - 1 (sample) instead of n (population). @default true */
  readonly sampleDeviation?: boolean;
}

/** Scores a whole series with the rolling z-score baseline. */
export function rollingZScoreScores(values: Float64Array, options: RollingBaselineOptions): Float64Array {
  const { window, minValues = 2, sampleDeviation = true } = options;
  const scores = new Float64Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const from = Math.max(0, row - window);
    const count = row - from;
    if (count < minValues) continue;
    let mean = 0;
    for (let index = from; index < row; index++) mean += values[index]!;
    mean /= count;
    let squares = 0;
    for (let index = from; index < row; index++) squares += (values[index]! - mean) ** 2;
    const deviation = Math.sqrt(squares / (sampleDeviation ? count - 1 : count));
    const difference = Math.abs(values[row]! - mean);
    let z: number;
    if (deviation > 0) z = difference / deviation;
    else z = difference > 0 ? Number.POSITIVE_INFINITY : 0;
    scores[row] = 1 - gaussianTail(z);
  }
  return scores;
}
