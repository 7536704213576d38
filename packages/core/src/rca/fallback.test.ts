import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../model/anomaly.js';
import { rcaContentSchema } from '../model/rca.js';
import { buildFallbackRca, formatDuration, formatNumber } from './fallback.js';
import { metricFamily } from './families.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function anomaly(overrides: Partial<Anomaly>): Anomaly {
  return {
    id: 'a',
    fingerprint: 'f',
    metric: 'some_metric',
    labels: {},
    value: 1,
    score: 0.9,
    severity: 'high',
    reason: 'reason',
    detector: 'threshold',
    target: 'prod',
    status: 'firing',
    evidence: {},
    startsAt: T0,
    endsAt: null,
    updatedAt: T0,
    acknowledgedAt: null,
    ...overrides,
  };
}

describe('metricFamily', () => {
  it.each([
    ['up', 'availability'],
    ['node_cpu_seconds_total', 'cpu'],
    ['cpu_usage', 'cpu'],
    ['memory_usage', 'memory'],
    ['process_resident_memory_bytes', 'memory'],
    ['node_filesystem_avail_bytes', 'disk'],
    ['disk_usage', 'disk'],
    ['http_request_duration_seconds', 'latency'],
    ['errors_total', 'errors'],
    ['node_network_receive_bytes_total', 'network'],
    ['job_queue_depth', 'saturation'],
    ['widgets_made', 'other'],
  ])('%s is %s', (metric, family) => {
    expect(metricFamily(metric)).toBe(family);
  });
});

describe('buildFallbackRca', () => {
  it('explains a target that is down', () => {
    const content = buildFallbackRca(
      anomaly({
        metric: 'up',
        value: 0,
        severity: 'critical',
        labels: { instance: 'db-1:9100', job: 'node' },
        evidence: { value: 0, threshold: 1, op: '<', rule: 'up' },
        reason: 'up is 0, below 1',
      }),
      { now: T0 + 65_000 },
    );
    expect(rcaContentSchema.parse(content)).toEqual(content);
    expect(content.summary).toBe(
      'up on "db-1:9100" is 0, below the threshold of 1 (critical, detected by threshold, for 1m 5s).',
    );
    expect(content.simplified).toMatch(/not answering/);
    expect(content.cause).toMatch(/cannot scrape/);
    expect(content.fix).toMatch(/Targets page/);
  });

  it('explains a z-score finding with the mean, spread and direction', () => {
    const content = buildFallbackRca(
      anomaly({
        metric: 'http_request_duration_seconds',
        value: 2.5,
        detector: 'zscore',
        labels: { route: '/checkout', instance: 'api-1' },
        evidence: { value: 2.5, mean: 0.21, stddev: 0.02, z: 114.5, threshold: 3, window: 10 },
      }),
      { now: T0, related: ['errors_total (errors_total is 30, above 10)'] },
    );
    expect(content.summary).toContain('114.5 standard deviations above its recent mean of 0.21 ± 0.02');
    expect(content.summary).toContain('over the last 10 samples');
    expect(content.summary).toContain('just started');
    expect(content.summary).not.toContain('threshold of 3');
    expect(content.cause).toMatch(/dependency/);
    expect(content.cause).toContain('route="/checkout"');
    expect(content.cause).toContain('Also firing nearby');
  });

  it('explains a change from a constant series', () => {
    const content = buildFallbackRca(
      anomaly({
        metric: 'queue_depth',
        value: 7,
        detector: 'zscore',
        evidence: { value: 7, mean: 0, stddev: 0, z: null, threshold: 3, window: 10 },
      }),
    );
    expect(content.summary).toContain('away from the constant value of 0 it had over the last 10 samples');
  });

  it('says low when the value dropped below its mean', () => {
    const content = buildFallbackRca(
      anomaly({ metric: 'node_network_receive_bytes_total', value: 10, evidence: { mean: 5000, z: -8 } }),
    );
    expect(content.summary).toContain('below its recent mean');
    expect(content.cause).toMatch(/dropped sharply/);
  });

  it('quotes and caps label values instead of pasting them', () => {
    const content = buildFallbackRca(
      anomaly({ labels: { instance: `evil\r\nBcc: x@example.com${'a'.repeat(300)}` } }),
    );
    expect(content.summary).not.toContain('\r\n');
    expect(content.summary).toContain('\\r\\nBcc');
    expect(content.summary.length).toBeLessThan(400);
  });
});

describe('formatting', () => {
  it('formats numbers and durations for people', () => {
    expect(formatNumber(93.123456)).toBe('93.12');
    expect(formatNumber(80)).toBe('80');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(3_725_000)).toBe('1h 2m');
  });
});
