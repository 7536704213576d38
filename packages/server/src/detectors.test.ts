import type { Detector, Sample } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { serverDetectors } from './detectors.js';

const START = Date.UTC(2026, 0, 1);

/** Feeds one series through the detectors, one sample per tick, and returns the ticks that fired per detector. */
function fired(detectors: Detector[], metric: string, values: readonly number[]): Record<string, number[]> {
  const result: Record<string, number[]> = {};
  values.forEach((value, tick) => {
    const sample: Sample = {
      seriesId: `local|${metric}`,
      metric,
      labels: { instance: 'app-1' },
      value,
      timestamp: START + tick * 30_000,
      target: 'local',
    };
    for (const detector of detectors) {
      if (detector.observe([sample]).length > 0)
        result[detector.name] = [...(result[detector.name] ?? []), tick];
    }
  });
  return result;
}

describe('serverDetectors', () => {
  it('runs the threshold rules and the z-score with Z_THRESHOLD', () => {
    expect(serverDetectors().map((detector) => detector.name)).toEqual(['threshold', 'zscore']);
    // Window [1, 2, 3, 4, 5]: mean 3, deviation √2; 8.3 is z = 3.75.
    const values = [1, 2, 3, 4, 5, 8.3];
    expect(fired(serverDetectors(), 'queue_depth', values)).toEqual({ zscore: [5] });
    expect(fired(serverDetectors({ zThreshold: 4 }), 'queue_depth', values)).toEqual({});
    expect(fired(serverDetectors(), 'cpu_usage', [50, 60, 95])).toEqual({ threshold: [2] });
  });

  it('stays quiet on a flat series that moves and on a counter growing at its usual pace', () => {
    expect(fired(serverDetectors(), 'go_goroutines', [10, 10, 10, 10, 10, 10, 11])).toEqual({});
    // A counter that was idle resumes at 1 per second: the raw value would leave its window.
    const resumes = [...Array(10).fill(1000), 1030, 1060, 1090, 1120, 1150, 1180];
    expect(fired(serverDetectors(), 'jobs_processed_total', resumes)).toEqual({});
    // A burst in its rate is reported.
    const burst = [1000, 1030, 1061, 1090, 1121, 1150, 1181, 1210, 5000];
    expect(fired(serverDetectors(), 'jobs_processed_total', burst)).toEqual({ zscore: [8] });
  });
});
