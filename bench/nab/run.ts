/**
 * Runs every built-in detector over a NAB corpus as a stream and writes NAB result files.
 *
 *   pnpm bench:nab --data <dir with NAB category folders> --out <dir> [--detectors a,b] [--labels <windows.json>]
 *
 * Writes `<out>/<detector>/<category>/<file name>` with `timestamp,value,anomaly_score`, one row
 * per input row (timestamp and value copied verbatim). With `--labels`, also scores the results
 * and prints the table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listArgument, parseArguments, requiredArguments } from './args.js';
import { type NabFile, readNabDirectory, readNabWindows } from './corpus.js';
import { type BenchDetector, selectDetectors } from './detectors.js';
import { formatScoreTable } from './report.js';
import { scoreAllProfiles } from './scorer.js';
import { renderResultCsv, type StreamReport, streamFile } from './stream.js';

/** Timing and validity of one detector's run. */
export interface DetectorRun {
  readonly name: string;
  readonly rows: number;
  readonly milliseconds: number;
  readonly invalidScores: number;
  readonly scores: ReadonlyMap<string, Float64Array>;
}

/** Streams every file through a fresh detector and writes the result files under `outDirectory`. */
export function runDetector(
  bench: BenchDetector,
  files: readonly NabFile[],
  outDirectory?: string,
): DetectorRun {
  const detector = bench.create();
  const report: StreamReport = { invalidScores: 0 };
  const scores = new Map<string, Float64Array>();
  let rows = 0;
  let milliseconds = 0;
  for (const file of files) {
    const started = performance.now();
    const fileScores = streamFile(detector, file, report);
    milliseconds += performance.now() - started;
    rows += fileScores.length;
    scores.set(file.key, fileScores);
    if (outDirectory) {
      const directory = join(outDirectory, bench.name, file.category);
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(directory, file.name), renderResultCsv(file, fileScores));
    }
  }
  return { name: bench.name, rows, milliseconds, invalidScores: report.invalidScores, scores };
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const required = requiredArguments(
    args,
    ['data', 'out'],
    'usage: pnpm bench:nab --data <dir with NAB category folders> --out <dir> [--detectors a,b] [--labels <combined_windows.json>]',
  );
  if (!required) return;
  const { data, out } = required;
  const files = readNabDirectory(resolve(data));
  if (files.length === 0) throw new Error(`no CSV files under ${data}/<category>/`);
  const detectors = selectDetectors(listArgument(args.get('detectors')));
  const labels = args.get('labels');
  const windows = labels ? readNabWindows(resolve(labels)) : undefined;
  console.log(`${files.length} files, ${files.reduce((sum, file) => sum + file.values.length, 0)} rows`);
  const tables: string[] = [];
  for (const bench of detectors) {
    const run = runDetector(bench, files, resolve(out));
    const perSample = (run.milliseconds * 1e6) / run.rows;
    console.log(
      `${bench.name.padEnd(14)} ${run.milliseconds.toFixed(0).padStart(6)} ms  ${perSample.toFixed(0).padStart(6)} ns/sample${
        run.invalidScores > 0 ? `  ${run.invalidScores} invalid scores clamped` : ''
      }`,
    );
    if (windows) {
      const scored = files.map((file) => ({
        key: file.key,
        timestamps: file.timestamps,
        scores: run.scores.get(file.key)!,
      }));
      tables.push(
        formatScoreTable(
          [{ name: bench.name, profiles: scoreAllProfiles(scored, windows) }],
          tables.length === 0,
        ),
      );
    }
  }
  if (tables.length > 0) console.log(`\n${tables.join('\n')}`);
  console.log(`\nresults written to ${resolve(out)}`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) main();
