import type { Emitter, PromptheusEvents } from '@promptheus/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** Events to turn into metrics (ticks, anomalies, RCA, LLM calls, notifications, questions). */
  readonly events?: Emitter<PromptheusEvents>;
  /** Collect prom-client's default process metrics (CPU, memory, event loop, GC). @default true */
  readonly collectDefaultMetrics?: boolean;
  /** Prefix of every metric name. @default 'promptheus_' */
  readonly prefix?: string;
}

/** The server's Prometheus metrics, served at `GET /metrics`. */
export interface ServerMetrics {
  /** The prom-client registry holding every metric (add your own to it). */
  readonly registry: Registry;
  /** Content type of {@link ServerMetrics.render}'s output. */
  readonly contentType: string;
  /** Records one HTTP request. `route` is the route pattern (`/anomalies/:id`), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Sets the number of connected WebSocket clients. */
  setWebSocketClients(count: number): void;
  /** Renders every metric in the Prometheus text format. */
  render(): Promise<string>;
  /** Stops listening to events. */
  dispose(): void;
}

/** Per method, route and status: request count, total seconds and a count per duration bucket. */
interface RequestSeries {
  readonly labels: Readonly<Record<'method' | 'route' | 'status', string>>;
  count: number;
  sum: number;
  readonly buckets: Float64Array;
}

/** One sample of a metric as prom-client renders it. */
interface MetricValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName?: string;
}

/** A metric whose samples are computed when Prometheus scrapes, in the shape prom-client's registry renders. */
function scrapeTimeMetric(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => MetricValue[],
): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => {},
  };
  return metric as unknown as Metric;
}

const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Creates the server's metrics registry: prom-client's default metrics, HTTP request duration and
 * count by route and status, and metrics fed from {@link PromptheusEvents}: monitor tick duration,
 * anomalies detected and resolved, RCA by source (llm/fallback), LLM latency and tokens,
 * notifications sent and failed, questions answered, collection errors.
 *
 * @example
 * ```ts
 * const metrics = createServerMetrics({ events });
 * const text = await metrics.render();
 * ```
 */
export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const prefix = options.prefix ?? 'promptheus_';
  const registry = new Registry();
  const registers = [registry];
  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  // HTTP request metrics are kept in plain counters and rendered at scrape time: prom-client's
  // observe() validates and hashes labels on every call, which costs more than the request itself.
  const requestSeries = new Map<string, RequestSeries>();
  const durationName = `${prefix}http_request_duration_seconds`;
  const durationHelp = 'Duration of HTTP requests by method, route and status.';
  const countName = `${prefix}http_requests_total`;
  const countHelp = 'HTTP requests by method, route and status.';
  registry.registerMetric(
    scrapeTimeMetric(durationName, durationHelp, 'histogram', () => {
      const values: MetricValue[] = [];
      for (const series of requestSeries.values()) {
        let cumulative = 0;
        secondsBuckets.forEach((bound, index) => {
          cumulative += series.buckets[index]!;
          values.push({
            labels: { ...series.labels, le: bound },
            value: cumulative,
            metricName: `${durationName}_bucket`,
          });
        });
        values.push({
          labels: { ...series.labels, le: '+Inf' },
          value: series.count,
          metricName: `${durationName}_bucket`,
        });
        values.push({ labels: series.labels, value: series.sum, metricName: `${durationName}_sum` });
        values.push({ labels: series.labels, value: series.count, metricName: `${durationName}_count` });
      }
      return values;
    }),
  );
  registry.registerMetric(
    scrapeTimeMetric(countName, countHelp, 'counter', () =>
      [...requestSeries.values()].map((series) => ({ labels: series.labels, value: series.count })),
    ),
  );
  const webSocketClients = new Gauge({
    name: `${prefix}websocket_clients`,
    help: 'Connected WebSocket clients.',
    registers,
  });
  const tickDuration = new Histogram({
    name: `${prefix}monitor_tick_duration_seconds`,
    help: 'Duration of monitor ticks.',
    buckets: secondsBuckets,
    registers,
  });
  const tickSamples = new Gauge({
    name: `${prefix}monitor_tick_samples`,
    help: 'Samples collected in the last monitor tick.',
    registers,
  });
  const ticks = new Counter({ name: `${prefix}monitor_ticks_total`, help: 'Monitor ticks run.', registers });
  const sourceErrors = new Counter({
    name: `${prefix}source_errors_total`,
    help: 'Failed collections by target.',
    labelNames: ['target'] as const,
    registers,
  });
  const anomaliesDetected = new Counter({
    name: `${prefix}anomalies_detected_total`,
    help: 'Anomalies that started firing, by severity and detector.',
    labelNames: ['severity', 'detector'] as const,
    registers,
  });
  const anomaliesResolved = new Counter({
    name: `${prefix}anomalies_resolved_total`,
    help: 'Anomalies that resolved, by detector.',
    labelNames: ['detector'] as const,
    registers,
  });
  const rcaTotal = new Counter({
    name: `${prefix}rca_total`,
    help: 'Root-cause analyses written, by source (llm or fallback).',
    labelNames: ['source'] as const,
    registers,
  });
  const llmDuration = new Histogram({
    name: `${prefix}llm_request_duration_seconds`,
    help: 'Latency of LLM calls by provider, purpose and outcome.',
    labelNames: ['provider', 'purpose', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60],
    registers,
  });
  const llmTokens = new Counter({
    name: `${prefix}llm_tokens_total`,
    help: 'LLM tokens used by provider and kind (prompt or completion).',
    labelNames: ['provider', 'kind'] as const,
    registers,
  });
  const notificationsSent = new Counter({
    name: `${prefix}notifications_sent_total`,
    help: 'Notifications delivered, by channel.',
    labelNames: ['channel'] as const,
    registers,
  });
  const notificationsFailed = new Counter({
    name: `${prefix}notifications_failed_total`,
    help: 'Failed notification attempts, by channel and whether they will be retried.',
    labelNames: ['channel', 'will_retry'] as const,
    registers,
  });
  const questions = new Counter({
    name: `${prefix}ask_questions_total`,
    help: 'Questions answered by the Ask pipeline, by intent and outcome.',
    labelNames: ['intent', 'outcome'] as const,
    registers,
  });
  const questionDuration = new Histogram({
    name: `${prefix}ask_duration_seconds`,
    help: 'Time to answer a question.',
    buckets: secondsBuckets,
    registers,
  });

  const unsubscribe: Array<() => void> = [];
  const events = options.events;
  if (events) {
    unsubscribe.push(
      events.on('tick:complete', (summary) => {
        ticks.inc();
        tickDuration.observe(summary.durationMs / 1000);
        tickSamples.set(summary.samples);
      }),
      events.on('source:error', ({ target }) => sourceErrors.inc({ target })),
      events.on('anomaly:fired', ({ anomaly }) =>
        anomaliesDetected.inc({ severity: anomaly.severity, detector: anomaly.detector }),
      ),
      events.on('anomaly:resolved', ({ anomaly }) => anomaliesResolved.inc({ detector: anomaly.detector })),
      events.on('rca:ready', ({ rca }) => rcaTotal.inc({ source: rca.source })),
      events.on('llm:call', (call) => {
        llmDuration.observe(
          { provider: call.provider, purpose: call.purpose, outcome: call.ok ? 'ok' : 'error' },
          call.latencyMs / 1000,
        );
        if (call.usage) {
          llmTokens.inc({ provider: call.provider, kind: 'prompt' }, call.usage.promptTokens);
          llmTokens.inc({ provider: call.provider, kind: 'completion' }, call.usage.completionTokens);
        }
      }),
      events.on('notification:sent', ({ notification }) =>
        notificationsSent.inc({ channel: notification.channel }),
      ),
      events.on('notification:failed', ({ notification, willRetry }) =>
        notificationsFailed.inc({ channel: notification.channel, will_retry: String(willRetry) }),
      ),
      events.on('ask:answered', (answer) => {
        questions.inc({ intent: answer.intent, outcome: answer.success ? 'answered' : 'unanswered' });
        questionDuration.observe(answer.latencyMs / 1000);
      }),
    );
  }

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let series = requestSeries.get(key);
      if (!series) {
        series = {
          labels: { method, route, status: String(status) },
          count: 0,
          sum: 0,
          buckets: new Float64Array(secondsBuckets.length),
        };
        requestSeries.set(key, series);
      }
      series.count += 1;
      series.sum += seconds;
      for (let index = 0; index < secondsBuckets.length; index++) {
        if (seconds <= secondsBuckets[index]!) {
          series.buckets[index]! += 1;
          break;
        }
      }
    },
    setWebSocketClients(count) {
      webSocketClients.set(count);
    },
    render: () => registry.metrics(),
    dispose() {
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
