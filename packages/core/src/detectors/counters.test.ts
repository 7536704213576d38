import { describe, expect, it } from 'vitest';
import { counterRate, isCounterMetric, quietCounterPolicy } from './counters.js';

describe('counters', () => {
  it('recognises cumulative series by name, or by their metadata type when known', () => {
    for (const metric of [
      'node_cpu_seconds_total',
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_sum',
      'http_request_duration_seconds_bucket',
      'http_requests_created',
    ]) {
      expect(isCounterMetric(metric), metric).toBe(true);
    }
    for (const metric of [
      'node_load1',
      'go_goroutines',
      'total',
      'count_of_things',
      'node_memory_MemFree_bytes',
    ]) {
      expect(isCounterMetric(metric), metric).toBe(false);
    }
    expect(isCounterMetric('node_vmstat_pgfault', 'counter')).toBe(true);
    expect(isCounterMetric('queue_total', 'gauge')).toBe(false);
    expect(isCounterMetric('queue_total', 'unknown')).toBe(true);
  });

  it('rates counters quietly: buckets and _created are skipped, gauges judged raw', () => {
    expect(quietCounterPolicy('http_requests_total')).toBe('rate');
    expect(quietCounterPolicy('rpc_duration_seconds_count')).toBe('rate');
    expect(quietCounterPolicy('rpc_duration_seconds_sum')).toBe('rate');
    expect(quietCounterPolicy('rpc_duration_seconds_bucket')).toBe('skip');
    expect(quietCounterPolicy('http_requests_created')).toBe('skip');
    expect(quietCounterPolicy('node_load1')).toBe('raw');
  });

  it('computes per-second increases from sample timestamps, treating a drop as a reset', () => {
    expect(counterRate(100, 0, 160, 30_000)).toBe(2);
    expect(counterRate(100, 0, 100, 15_000)).toBe(0);
    // Reset: the process restarted and counted 12 since.
    expect(counterRate(1000, 0, 12, 4000)).toBe(3);
    // Time did not move forward: no rate.
    expect(counterRate(100, 5000, 120, 5000)).toBeNaN();
    expect(counterRate(100, 5000, 120, 4000)).toBeNaN();
    expect(counterRate(100, Number.NaN, 120, 4000)).toBeNaN();
  });
});
