import { type Anomaly, type NotificationPayload, PromptheusError, type Rca } from '@promptheus/core';

/** An anomaly for tests; fields can be overridden. */
export function anomalyFixture(overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    id: 'anomaly-1',
    fingerprint: 'fp-cpu-1',
    metric: 'node_cpu_usage',
    labels: { instance: 'web-1:9100', job: 'node' },
    value: 93.14159,
    score: 0.97,
    severity: 'critical',
    reason: 'node_cpu_usage is 93.1, above 80',
    detector: 'threshold',
    target: 'prod',
    status: 'firing',
    evidence: { threshold: 80 },
    startsAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    endsAt: null,
    updatedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    acknowledgedAt: null,
    ...overrides,
  };
}

/** An RCA for tests; fields can be overridden. */
export function rcaFixture(overrides: Partial<Rca> = {}): Rca {
  return {
    id: 'rca-1',
    anomalyId: 'anomaly-1',
    fingerprint: 'fp-cpu-1',
    summary: 'CPU on web-1 is saturated by a runaway worker.',
    simplified: 'The web server is working too hard and may slow down.',
    cause: 'A batch job started at 03:00 pins every core.',
    fix: 'Move the batch job to the worker pool or lower its concurrency.',
    source: 'fallback',
    provider: null,
    model: null,
    usage: null,
    fallbackReason: 'no LLM configured',
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 6),
    ...overrides,
  };
}

/** A firing notification payload about the given alerts. */
export function payloadFixture(overrides: Partial<NotificationPayload> = {}): NotificationPayload {
  return {
    kind: 'firing',
    title: '[critical] node_cpu_usage on prod',
    severity: 'critical',
    alerts: [{ anomaly: anomalyFixture(), rca: rcaFixture() }],
    url: null,
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 7),
    ...overrides,
  };
}

/** The `PromptheusError` a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<PromptheusError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!PromptheusError.isInstance(error)) throw new Error(`expected a PromptheusError, got ${String(error)}`);
  return error;
}
