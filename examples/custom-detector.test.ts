import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('runs the custom detector example next to the built-in detectors', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/custom-detector.ts'], {
    cwd: join(import.meta.dirname, '..'),
  });
  expect(stdout.trim().split('\n')).toEqual([
    'tick 10 threshold web-2: cpu_usage is 95, above 80',
    'tick 10 zscore web-2: cpu_usage is 95, 65.13 standard deviations above its mean of 40.9 over the last 10 values',
    'tick 10 jump web-2: cpu_usage moved 138% since the last sample',
    'tick 11 jump web-2: cpu_usage moved 56% since the last sample',
  ]);
});
