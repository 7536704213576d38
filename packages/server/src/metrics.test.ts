import { spawnSync } from 'node:child_process';
import { createEmitter, type PromptheusEvents } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { createServerMetrics } from './metrics.js';
import { anomalyRecord, rcaRecord } from './testing/fixtures.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('createServerMetrics', () => {
  it('renders request histograms with cumulative buckets, sum and count', async () => {
    const metrics = createServerMetrics({ collectDefaultMetrics: false });
    metrics.observeRequest('GET', '/stats', 200, 0.003);
    metrics.observeRequest('GET', '/stats', 200, 0.2);
    metrics.observeRequest('POST', '/api/chat', 503, 40);
    const text = await metrics.render();
    const line = (name: string) =>
      text
        .split('\n')
        .find((entry) => entry.startsWith(name))
        ?.split(' ')[1];
    const stats = 'method="GET",route="/stats",status="200"';
    expect(line(`promptheus_http_request_duration_seconds_bucket{${stats},le="0.0025"}`)).toBe('0');
    expect(line(`promptheus_http_request_duration_seconds_bucket{${stats},le="0.005"}`)).toBe('1');
    expect(line(`promptheus_http_request_duration_seconds_bucket{${stats},le="0.25"}`)).toBe('2');
    expect(line(`promptheus_http_request_duration_seconds_bucket{${stats},le="+Inf"}`)).toBe('2');
    expect(line(`promptheus_http_request_duration_seconds_sum{${stats}}`)).toBe('0.203');
    expect(line(`promptheus_http_request_duration_seconds_count{${stats}}`)).toBe('2');
    const chat = 'method="POST",route="/api/chat",status="503"';
    expect(line(`promptheus_http_request_duration_seconds_bucket{${chat},le="30"}`)).toBe('0');
    expect(line(`promptheus_http_request_duration_seconds_bucket{${chat},le="+Inf"}`)).toBe('1');
    expect(line(`promptheus_http_requests_total{${chat}}`)).toBe('1');
  });

  it.skipIf(!promtool)('passes promtool check metrics for every promptheus_ metric', async () => {
    const events = createEmitter<PromptheusEvents>();
    const metrics = createServerMetrics({ events });
    metrics.observeRequest('GET', '/anomalies/:id', 404, 0.001);
    const anomaly = anomalyRecord();
    events.emit('anomaly:fired', { anomaly });
    events.emit('rca:ready', { anomaly, rca: rcaRecord(anomaly) });
    events.emit('notification:failed', {
      notification: {
        id: 'n1',
        channel: 'slack',
        dedupeKey: 'k',
        groupKey: 'g',
        payload: { kind: 'firing', title: 't', severity: 'high', alerts: [], url: null, createdAt: 1 },
        status: 'pending',
        attempts: 1,
        nextAttemptAt: 1,
        leaseUntil: null,
        lastError: 'HTTP 500',
        createdAt: 1,
        updatedAt: 1,
        deliveredAt: null,
      },
      error: 'HTTP 500',
      willRetry: true,
    });
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: await metrics.render(),
      encoding: 'utf8',
    });
    const problems = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.includes('promptheus_') || line.toLowerCase().includes('error'));
    expect(problems).toEqual([]);
    metrics.dispose();
  });
});
