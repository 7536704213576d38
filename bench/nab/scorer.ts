/**
 * An implementation of the Numenta Anomaly Benchmark's scoring (NAB v1.1): probation, earliest
 * detection per window weighted by a scaled sigmoid, false positives with relief just after a
 * window, one threshold per profile optimised over the whole corpus, and normalisation between the
 * null detector (0) and a perfect one (100).
 */
import type { NabWindows } from './corpus.js';

/** The weights of one NAB application profile. */
export interface NabProfile {
  readonly name: string;
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** NAB's three application profiles (`config/profiles.json`). */
export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  { name: 'reward_low_FP_rate', tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  { name: 'reward_low_FN_rate', tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
];

/** Share of each file (from its start) that is not scored. */
export const PROBATION_PERCENT = 0.15;

/** Rows of probation for a file of `rows` rows: 15% of it, at most 750. */
export function probationLength(rows: number, probationPercent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
}

/**
 * NAB's scaled sigmoid of a relative position: about 0.987 at -1 (a window's left edge), 0 at 0
 * (its right edge), about -0.987 at 1, and exactly -1 from 3 on.
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** Marks a row as inside the probation period. */
export const PROBATION = -2;
/** Marks a row as outside every window. */
export const OUTSIDE = -1;

/** Per-row result of sweeping one file against its windows. */
export interface FileSweep {
  /** The score a detection at this row would add (positive in a window, negative outside). */
  readonly sweepScores: Float64Array;
  /** Index of the file's window the row is in, {@link OUTSIDE}, or {@link PROBATION}. */
  readonly windowOfRow: Int32Array;
  /** Number of windows of the file. */
  readonly windowCount: number;
}

function firstIndexOf(timestamps: Float64Array, value: number): number {
  for (let index = 0; index < timestamps.length; index++) if (timestamps[index] === value) return index;
  return -1;
}

/**
 * Weighs every row of one file as NAB does: inside a window, the weight a detection there would
 * earn (scaled sigmoid of its position, `tpWeight` at the left edge); outside, the cost of a false
 * positive (`-fpWeight`, less just after a window's right edge).
 */
export function sweepFile(
  key: string,
  timestamps: Float64Array,
  windows: ReadonlyArray<readonly [number, number]>,
  profile: NabProfile,
  probationPercent = PROBATION_PERCENT,
): FileSweep {
  const rows = timestamps.length;
  const sweepScores = new Float64Array(rows);
  const windowOfRow = new Int32Array(rows);
  const maxTruePositive = scaledSigmoid(-1);
  const probation = probationLength(rows, probationPercent);

  let nextWindow = 0;
  let currentWindow = -1;
  let currentEnd = 0;
  let currentRight = 0;
  let currentWidth = 0;
  let previousRight = -1;
  let previousWidth = 0;

  for (let row = 0; row < rows; row++) {
    const time = timestamps[row]!;
    if (nextWindow < windows.length && time === windows[nextWindow]![0]) {
      const [start, end] = windows[nextWindow]!;
      currentWindow = nextWindow;
      nextWindow++;
      currentEnd = end;
      currentRight = firstIndexOf(timestamps, end);
      if (currentRight < 0) throw new Error(`${key}: window end ${new Date(end).toISOString()} is not a row`);
      currentWidth = currentRight - firstIndexOf(timestamps, start) + 1;
    }
    let weighted: number;
    if (currentWindow >= 0) {
      const position = -(currentRight - row + 1) / currentWidth;
      weighted = (scaledSigmoid(position) * profile.tpWeight) / maxTruePositive;
    } else {
      let position = 3;
      if (previousRight >= 0 && previousWidth > 1)
        position = Math.abs(previousRight - row) / (previousWidth - 1);
      weighted = scaledSigmoid(position) * profile.fpWeight;
    }
    sweepScores[row] = weighted;
    windowOfRow[row] = row >= probation ? currentWindow : PROBATION;
    if (currentWindow >= 0 && time === currentEnd) {
      previousRight = row;
      previousWidth = currentWidth;
      currentWindow = -1;
    }
  }
  if (nextWindow < windows.length) {
    const missing = windows[nextWindow]![0];
    throw new Error(`${key}: window start ${new Date(missing).toISOString()} is not a row`);
  }
  return { sweepScores, windowOfRow, windowCount: windows.length };
}

/** One file of detector output to score. */
export interface ScoredFile {
  readonly key: string;
  readonly timestamps: Float64Array;
  readonly scores: ArrayLike<number>;
}

/** The score of one detector on a corpus under one profile, at the best threshold. */
export interface ProfileScore {
  readonly profile: string;
  /** Normalised score: 0 = null detector, 100 = perfect. */
  readonly score: number;
  /** Raw (unnormalised) score at the best threshold. */
  readonly raw: number;
  readonly rawNull: number;
  readonly rawPerfect: number;
  /** Anomaly score at or above which a row counts as a detection. */
  readonly threshold: number;
  /** Windows with at least one detection. */
  readonly detectedWindows: number;
  /** Windows without a detection. */
  readonly missedWindows: number;
  /** Detections outside every window (scored rows only). */
  readonly falsePositives: number;
  /** Per-file breakdown at the best threshold. */
  readonly files: readonly FileScore[];
}

/** How one file fared at the corpus threshold. */
export interface FileScore {
  readonly key: string;
  readonly raw: number;
  readonly detectedWindows: number;
  readonly windows: number;
  readonly falsePositives: number;
  /** Row index of the earliest detection in each window (-1 when missed). */
  readonly firstDetections: readonly number[];
}

interface CorpusSweep {
  readonly scores: Float64Array;
  readonly sweepScores: Float64Array;
  /** Corpus-wide window id, OUTSIDE or PROBATION. */
  readonly windowIds: Int32Array;
  readonly fileOfRow: Int32Array;
  readonly rowInFile: Int32Array;
  readonly windowCount: number;
  readonly windowFile: Int32Array;
  readonly windowIndexInFile: Int32Array;
  readonly labelledWindows: number;
}

function sweepCorpus(
  files: readonly ScoredFile[],
  windows: NabWindows,
  profile: NabProfile,
  probationPercent: number,
): CorpusSweep {
  let rows = 0;
  for (const file of files) rows += file.timestamps.length;
  const scores = new Float64Array(rows);
  const sweepScores = new Float64Array(rows);
  const windowIds = new Int32Array(rows);
  const fileOfRow = new Int32Array(rows);
  const rowInFile = new Int32Array(rows);
  const windowFile: number[] = [];
  const windowIndexInFile: number[] = [];
  let offset = 0;
  let labelledWindows = 0;
  files.forEach((file, fileIndex) => {
    const fileWindows = windows.get(file.key);
    if (!fileWindows) throw new Error(`${file.key}: no entry in the labels file`);
    if (file.scores.length !== file.timestamps.length) {
      throw new Error(`${file.key}: ${file.scores.length} scores for ${file.timestamps.length} rows`);
    }
    labelledWindows += fileWindows.length;
    const sweep = sweepFile(file.key, file.timestamps, fileWindows, profile, probationPercent);
    const firstWindowId = windowFile.length;
    for (let index = 0; index < fileWindows.length; index++) {
      windowFile.push(fileIndex);
      windowIndexInFile.push(index);
    }
    for (let row = 0; row < file.timestamps.length; row++) {
      const score = file.scores[row]!;
      if (!Number.isFinite(score)) throw new Error(`${file.key}: row ${row + 2} has a non-finite score`);
      scores[offset + row] = score;
      sweepScores[offset + row] = sweep.sweepScores[row]!;
      const window = sweep.windowOfRow[row]!;
      windowIds[offset + row] = window >= 0 ? firstWindowId + window : window;
      fileOfRow[offset + row] = fileIndex;
      rowInFile[offset + row] = row;
    }
    offset += file.timestamps.length;
  });
  return {
    scores,
    sweepScores,
    windowIds,
    fileOfRow,
    rowInFile,
    windowCount: windowFile.length,
    windowFile: Int32Array.from(windowFile),
    windowIndexInFile: Int32Array.from(windowIndexInFile),
    labelledWindows,
  };
}

/** A candidate threshold and the raw corpus score it yields. */
export interface ThresholdScore {
  readonly threshold: number;
  readonly raw: number;
}

/**
 * Raw corpus score for every distinct threshold, from the highest (nothing detected) down, as
 * NAB's sweeper computes it: a window earns the best (earliest) of its detections, every
 * detection outside a window adds its (negative) weight.
 */
function scoresByThreshold(
  sweep: CorpusSweep,
  fnWeight: number,
): { list: ThresholdScore[]; scorable: number[] } {
  const scorable: number[] = [];
  for (let row = 0; row < sweep.scores.length; row++)
    if (sweep.windowIds[row] !== PROBATION) scorable.push(row);
  scorable.sort((a, b) => sweep.scores[b]! - sweep.scores[a]!);

  const windowPart = new Float64Array(sweep.windowCount).fill(Number.NaN);
  let total = 0;
  for (const row of scorable) {
    const window = sweep.windowIds[row]!;
    if (window >= 0 && Number.isNaN(windowPart[window]!)) {
      windowPart[window] = -fnWeight;
      total -= fnWeight;
    }
  }
  const list: ThresholdScore[] = [];
  let threshold = 1.1;
  for (const row of scorable) {
    const score = sweep.scores[row]!;
    if (score !== threshold) {
      list.push({ threshold, raw: total });
      threshold = score;
    }
    const window = sweep.windowIds[row]!;
    const weight = sweep.sweepScores[row]!;
    if (window < 0) {
      total += weight;
    } else if (weight > windowPart[window]!) {
      total += weight - windowPart[window]!;
      windowPart[window] = weight;
    }
  }
  list.push({ threshold, raw: total });
  return { list, scorable };
}

/**
 * Scores a detector's output on a corpus under one profile: finds the threshold that maximises the
 * corpus score and normalises it (`100 * (raw - null) / (perfect - null)`).
 */
export function scoreCorpus(
  files: readonly ScoredFile[],
  windows: NabWindows,
  profile: NabProfile,
  probationPercent = PROBATION_PERCENT,
): ProfileScore {
  const sweep = sweepCorpus(files, windows, profile, probationPercent);
  const { list } = scoresByThreshold(sweep, profile.fnWeight);
  let best = list[0]!;
  for (const candidate of list) if (candidate.raw > best.raw) best = candidate;
  return evaluateAt(sweep, files, profile, best.threshold);
}

/**
 * Scores a detector's output at a fixed threshold (rows scoring at or above it are detections),
 * without optimising: how a detector does at the threshold it alerts on.
 */
export function scoreCorpusAt(
  files: readonly ScoredFile[],
  windows: NabWindows,
  profile: NabProfile,
  threshold: number,
  probationPercent = PROBATION_PERCENT,
): ProfileScore {
  return evaluateAt(sweepCorpus(files, windows, profile, probationPercent), files, profile, threshold);
}

function evaluateAt(
  sweep: CorpusSweep,
  files: readonly ScoredFile[],
  profile: NabProfile,
  threshold: number,
): ProfileScore {
  const scorableWindows = new Uint8Array(sweep.windowCount);
  for (let row = 0; row < sweep.windowIds.length; row++) {
    const window = sweep.windowIds[row]!;
    if (window >= 0) scorableWindows[window] = 1;
  }
  let windowsWithRows = 0;
  for (const flag of scorableWindows) windowsWithRows += flag;
  const rawNull = -profile.fnWeight * windowsWithRows;
  const rawPerfect = profile.tpWeight * sweep.labelledWindows;

  const firstDetection = new Int32Array(sweep.windowCount).fill(-1);
  const fileRaw = new Float64Array(files.length);
  const filePositives = new Int32Array(files.length);
  const windowBest = new Float64Array(sweep.windowCount).fill(Number.NaN);
  for (let row = 0; row < sweep.scores.length; row++) {
    const window = sweep.windowIds[row]!;
    if (window === PROBATION || sweep.scores[row]! < threshold) continue;
    const file = sweep.fileOfRow[row]!;
    if (window === OUTSIDE) {
      fileRaw[file] = fileRaw[file]! + sweep.sweepScores[row]!;
      filePositives[file] = filePositives[file]! + 1;
    } else if (firstDetection[window] === -1) {
      firstDetection[window] = sweep.rowInFile[row]!;
      windowBest[window] = sweep.sweepScores[row]!;
    }
  }
  let detectedWindows = 0;
  let falsePositives = 0;
  let raw = 0;
  for (let window = 0; window < sweep.windowCount; window++) {
    const file = sweep.windowFile[window]!;
    if (firstDetection[window] !== -1) {
      detectedWindows++;
      fileRaw[file] = fileRaw[file]! + windowBest[window]!;
    } else if (scorableWindows[window]) {
      fileRaw[file] = fileRaw[file]! - profile.fnWeight;
    }
  }
  const fileScores: FileScore[] = files.map((file, fileIndex) => {
    const detections: number[] = [];
    let detected = 0;
    for (let window = 0; window < sweep.windowCount; window++) {
      if (sweep.windowFile[window] !== fileIndex) continue;
      detections.push(firstDetection[window]!);
      if (firstDetection[window] !== -1) detected++;
    }
    falsePositives += filePositives[fileIndex]!;
    raw += fileRaw[fileIndex]!;
    return {
      key: file.key,
      raw: fileRaw[fileIndex]!,
      detectedWindows: detected,
      windows: detections.length,
      falsePositives: filePositives[fileIndex]!,
      firstDetections: detections,
    };
  });
  const span = rawPerfect - rawNull;
  return {
    profile: profile.name,
    score: span === 0 ? 0 : (100 * (raw - rawNull)) / span,
    raw,
    rawNull,
    rawPerfect,
    threshold,
    detectedWindows,
    missedWindows: sweep.windowCount - detectedWindows,
    falsePositives,
    files: fileScores,
  };
}

/** Scores a corpus under every profile. */
export function scoreAllProfiles(
  files: readonly ScoredFile[],
  windows: NabWindows,
  profiles: readonly NabProfile[] = NAB_PROFILES,
): ProfileScore[] {
  return profiles.map((profile) => scoreCorpus(files, windows, profile));
}
