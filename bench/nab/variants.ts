/**
 * Robustness check: scores the built-in detectors on transformed copies of a NAB corpus that
 * mimic conditions of other data sets — coarser sampling (every 3rd / 12th row: 15-minute and
 * hourly data), a gap of two days cut out of every file, and a timestamp stepping backwards.
 * Label windows are moved to the rows that remain (first row at or after the start, last row at or
 * before the end).
 *
 *   pnpm tsx bench/nab/variants.ts --data <dir> --labels <combined_windows.json> [--detectors a,b]
 */
import { resolve } from 'node:path';
import { listArgument, parseArguments, requiredArguments } from './args.js';
import { type NabFile, type NabWindows, readNabDirectory, readNabWindows } from './corpus.js';
import { selectDetectors } from './detectors.js';
import { formatScoreTable } from './report.js';
import { runDetector } from './run.js';
import { scoreAllProfiles } from './scorer.js';

interface Variant {
  readonly name: string;
  readonly files: NabFile[];
  readonly windows: NabWindows;
}

function pick(file: NabFile, rows: readonly number[]): NabFile {
  return {
    ...file,
    rawTimestamps: rows.map((row) => file.rawTimestamps[row]!),
    rawValues: rows.map((row) => file.rawValues[row]!),
    timestamps: Float64Array.from(rows, (row) => file.timestamps[row]!),
    values: Float64Array.from(rows, (row) => file.values[row]!),
  };
}

/** Moves each window onto rows that exist in `file`; drops windows left without rows. */
function remap(
  file: NabFile,
  windows: ReadonlyArray<readonly [number, number]>,
): Array<readonly [number, number]> {
  const mapped: Array<readonly [number, number]> = [];
  for (const [start, end] of windows) {
    let first = Number.NaN;
    let last = Number.NaN;
    for (const time of file.timestamps) {
      if (time >= start && time <= end) {
        if (Number.isNaN(first)) first = time;
        last = time;
      }
    }
    if (!Number.isNaN(first)) mapped.push([first, last]);
  }
  return mapped;
}

function variant(
  name: string,
  files: readonly NabFile[],
  windows: NabWindows,
  transform: (file: NabFile) => NabFile,
): Variant {
  const transformed = files.map(transform);
  const mapped = new Map<string, ReadonlyArray<readonly [number, number]>>();
  for (const file of transformed) mapped.set(file.key, remap(file, windows.get(file.key) ?? []));
  return { name, files: transformed, windows: mapped };
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const required = requiredArguments(
    args,
    ['data', 'labels'],
    'usage: pnpm tsx bench/nab/variants.ts --data <dir> --labels <combined_windows.json> [--detectors a,b]',
  );
  if (!required) return;
  const { data, labels } = required;
  const files = readNabDirectory(resolve(data));
  const windows = readNabWindows(resolve(labels));
  const every = (step: number) => (file: NabFile) =>
    pick(
      file,
      Array.from({ length: Math.ceil(file.values.length / step) }, (_, index) => index * step),
    );
  const variants: Variant[] = [
    { name: 'original', files, windows },
    variant('every 3rd row (15-minute sampling)', files, windows, every(3)),
    variant('every 12th row (hourly sampling)', files, windows, every(12)),
    variant('two days cut out at 60%', files, windows, (file) => {
      const cutStart = Math.floor(file.values.length * 0.6);
      const cutEnd = file.timestamps.findIndex((time) => time >= file.timestamps[cutStart]! + 2 * 86_400_000);
      const rows = Array.from({ length: file.values.length }, (_, row) => row).filter(
        (row) => row < cutStart || (cutEnd >= 0 && row >= cutEnd),
      );
      return pick(file, rows);
    }),
    variant('a timestamp one hour back at 50%', files, windows, (file) => {
      const rows = Array.from({ length: file.values.length }, (_, row) => row);
      const shifted = pick(file, rows);
      const middle = Math.floor(rows.length / 2);
      const timestamps = Float64Array.from(shifted.timestamps);
      timestamps[middle] = timestamps[middle]! - 3_600_000;
      return { ...shifted, timestamps };
    }),
  ];
  const detectors = selectDetectors(listArgument(args.get('detectors')));
  for (const item of variants) {
    let windowCount = 0;
    for (const list of item.windows.values()) windowCount += list.length;
    console.log(
      `\n### ${item.name} (${item.files.reduce((sum, file) => sum + file.values.length, 0)} rows, ${windowCount} windows)\n`,
    );
    const rows = detectors.map((bench) => {
      const run = runDetector(bench, item.files);
      const scored = item.files.map((file) => ({
        key: file.key,
        timestamps: file.timestamps,
        scores: run.scores.get(file.key)!,
      }));
      return { name: bench.name, profiles: scoreAllProfiles(scored, item.windows) };
    });
    console.log(formatScoreTable(rows));
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) main();
