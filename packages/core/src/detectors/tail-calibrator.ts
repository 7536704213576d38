/**
 * A compact, streaming measure of how extreme a number is compared with the recent history of the
 * same quantity: the surprise (in nats) of seeing a value this high, estimated from the highest
 * values of the last `history` observations.
 *
 * The history is split into `blocks` blocks of equal length; each keeps only its `keep` highest
 * values. The top `keep` values of the whole history are exactly the top `keep` of the blocks'
 * tops, so the tail is exact while the state stays small and fixed: when the oldest block expires,
 * the whole history slides by one block.
 *
 * Surprise of a value `r` (0 when `r` is below the `keep` highest values):
 * - `-ln((higher + equal / 2 + 1/2) / (n + 1))` from its rank among the top values, and
 * - beyond the maximum, plus `(r - max) / spacing`, where `spacing` is the scale of an
 *   exponential tail fitted to the highest values (floored by the spread of the history): a new
 *   high by many typical gaps is very surprising, one that barely beats the old maximum is not.
 *
 * State lives in a caller-provided `Float64Array` at an offset (see {@link calibratorSize}), so a
 * detector can keep all its per-series numbers in one array.
 */

/** Shape of a calibrator. */
export interface CalibratorShape {
  /** Highest values kept per block (and overall). */
  readonly keep: number;
  /** Number of blocks the history is split into. */
  readonly blocks: number;
  /** Observations per block (history length = blocks × blockLength). */
  readonly blockLength: number;
  /** Observations needed before the calibrator reports any surprise. */
  readonly minObservations: number;
  /** How many of the top gaps the tail spacing is averaged over (at most `keep - 1`). */
  readonly tailGaps: number;
}

const TOTAL = 0;
const CURRENT_BLOCK = 1;
const CURRENT_COUNT = 2;
const MERGED_COUNT = 3;
const MEAN = 4;
const HEADER = 5;
/** Weight of a new observation in the running mean used to floor the tail spacing. */
const MEAN_WEIGHT = 0.01;
/**
 * The tail spacing is at least this share of the scale an exponential tail would need to reach
 * the current maximum from the mean (`(max - mean) / ln n`). It keeps a cluster of near-equal top
 * values (one episode of an autocorrelated signal) from making any new high look extreme.
 */
const SPREAD_FLOOR = 0.5;

/** Number of float64 slots one calibrator occupies. */
export function calibratorSize(shape: CalibratorShape): number {
  return HEADER + shape.blocks + shape.keep + shape.blocks * shape.keep;
}

/** Resets a calibrator to empty. */
export function resetCalibrator(state: Float64Array, offset: number, shape: CalibratorShape): void {
  state.fill(0, offset, offset + HEADER + shape.blocks);
  state[offset + MEAN] = Number.NaN;
  state.fill(Number.NEGATIVE_INFINITY, offset + HEADER + shape.blocks, offset + calibratorSize(shape));
}

/** Number of observations currently in the history. */
export function calibratorCount(state: Float64Array, offset: number): number {
  return state[offset + TOTAL]!;
}

/** The highest value in the history (−Infinity when empty). */
export function calibratorMaximum(state: Float64Array, offset: number, shape: CalibratorShape): number {
  return state[offset + HEADER + shape.blocks]!;
}

/** Surprise in nats of observing `value` now (see the module description). */
export function calibratorSurprise(
  state: Float64Array,
  offset: number,
  shape: CalibratorShape,
  value: number,
): number {
  const total = state[offset + TOTAL]!;
  const mergedCount = state[offset + MERGED_COUNT]!;
  if (total < shape.minObservations || mergedCount === 0) return 0;
  const merged = offset + HEADER + shape.blocks;
  const lowest = state[merged + mergedCount - 1]!;
  if (value < lowest || (value === lowest && mergedCount === shape.keep)) return 0;
  let higher = 0;
  let equal = 0;
  for (let index = 0; index < mergedCount; index++) {
    const top = state[merged + index]!;
    if (top > value) higher++;
    else if (top === value) equal++;
  }
  let surprise = -Math.log((higher + 0.5 * equal + 0.5) / (total + 1));
  const maximum = state[merged]!;
  if (value > maximum) {
    // Maximum-likelihood scale of an exponential tail from the top `gaps + 1` order statistics:
    // the k-th gap from the top has mean scale / k, so the sum of the top gaps is scale × H(gaps).
    const gaps = Math.min(shape.tailGaps, mergedCount - 1);
    const spacing = gaps > 0 ? (maximum - state[merged + gaps]!) / harmonic(gaps) : 0;
    const mean = state[offset + MEAN]!;
    const floor = Math.max(
      (Math.abs(maximum - mean) * SPREAD_FLOOR) / Math.log(total + 1),
      Math.abs(maximum) * 1e-9,
      Number.MIN_VALUE,
    );
    surprise += (value - maximum) / Math.max(spacing, floor);
  }
  return surprise;
}

function harmonic(count: number): number {
  let sum = 0;
  for (let index = 1; index <= count; index++) sum += 1 / index;
  return sum;
}

function insertDescending(state: Float64Array, start: number, length: number, value: number): boolean {
  const last = start + length - 1;
  if (!(value > state[last]!)) return false;
  let position = last;
  while (position > start && state[position - 1]! < value) {
    state[position] = state[position - 1]!;
    position--;
  }
  state[position] = value;
  return true;
}

function remerge(state: Float64Array, offset: number, shape: CalibratorShape): void {
  const { keep, blocks } = shape;
  const merged = offset + HEADER + blocks;
  const tops = merged + keep;
  state.fill(Number.NEGATIVE_INFINITY, merged, merged + keep);
  let count = 0;
  for (let block = 0; block < blocks; block++) {
    const start = tops + block * keep;
    for (let index = 0; index < keep; index++) {
      const value = state[start + index]!;
      if (value === Number.NEGATIVE_INFINITY) break;
      if (insertDescending(state, merged, keep, value) && count < keep) count++;
    }
  }
  state[offset + MERGED_COUNT] = count;
}

/** Adds an observation to the history (after {@link calibratorSurprise} was asked about it). */
export function calibratorPush(
  state: Float64Array,
  offset: number,
  shape: CalibratorShape,
  value: number,
): void {
  const { keep, blocks } = shape;
  const mean = state[offset + MEAN]!;
  state[offset + MEAN] = Number.isNaN(mean) ? value : mean + MEAN_WEIGHT * (value - mean);
  let block = state[offset + CURRENT_BLOCK]!;
  if (state[offset + CURRENT_COUNT]! >= shape.blockLength) {
    block = block + 1 === blocks ? 0 : block + 1;
    state[offset + CURRENT_BLOCK] = block;
    state[offset + TOTAL] = state[offset + TOTAL]! - state[offset + HEADER + block]!;
    state[offset + HEADER + block] = 0;
    state[offset + CURRENT_COUNT] = 0;
    const start = offset + HEADER + blocks + keep + block * keep;
    state.fill(Number.NEGATIVE_INFINITY, start, start + keep);
    remerge(state, offset, shape);
  }
  state[offset + CURRENT_COUNT] = state[offset + CURRENT_COUNT]! + 1;
  state[offset + HEADER + block] = state[offset + HEADER + block]! + 1;
  state[offset + TOTAL] = state[offset + TOTAL]! + 1;
  insertDescending(state, offset + HEADER + blocks + keep + block * keep, keep, value);
  const merged = offset + HEADER + blocks;
  if (insertDescending(state, merged, keep, value) && state[offset + MERGED_COUNT]! < keep) {
    state[offset + MERGED_COUNT] = state[offset + MERGED_COUNT]! + 1;
  }
}
