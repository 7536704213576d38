import type { Anomaly } from '@promptheus/core';

/** Base time of the fixtures (ms): 2023-11-14T22:13:20Z. */
export const T0 = 1_700_000_000_000;

/** A resolved anomaly with non-ASCII labels and some evidence; fields can be overridden. */
export function anomalyFixture(id: string, overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    id,
    fingerprint: `fp-${id}`,
    metric: 'node_load1',
    labels: { instance: 'server1:9100', note: 'ünïcödé' },
    value: 4.5,
    score: 0.8,
    severity: 'high',
    reason: 'load above 4',
    detector: 'threshold',
    target: 'prod',
    status: 'resolved',
    evidence: { threshold: 4 },
    startsAt: T0,
    endsAt: T0 + 1,
    updatedAt: T0 + 1,
    acknowledgedAt: null,
    ...overrides,
  };
}
