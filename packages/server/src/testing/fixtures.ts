import {
  type Anomaly,
  createId,
  type Notifier,
  type NotifierStatus,
  type PrometheusClient,
  PromptheusError,
  type Rca,
} from '@promptheus/core';
import type { AskRequest, AskResponse, AskService } from '../types.js';

/** An anomaly record with sensible defaults. */
export function anomalyRecord(overrides: Partial<Anomaly> = {}): Anomaly {
  const now = overrides.startsAt ?? Date.now();
  return {
    id: createId(now),
    fingerprint: `fp-${Math.random().toString(36).slice(2)}`,
    metric: 'cpu_usage',
    labels: { instance: 'server1', job: 'node' },
    value: 93.5,
    score: 0.9,
    severity: 'high',
    reason: 'cpu_usage is 93.5, above 80',
    detector: 'threshold',
    target: 'default',
    status: 'firing',
    evidence: { threshold: 80 },
    startsAt: now,
    endsAt: null,
    updatedAt: now,
    acknowledgedAt: null,
    ...overrides,
  };
}

/** An RCA record for an anomaly. */
export function rcaRecord(anomaly: Anomaly, overrides: Partial<Rca> = {}): Rca {
  return {
    id: createId(),
    anomalyId: anomaly.id,
    fingerprint: anomaly.fingerprint,
    summary: `${anomaly.metric} is high on ${anomaly.labels['instance'] ?? 'unknown'}`,
    simplified: 'The server is very busy.',
    cause: 'A runaway process',
    fix: 'Find the process with top and restart it',
    source: 'fallback',
    provider: null,
    model: null,
    usage: null,
    fallbackReason: 'no LLM configured',
    createdAt: anomaly.startsAt + 10,
    ...overrides,
  };
}

/** An Ask service answering from a function, recording every request. */
export function fakeAsk(
  answer: (request: AskRequest) => AskResponse | Promise<AskResponse> = (request) => ({
    promql: `avg(cpu_usage{instance="server1"})`,
    data: { resultType: 'vector', result: [] },
    layout: { type: 'timeseries', title: request.prompt },
    answer: 'CPU usage on server1 is 42%.',
    followups: ['Break down by mode', 'Compare with an hour ago', 'Show memory usage'],
    intent: 'query',
    sessionId: request.sessionId ?? 'session-1',
    usage: null,
    translator: 'offline',
  }),
): AskService & { readonly requests: AskRequest[] } {
  const requests: AskRequest[] = [];
  return {
    requests,
    async ask(request) {
      requests.push(request);
      return answer(request);
    },
  };
}

/** A Prometheus client whose buildInfo answers or fails; every other method fails. */
export function fakePrometheus(options: { readonly up: boolean; readonly url?: string }): PrometheusClient {
  const down = () =>
    Promise.reject(new PromptheusError('network', 'connect ECONNREFUSED 127.0.0.1:9', { retryable: true }));
  return {
    url: options.url ?? 'http://127.0.0.1:9',
    buildInfo: () => (options.up ? Promise.resolve({ version: '2.42.0' }) : down()),
    query: down,
    queryRange: down,
    series: down,
    labelNames: down,
    labelValues: down,
    metadata: down,
    targets: down,
    formatQuery: down,
  };
}

/** A notifier that records payloads and reports the given status. */
export function recordingNotifier(
  name: string,
  status: NotifierStatus = { enabled: true, configured: true },
  fail?: string,
): Notifier & { readonly sent: unknown[] } {
  const sent: unknown[] = [];
  return {
    name,
    sent,
    async send(payload) {
      if (fail) throw new PromptheusError('notification', fail);
      sent.push(payload);
    },
    async status() {
      return status;
    },
  };
}
