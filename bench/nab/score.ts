/**
 * Scores NAB result directories with this repository's implementation of NAB's scorer.
 *
 *   pnpm tsx bench/nab/score.ts --results <out> --labels <combined_windows.json> [--detectors a,b] [--files] [--json <file>]
 *   pnpm tsx bench/nab/score.ts --baselines <data dir> --labels <combined_windows.json>
 *
 * `--results` holds one folder per detector (`<detector>/<category>/<file>.csv`); every file named
 * in the labels must be there. `--files` adds the per-file breakdown (standard profile).
 * `--baselines` scores the rolling z-score baselines (last 100, 288 and 1000 values, score
 * 1 - Q(|z|)) computed from the data, to check the scorer against published reference numbers.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listArgument, parseArguments } from './args.js';
import { rollingZScoreScores } from './baselines.js';
import { type NabWindows, parseNabCsv, readNabDirectory, readNabWindows } from './corpus.js';
import { type DetectorScores, formatScoreTable } from './report.js';
import { type ScoredFile, scoreAllProfiles } from './scorer.js';

/** Reads one detector's result folder, in the order of the label keys. */
export function readResults(directory: string, windows: NabWindows): ScoredFile[] {
  const missing: string[] = [];
  const files: ScoredFile[] = [];
  for (const key of [...windows.keys()].sort()) {
    const path = join(directory, key);
    if (!existsSync(path)) {
      missing.push(key);
      continue;
    }
    const file = parseNabCsv(readFileSync(path, 'utf8'), key);
    if (!file.scores) throw new Error(`${path}: no anomaly_score column`);
    files.push({ key, timestamps: file.timestamps, scores: file.scores });
  }
  if (missing.length > 0) {
    throw new Error(
      `${directory}: ${missing.length} result files missing, e.g. ${missing.slice(0, 3).join(', ')}`,
    );
  }
  return files;
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const labels = args.get('labels');
  const resultsDirectory = args.get('results');
  const baselineData = args.get('baselines');
  if (!labels || (!resultsDirectory && !baselineData)) {
    console.error(
      'usage: pnpm tsx bench/nab/score.ts --results <dir> --labels <combined_windows.json> [--detectors a,b] [--files] [--json <file>]\n' +
        '       pnpm tsx bench/nab/score.ts --baselines <data dir> --labels <combined_windows.json>',
    );
    process.exitCode = 2;
    return;
  }
  const windows = readNabWindows(resolve(labels));
  const rows: DetectorScores[] = [];
  if (baselineData) {
    const data = readNabDirectory(resolve(baselineData));
    for (const window of [100, 288, 1000]) {
      const scored = data.map((file) => ({
        key: file.key,
        timestamps: file.timestamps,
        scores: rollingZScoreScores(file.values, { window }),
      }));
      rows.push({ name: `rolling z-score, last ${window}`, profiles: scoreAllProfiles(scored, windows) });
    }
  }
  if (resultsDirectory) {
    const root = resolve(resultsDirectory);
    const wanted = listArgument(args.get('detectors'));
    const names = readdirSync(root)
      .filter((name) => statSync(join(root, name)).isDirectory())
      .filter((name) => wanted.length === 0 || wanted.includes(name))
      .sort();
    for (const name of names) {
      rows.push({ name, profiles: scoreAllProfiles(readResults(join(root, name), windows), windows) });
    }
  }
  console.log(formatScoreTable(rows));
  if (args.has('files')) {
    for (const row of rows) {
      const standard = row.profiles[0]!;
      console.log(`\n${row.name} (standard, threshold ${standard.threshold})`);
      for (const file of standard.files) {
        console.log(
          `  ${file.key.padEnd(58)} ${file.raw.toFixed(2).padStart(7)}  windows ${file.detectedWindows}/${file.windows}  FP ${file.falsePositives}`,
        );
      }
    }
  }
  const json = args.get('json');
  if (json) {
    const summary = rows.map((row) => ({
      detector: row.name,
      profiles: row.profiles.map(({ files: _files, ...profile }) => profile),
    }));
    writeFileSync(resolve(json), `${JSON.stringify(summary, null, 2)}\n`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) main();
