import { describe, expect, it } from 'vitest';
import type { NabWindows } from './corpus.js';
import {
  NAB_PROFILES,
  OUTSIDE,
  PROBATION,
  probationLength,
  scaledSigmoid,
  scoreCorpus,
  scoreCorpusAt,
  sweepFile,
} from './scorer.js';

const [standard, lowFalsePositives, lowFalseNegatives] = NAB_PROFILES as [
  (typeof NAB_PROFILES)[0],
  (typeof NAB_PROFILES)[0],
  (typeof NAB_PROFILES)[0],
];
const MINUTE = 60_000;
const start = Date.UTC(2024, 0, 1);
const times = (rows: number) => Float64Array.from({ length: rows }, (_, row) => start + row * MINUTE);
const at = (row: number) => start + row * MINUTE;

/** One 40-row file with one window over rows 20..29 (width 10); probation is rows 0..5. */
const key = 'category/file.csv';
const windows: NabWindows = new Map([[key, [[at(20), at(29)] as const]]]);
const file = (scores: Record<number, number>) => {
  const values = new Float64Array(40);
  for (const [row, score] of Object.entries(scores)) values[Number(row)] = score;
  return { key, timestamps: times(40), scores: values };
};

describe('NAB scoring primitives', () => {
  it('weights positions with the scaled sigmoid', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('puts the first 15% of a file, at most 750 rows, in probation', () => {
    expect(probationLength(40)).toBe(6);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(23_000)).toBe(750);
  });

  it('sweeps a file: full weight at the left edge, relief just after the window', () => {
    const sweep = sweepFile(key, times(40), windows.get(key)!, standard);
    expect(sweep.windowOfRow[5]).toBe(PROBATION);
    expect(sweep.windowOfRow[6]).toBe(OUTSIDE);
    expect(sweep.windowOfRow[20]).toBe(0);
    expect(sweep.windowOfRow[29]).toBe(0);
    expect(sweep.windowOfRow[30]).toBe(OUTSIDE);
    expect(sweep.sweepScores[20]).toBeCloseTo(1, 12);
    // Halfway (row 25): -(29 - 25 + 1) / 10 = -0.5 → 0.84828 / 0.98661.
    expect(sweep.sweepScores[25]).toBeCloseTo(0.85979, 5);
    // Last row of the window: position -0.1 → (2 / (1 + e^-0.5) - 1) / 0.98661.
    expect(sweep.sweepScores[29]).toBeCloseTo(0.24824, 5);
    // Before any window: the full false-positive weight.
    expect(sweep.sweepScores[10]).toBeCloseTo(-0.11, 12);
    // Two rows after the window: |29 - 31| / (10 - 1) → 0.11 × (2 / (1 + e^(10/9)) - 1).
    expect(sweep.sweepScores[31]).toBeCloseTo(-0.11 * 0.50464, 5);
    // Far after the window (position >= 3, i.e. 27 rows): the full weight again.
    expect(sweepFile(key, times(70), windows.get(key)!, standard).sweepScores[60]).toBeCloseTo(-0.11, 12);
  });
});

describe('scoreCorpus', () => {
  it('finds the best threshold and normalises between the null and the perfect detector', () => {
    // Row 10 (outside, before the window) scores 0.95; row 25 (mid-window) scores 0.9.
    const result = scoreCorpus([file({ 10: 0.95, 25: 0.9 })], windows, standard);
    // Threshold 0.9 detects both: 0.85979 - 0.11 = 0.74979; null = -1; perfect = 1.
    expect(result.threshold).toBe(0.9);
    expect(result.raw).toBeCloseTo(0.74979, 5);
    expect(result.rawNull).toBe(-1);
    expect(result.rawPerfect).toBe(1);
    expect(result.score).toBeCloseTo(87.49, 2);
    expect(result.detectedWindows).toBe(1);
    expect(result.falsePositives).toBe(1);
    expect(result.files[0]!.firstDetections).toEqual([25]);
  });

  it('scores at a fixed threshold without optimising', () => {
    const files = [file({ 10: 0.95, 25: 0.9 })];
    // At 0.95 only the false positive counts: -1 (missed window) - 0.11.
    const high = scoreCorpusAt(files, windows, standard, 0.95);
    expect(high.raw).toBeCloseTo(-1.11, 12);
    expect(high.score).toBeCloseTo(-5.5, 10);
    // At the optimum both ways agree.
    expect(scoreCorpusAt(files, windows, standard, 0.9).raw).toBeCloseTo(
      scoreCorpus(files, windows, standard).raw,
      12,
    );
  });

  it('counts only the earliest detection of a window and charges every false positive row', () => {
    // Rows 22, 24 and 28 in the window; rows 10 and 11 outside. All score 0.8.
    const result = scoreCorpus(
      [file({ 10: 0.8, 11: 0.8, 22: 0.8, 24: 0.8, 28: 0.8 })],
      windows,
      lowFalsePositives,
    );
    // Row 22: position -(29 - 22 + 1) / 10 = -0.8 → (2 / (1 + e^-4) - 1) / 0.98661 = 0.97711.
    expect(result.raw).toBeCloseTo(0.97711 - 2 * 0.22, 5);
    expect(result.falsePositives).toBe(2);
  });

  it('prefers detecting nothing when every threshold loses', () => {
    const result = scoreCorpus([file({ 10: 0.9, 11: 0.9, 29: 0.5 })], windows, standard);
    // Threshold 0.5 would earn 0.24824 + 1 (the window is no longer missed) - 0.22 = 1.028 > -1 … so it is chosen.
    expect(result.threshold).toBe(0.5);
    const onlyFalse = scoreCorpus([file({ 10: 0.9, 11: 0.9 })], windows, standard);
    expect(onlyFalse.threshold).toBe(1.1);
    expect(onlyFalse.raw).toBe(-1);
    expect(onlyFalse.score).toBe(0);
  });

  it('ignores rows in probation and doubles the cost of a miss under reward_low_FN', () => {
    // Rows 2 and 3 are in probation: their top scores are neither detections nor false positives.
    const result = scoreCorpus([file({ 2: 1, 3: 1, 20: 0.5 })], windows, lowFalseNegatives);
    expect(result.threshold).toBe(0.5);
    expect(result.falsePositives).toBe(0);
    expect(result.rawNull).toBe(-2);
    expect(result.raw).toBeCloseTo(1, 12);
    expect(result.score).toBeCloseTo(100, 10);
  });

  it('chooses one threshold for the whole corpus', () => {
    const second = 'category/other.csv';
    const both: NabWindows = new Map([...windows, [second, [[at(20), at(29)] as const]]]);
    // File one: a window hit at 0.6 and a false positive at 0.7. File two: a hit at 0.7.
    const one = file({ 10: 0.7, 20: 0.6 });
    const two = { key: second, timestamps: times(40), scores: new Float64Array(40).fill(0) };
    two.scores[20] = 0.7;
    const result = scoreCorpus([one, two], both, standard);
    // 0.7: 1 (file two) - 0.11 - 1 (file one missed) = -0.11; 0.6: 1 + 1 - 0.11 = 1.89.
    expect(result.threshold).toBe(0.6);
    expect(result.raw).toBeCloseTo(1.89, 10);
    expect(result.score).toBeCloseTo((100 * (1.89 + 2)) / 4, 10);
  });

  it('closes a window at the first row of its end timestamp when timestamps repeat', () => {
    const timestamps = times(40);
    timestamps[30] = timestamps[29]!;
    const sweep = sweepFile(key, timestamps, windows.get(key)!, standard);
    expect(sweep.windowOfRow[29]).toBe(0);
    expect(sweep.windowOfRow[30]).toBe(OUTSIDE);
  });

  it('rejects results that do not line up with the labels', () => {
    expect(() =>
      scoreCorpus([{ key, timestamps: times(40), scores: new Float64Array(39) }], windows, standard),
    ).toThrow(/39 scores for 40 rows/);
    const bad = file({});
    bad.scores[12] = Number.NaN;
    expect(() => scoreCorpus([bad], windows, standard)).toThrow(/non-finite score/);
    expect(() => scoreCorpus([{ ...file({}), key: 'x/unknown.csv' }], windows, standard)).toThrow(/labels/);
  });
});
