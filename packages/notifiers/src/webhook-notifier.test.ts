import type { PromptheusError } from '@promptheus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { anomalyFixture, failure, payloadFixture, rcaFixture } from './test-fixtures.js';
import { type HttpPeer, startHttpPeer } from './test-peers.js';
import { createWebhookNotifier, type WebhookMessage } from './webhook-notifier.js';

let peer: HttpPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

describe('createWebhookNotifier against a local HTTP receiver', () => {
  it('posts an Alertmanager-shaped JSON payload with custom headers and an idempotency key', async () => {
    peer = await startHttpPeer(() => ({ status: 202, body: '' }));
    const webhook = createWebhookNotifier({
      url: `${peer.url}/hooks/promptheus?token=abc123secret`,
      headers: { authorization: 'Bearer tok-456' },
      serverUrl: 'http://promptheus.test',
    });
    const second = anomalyFixture({
      id: 'anomaly-2',
      fingerprint: 'fp-cpu-2',
      labels: { instance: 'web-2:9100', job: 'node' },
    });
    await webhook.send(
      payloadFixture({
        alerts: [
          { anomaly: anomalyFixture(), rca: rcaFixture() },
          { anomaly: second, rca: null },
        ],
      }),
      { notificationId: 'notification-7', groupKey: '{__name__="node_cpu_usage",target="prod"}' },
    );
    const request = peer.requests[0]!;
    expect(request.path).toBe('/hooks/promptheus?token=abc123secret');
    expect(request.headers['authorization']).toBe('Bearer tok-456');
    expect(request.headers['idempotency-key']).toBe('notification-7');
    const body = request.json as WebhookMessage;
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      kind: 'firing',
      receiver: 'webhook',
      groupKey: '{__name__="node_cpu_usage",target="prod"}',
      truncatedAlerts: 0,
      commonLabels: { alertname: 'node_cpu_usage', job: 'node', target: 'prod', severity: 'critical' },
      groupLabels: { target: 'prod', alertname: 'node_cpu_usage' },
      externalURL: 'http://promptheus.test',
    });
    expect(body.commonLabels).not.toHaveProperty('instance');
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts[0]).toEqual({
      status: 'firing',
      labels: {
        alertname: 'node_cpu_usage',
        instance: 'web-1:9100',
        job: 'node',
        target: 'prod',
        severity: 'critical',
        detector: 'threshold',
      },
      annotations: {
        summary: 'CPU on web-1 is saturated by a runaway worker.',
        description: 'The web server is working too hard and may slow down.',
        cause: 'A batch job started at 03:00 pins every core.',
        fix: 'Move the batch job to the worker pool or lower its concurrency.',
        reason: 'node_cpu_usage is 93.1, above 80',
        value: '93.14',
      },
      startsAt: '2025-01-02T03:04:05.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://promptheus.test/anomalies/anomaly-1',
      fingerprint: 'fp-cpu-1',
      anomalyId: 'anomaly-1',
    });
    expect(body.alerts[1]?.annotations.summary).toBe('node_cpu_usage is 93.1, above 80');
  });

  it('sends resolved alerts with their end time', async () => {
    peer = await startHttpPeer();
    const webhook = createWebhookNotifier({ url: peer.url });
    const resolved = anomalyFixture({ status: 'resolved', endsAt: Date.UTC(2025, 0, 2, 4) });
    await webhook.send(payloadFixture({ kind: 'resolved', alerts: [{ anomaly: resolved, rca: null }] }));
    const body = peer.requests[0]?.json as WebhookMessage;
    expect(body.status).toBe('resolved');
    expect(body.alerts[0]?.endsAt).toBe('2025-01-02T04:00:00.000Z');
  });

  it('retries on 5xx/408/429 only and never shows the URL or headers in errors', async () => {
    const statuses = [500, 408, 429, 400, 401, 410];
    peer = await startHttpPeer((_request, index) => ({
      status: statuses[index] ?? 200,
      body: `status ${index}`,
    }));
    const webhook = createWebhookNotifier({
      url: `${peer.url}/x?token=abc123secret`,
      headers: { authorization: 'Bearer tok-456' },
    });
    const errors: PromptheusError[] = [];
    for (const _ of statuses) errors.push(await failure(webhook.send(payloadFixture())));
    expect(errors.map((error) => error.retryable)).toEqual([true, true, true, false, false, false]);
    expect(errors[3]?.message).toBe('webhook webhook answered HTTP 400: status 3');
    for (const error of errors) {
      const shown = error.message + JSON.stringify(error.toJSON());
      expect(shown).not.toContain('abc123secret');
      expect(shown).not.toContain('tok-456');
    }
  });

  it('rejects bad URLs and header values that would split the request', () => {
    expect(() => createWebhookNotifier({ url: 'mailto:x@y.z' })).toThrow(/http or https/);
    expect(() => createWebhookNotifier({ url: 'http://x', headers: { 'x-a': 'b\r\nx-evil: 1' } })).toThrow(
      /not a valid header/,
    );
    expect(() => createWebhookNotifier({ url: 'http://x', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
