/**
 * Operating points of the novelty detectors: for a range of finding thresholds, the NAB standard
 * score when exactly the samples at or above the threshold count as detections (no optimisation),
 * and the false alarms per 10,000 samples on synthetic series without anomalies (Gaussian noise,
 * heavy-tailed Student-t noise, a daily wave, a counter, a random walk; 20,000 samples each).
 *
 *   pnpm tsx bench/nab/operating-points.ts --data <dir> --labels <combined_windows.json>
 */
import { resolve } from 'node:path';
import type { Detector } from '../../packages/core/src/contracts/detector.js';
import {
  adaptiveDetector,
  rangeDetector,
  seasonalDetector,
  volatilityDetector,
} from '../../packages/core/src/detectors/index.js';
import { parseArguments, requiredArguments } from './args.js';
import { readNabDirectory, readNabWindows } from './corpus.js';
import { NAB_PROFILES, scoreCorpusAt } from './scorer.js';
import { streamFile } from './stream.js';

const SAMPLES = 20_000;

/** A deterministic pseudo-random source (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(kind: string, seed: number): number[] {
  const uniform = random(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const values: number[] = [];
  let level = 100;
  let counter = 0;
  for (let index = 0; index < SAMPLES; index++) {
    if (kind === 'gaussian') values.push(100 + gaussian());
    else if (kind === 'student-t3') {
      const chiSquare = gaussian() ** 2 + gaussian() ** 2 + gaussian() ** 2;
      values.push(100 + gaussian() / Math.sqrt(chiSquare / 3));
    } else if (kind === 'daily wave')
      values.push(50 + 30 * Math.sin((2 * Math.PI * index) / 288) + gaussian());
    else if (kind === 'counter') {
      counter += Math.max(0, 10 + 3 * gaussian());
      values.push(counter);
    } else {
      level += gaussian();
      values.push(level);
    }
  }
  return values;
}

const KINDS = ['gaussian', 'student-t3', 'daily wave', 'counter', 'random walk'];
const THRESHOLDS = [0.54, 0.56, 0.57, 0.58, 0.6, 0.61, 0.62, 0.64, 0.66];

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const required = requiredArguments(
    args,
    ['data', 'labels'],
    'usage: pnpm tsx bench/nab/operating-points.ts --data <dir> --labels <combined_windows.json>',
  );
  if (!required) return;
  const { data, labels } = required;
  const files = readNabDirectory(resolve(data));
  const windows = readNabWindows(resolve(labels));
  const detectors: Array<[string, () => Detector]> = [
    ['adaptive', () => adaptiveDetector()],
    ['seasonal', () => seasonalDetector()],
    ['volatility', () => volatilityDetector()],
    ['range', () => rangeDetector()],
  ];
  for (const [name, create] of detectors) {
    const scored = files.map((file) => ({
      key: file.key,
      timestamps: file.timestamps,
      scores: streamFile(create(), file),
    }));
    const noise = KINDS.map((kind) => {
      const detector = create();
      const buffer = new Float64Array(1);
      return synthetic(kind, 42).map((value, index) => {
        detector.observe(
          [
            {
              seriesId: kind,
              metric: 'value',
              labels: {},
              value,
              timestamp: Date.UTC(2024, 0, 1) + index * 300_000,
              target: 'synthetic',
            },
          ],
          { scores: buffer },
        );
        return buffer[0]!;
      });
    });
    console.log(`\n${name}\n`);
    console.log(
      `| threshold | NAB standard at this threshold (windows found, FP rows) | ${KINDS.map((kind) => `${kind} alarms / 10k`).join(' | ')} |`,
    );
    console.log(`| --- | --- | ${KINDS.map(() => '---').join(' | ')} |`);
    for (const threshold of THRESHOLDS) {
      const atThreshold = scoreCorpusAt(scored, windows, NAB_PROFILES[0]!, threshold);
      const rates = noise.map((scores) =>
        ((scores.filter((score) => score >= threshold).length / SAMPLES) * 1e4).toFixed(1),
      );
      console.log(
        `| ${threshold.toFixed(2)} | ${atThreshold.score.toFixed(1)} (${atThreshold.detectedWindows}, ${atThreshold.falsePositives}) | ${rates.join(' | ')} |`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) main();
