import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNabDirectory } from './corpus.js';
import { NAB_DETECTORS } from './detectors.js';
import { runDetector } from './run.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'nab-run-'));
const data = join(root, 'data');
const out = join(root, 'out');

function csv(rows: ReadonlyArray<readonly [string, string]>): string {
  return `timestamp,value\n${rows.map(([time, value]) => `${time},${value}`).join('\n')}\n`;
}

function timestamp(minutes: number): string {
  return new Date(Date.UTC(2024, 0, 1) + minutes * 60_000).toISOString().replace('T', ' ').slice(0, 19);
}

beforeAll(() => {
  mkdirSync(join(data, 'synthetic'), { recursive: true });
  mkdirSync(join(data, 'irregular'), { recursive: true });
  // Two days of a daily wave with a spike, every 10 minutes.
  const wave: Array<[string, string]> = [];
  for (let step = 0; step < 400; step++) {
    const value = step === 350 ? 500 : 50 + 20 * Math.sin((step / 144) * 2 * Math.PI) + (step % 7);
    wave.push([timestamp(step * 10), String(value)]);
  }
  writeFileSync(join(data, 'synthetic', 'wave.csv'), csv(wave));
  writeFileSync(join(data, 'synthetic', 'flat.csv'), csv(wave.map(([time]) => [time, '7'] as const)));
  // Gaps of days, a repeated and a backwards timestamp, an empty and a non-numeric value, huge values.
  const irregular: Array<[string, string]> = [];
  let minutes = 0;
  for (let step = 0; step < 300; step++) {
    minutes += step === 100 ? 3 * 24 * 60 : step === 150 ? 0 : step === 200 ? -30 : 60;
    const value = step === 120 ? '' : step === 121 ? 'n/a' : String(8.6e8 + (step % 5) * 1e3);
    irregular.push([timestamp(minutes), value]);
  }
  writeFileSync(join(data, 'irregular', 'messy.csv'), csv(irregular));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('NAB runner', () => {
  it('writes one row per input row for every detector, copying timestamp and value, scores in [0, 1]', () => {
    const files = readNabDirectory(data);
    expect(files.map((file) => file.key)).toEqual([
      'irregular/messy.csv',
      'synthetic/flat.csv',
      'synthetic/wave.csv',
    ]);
    for (const bench of NAB_DETECTORS) {
      const result = runDetector(bench, files, out);
      expect(result.invalidScores, bench.name).toBe(0);
      for (const file of files) {
        const written = readFileSync(join(out, bench.name, file.key), 'utf8')
          .trimEnd()
          .split('\n');
        expect(written[0]).toBe('timestamp,value,anomaly_score');
        expect(written).toHaveLength(file.values.length + 1);
        const input = readFileSync(join(data, file.key), 'utf8').trimEnd().split('\n');
        written.slice(1).forEach((line, row) => {
          const cells = line.split(',');
          expect(`${cells[0]},${cells[1]}`).toBe(input[row + 1]);
          const score = Number(cells[2]);
          expect(Number.isFinite(score) && score >= 0 && score <= 1, `${bench.name} ${file.key}:${row}`).toBe(
            true,
          );
        });
      }
    }
  });

  it('scores the spike of the wave above everything else with the adaptive detector', () => {
    const files = readNabDirectory(data);
    const adaptive = NAB_DETECTORS.find((bench) => bench.name === 'adaptive')!;
    const scores = runDetector(adaptive, files).scores.get('synthetic/wave.csv')!;
    const top = scores.indexOf(Math.max(...scores));
    expect(top).toBe(350);
    expect(Math.max(...runDetector(adaptive, files).scores.get('synthetic/flat.csv')!)).toBe(0);
  });

  it('runs from the command line and prints scores with --labels', async () => {
    const labels = join(root, 'windows.json');
    writeFileSync(
      labels,
      JSON.stringify({
        'irregular/messy.csv': [],
        'synthetic/flat.csv': [],
        'synthetic/wave.csv': [[`${timestamp(3500)}.000000`, `${timestamp(3700)}.000000`]],
      }),
    );
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/nab/run.ts',
        '--data',
        data,
        '--out',
        join(root, 'cli'),
        '--detectors',
        'zscore,adaptive',
        '--labels',
        labels,
      ],
      { cwd: join(import.meta.dirname, '..', '..') },
    );
    // The spike opens the window and nothing else is flagged: a perfect score.
    expect(stdout).toMatch(/\| adaptive \| 100\.0 \| 100\.0 \| 100\.0 \| 1\/1 \| 0 \|/);
    expect(readFileSync(join(root, 'cli', 'zscore', 'synthetic', 'wave.csv'), 'utf8')).toMatch(
      /^timestamp,value,anomaly_score\n/,
    );
  });

  it('refuses an unknown detector name', async () => {
    await expect(
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/nab/run.ts',
          '--data',
          data,
          '--out',
          join(root, 'x'),
          '--detectors',
          'nope',
        ],
        {
          cwd: join(import.meta.dirname, '..', '..'),
        },
      ),
    ).rejects.toThrow(/unknown detector "nope"/);
  });
});
