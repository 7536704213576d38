import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptheusEvents } from '../contracts/events.js';
import { PromptheusError } from '../errors.js';
import type { PrometheusClient } from '../prometheus/types.js';
import { createMemoryStore } from '../store/memory-store.js';
import { type Exporter, startExporter } from '../testing/exporter.js';
import { createMockLlmProvider, type MockLlmResponse } from '../testing/mock-llm-provider.js';
import { type RunningPrometheus, startPrometheus } from '../testing/prometheus.js';
import { createEmitter } from '../util/emitter.js';
import { createMetricCatalog } from './catalog.js';
import { createAsk } from './create-ask.js';
import { toGrafanaPanel } from './layout.js';

let exporter: Exporter;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  exporter = await startExporter();
  exporter.set('cpu_usage_percent', { instance: 'server1' }, 42.5, {
    help: 'CPU busy time of the host in percent.',
  });
  exporter.set('cpu_usage_percent', { instance: 'server2' }, 81, {
    help: 'CPU busy time of the host in percent.',
  });
  exporter.set('http_requests_total', { route: '/checkout', code: '200' }, 1000, {
    type: 'counter',
    help: 'HTTP requests by route and status code.',
  });
  exporter.set('http_requests_total', { route: '/checkout', code: '500' }, 10, { type: 'counter' });
  exporter.set('http_requests_total', { route: '/cart', code: '200' }, 500, { type: 'counter' });
  exporter.setHistogram(
    'http_request_duration_seconds',
    { route: '/checkout' },
    { buckets: { 0.1: 50, 0.5: 90, 1: 99 }, sum: 30, count: 100 },
    { help: 'Time to handle an HTTP request.' },
  );
  exporter.setHistogram(
    'http_request_duration_seconds',
    { route: '/cart' },
    { buckets: { 0.1: 10, 0.5: 20, 1: 30 }, sum: 20, count: 30 },
  );
  prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
  await prometheus.waitFor('cpu_usage_percent{instance="server1"}');
  await prometheus.waitFor('http_request_duration_seconds_bucket');
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

/** Wraps the client and records every query sent to Prometheus. */
function recording(client: PrometheusClient): { client: PrometheusClient; queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    client: {
      ...client,
      url: client.url,
      query: (expr, options) => {
        queries.push(expr);
        return client.query(expr, options);
      },
      queryRange: (expr, options) => {
        queries.push(expr);
        return client.queryRange(expr, options);
      },
    },
  };
}

describe('createAsk against a real Prometheus', () => {
  it('answers "Show CPU usage for server1" with no LLM: valid PromQL, data, layout and follow-ups', async () => {
    const assistant = createAsk({ prometheus: prometheus.client });
    const result = await assistant.ask('Show CPU usage for server1');
    expect(result.promql).toBe('cpu_usage_percent{instance="server1"}');
    expect(result.translator).toBe('offline');
    expect(result.intent).toBe('query');
    expect(result.success).toBe(true);
    expect(result.data?.series).toHaveLength(1);
    expect(result.data?.series[0]?.value).toBe(42.5);
    expect(result.data?.series[0]?.values.length).toBeGreaterThan(0);
    expect(result.layout).toMatchObject({ type: 'timeseries', unit: '%', grafanaUnit: 'percent' });
    expect(result.answer).toContain('42.5%');
    expect(result.followups).toHaveLength(3);
    expect(result.usage.totalTokens).toBe(0);
    const panel = toGrafanaPanel(result.layout!);
    expect(panel['targets']).toEqual([
      expect.objectContaining({ expr: 'cpu_usage_percent{instance="server1"}' }),
    ]);
    assistant.close();
  });

  it('answers rates, quantiles and rankings from the same catalog', async () => {
    const assistant = createAsk({ prometheus: prometheus.client, chartRange: false });
    const errors = await assistant.ask('error rate of /checkout in %');
    expect(errors.promql).toBe(
      '100 * sum (rate(http_requests_total{route="/checkout", code=~"5.."}[5m])) / sum (rate(http_requests_total{route="/checkout"}[5m]))',
    );
    expect(errors.success).toBe(true);
    const p90 = await assistant.ask('p90 request duration of checkout in ms');
    expect(p90.promql).toBe(
      '1000 * histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{route="/checkout"}[5m])))',
    );
    const busiest = await assistant.ask('which instance has the highest cpu usage?');
    expect(busiest.promql).toBe('topk(1, cpu_usage_percent)');
    expect(busiest.data?.series[0]?.labels['instance']).toBe('server2');
    expect(busiest.answer).toContain('server2');
  });

  it('says "no such metric" with the closest names instead of inventing a query', async () => {
    const { client, queries } = recording(prometheus.client);
    const assistant = createAsk({ prometheus: client });
    const result = await assistant.ask('kafka consumer lag of the orders topic');
    expect(result.promql).toBeNull();
    expect(result.intent).toBe('unanswerable');
    expect(result.closest.length).toBeGreaterThan(0);
    expect(result.answer).toMatch(/No metric .* answers that\. The closest metrics are \w+/);
    expect(queries).toEqual([]);
  });

  it('never executes invalid PromQL from an LLM: repairs it with the validation problem, then runs the fixed query', async () => {
    const { client, queries } = recording(prometheus.client);
    const responses: MockLlmResponse[] = [
      { object: { promql: 'max(rate(cpu_usage_percent[5m]', explanation: 'x', confidence: 0.9 } },
      { object: { promql: 'max(kafka_consumer_lag)', explanation: 'x', confidence: 0.9 } },
      { object: { promql: 'max(cpu_usage_percent)', explanation: 'highest CPU usage', confidence: 0.8 } },
      'The highest CPU usage is 81%.',
    ];
    const llm = createMockLlmProvider({ name: 'mock', responses });
    const events = createEmitter<PromptheusEvents>();
    const calls: string[] = [];
    events.on('llm:call', (call) => calls.push(`${call.purpose}:${call.ok}`));
    const assistant = createAsk({ prometheus: client, llm, events, offline: { enabled: false } });
    const result = await assistant.ask('how hot are the machines running?');
    expect(result.promql).toBe('max(cpu_usage_percent)');
    expect(result.translator).toBe('mock');
    expect(result.attempts.map((attempt) => attempt.problem === null)).toEqual([false, false, true]);
    expect(result.attempts[0]?.problem).toMatch(/syntax error/);
    expect(result.attempts[1]?.problem).toBe('unknown metric kafka_consumer_lag');
    expect(queries.every((query) => query === 'max(cpu_usage_percent)')).toBe(true);
    expect(queries.length).toBeGreaterThan(0);
    expect(llm.calls[1]?.request.prompt).toContain('syntax error');
    expect(llm.calls[2]?.request.prompt).toContain('unknown metric kafka_consumer_lag');
    expect(llm.calls[0]?.request.prompt).toContain('cpu_usage_percent');
    expect(result.answer).toBe('The highest CPU usage is 81%.');
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    expect(calls).toEqual([
      'ask.translate:true',
      'ask.translate:true',
      'ask.translate:true',
      'ask.answer:true',
    ]);
  });

  it('refuses when the LLM keeps answering with invalid PromQL, and nothing runs', async () => {
    const { client, queries } = recording(prometheus.client);
    const llm = createMockLlmProvider({
      responses: () => ({
        object: { promql: 'sum(made_up_metric{x="1"})', explanation: 'x', confidence: 0.5 },
      }),
    });
    const assistant = createAsk({ prometheus: client, llm, offline: { enabled: false }, maxRepairs: 1 });
    const result = await assistant.ask('how hot are the machines running?');
    expect(result.promql).toBeNull();
    expect(result.intent).toBe('unanswerable');
    expect(result.attempts).toHaveLength(2);
    expect(queries).toEqual([]);
  });

  it("repairs a query Prometheus rejects, feeding back Prometheus's bad_data message", async () => {
    const llm = createMockLlmProvider({
      responses: [
        {
          object: {
            promql: 'rate(cpu_usage_percent{instance="server1"})',
            explanation: 'x',
            confidence: 0.6,
          },
        },
        { object: { promql: 'avg(cpu_usage_percent)', explanation: 'average CPU', confidence: 0.8 } },
      ],
    });
    const assistant = createAsk({
      prometheus: prometheus.client,
      llm,
      offline: { enabled: false },
      llmAnswers: false,
    });
    const result = await assistant.ask('how hot are the machines running?');
    expect(result.promql).toBe('avg(cpu_usage_percent)');
    expect(result.attempts[0]?.problem).toMatch(/Prometheus rejected it: .*range vector/);
    expect(llm.calls[1]?.request.prompt).toMatch(/range vector/);
    expect(result.data?.series[0]?.value).toBeCloseTo(61.75);
  });

  it('runs PromQL typed by the user after validating it, and refuses expensive or unknown queries', async () => {
    const { client, queries } = recording(prometheus.client);
    const assistant = createAsk({ prometheus: client });
    const typed = await assistant.ask('sum(cpu_usage_percent)');
    expect(typed).toMatchObject({ promql: 'sum(cpu_usage_percent)', translator: 'user', success: true });
    const expensive = await assistant.ask('{__name__=~".+"}');
    expect(expensive.promql).toBeNull();
    expect(expensive.error?.code).toBe('query_refused');
    const unknown = await assistant.ask('explain rate(http_requests_total{status="500"}[5m])');
    expect(unknown.intent).toBe('explain');
    expect(unknown.error?.message).toMatch(/has no label status/);
    expect(queries.filter((query) => query.includes('__name__') || query.includes('status'))).toEqual([]);
  });

  it('stores prompt history and the chat session, and continues a session', async () => {
    const store = createMemoryStore();
    const assistant = createAsk({ prometheus: prometheus.client, store });
    const first = await assistant.ask('Show CPU usage for server1');
    expect(first.sessionId).toBeTruthy();
    const second = await assistant.ask({ message: 'kafka lag', sessionId: first.sessionId });
    const session = await store.chatSessions.get(first.sessionId!);
    expect(session?.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(session?.messages[1]?.promql).toBe('cpu_usage_percent{instance="server1"}');
    const history = await store.promptHistory.list({ sessionId: first.sessionId! });
    expect(history.map((entry) => [entry.prompt, entry.success, entry.translator])).toEqual([
      ['kafka lag', false, null],
      ['Show CPU usage for server1', true, 'offline'],
    ]);
    expect(history[1]?.latencyMs).toBeGreaterThan(0);
    expect(second.sessionId).toBe(first.sessionId);
  });

  it('lets users insert, replace and remove steps by name', async () => {
    const assistant = createAsk({ prometheus: prometheus.client, chartRange: false });
    assistant.remove('followups');
    assistant.use(
      {
        name: 'shout',
        run: async (context, next) => {
          await next();
          context.answer = context.answer.toUpperCase();
        },
      },
      { after: 'intent' },
    );
    assistant.replace('layout', async (_context, next) => next());
    expect(assistant.steps().map((step) => step.name)).toEqual([
      'intent',
      'shout',
      'promql',
      'execute',
      'layout',
      'answer',
      'log',
    ]);
    const result = await assistant.ask('cpu usage of server2');
    expect(result.followups).toEqual([]);
    expect(result.layout).toBeNull();
    expect(result.answer).toBe(result.answer.toUpperCase());
    expect(() => assistant.remove('nope')).toThrow(/no Ask step named "nope"/);
  });

  it('reports an unreachable Prometheus in the result and rejects invalid input', async () => {
    const dead = createAsk({
      prometheus: {
        ...prometheus.client,
        url: 'http://127.0.0.1:1',
        labelValues: () =>
          Promise.reject(
            new PromptheusError('network', 'connect ECONNREFUSED 127.0.0.1:1', { retryable: true }),
          ),
      },
      catalog: createMetricCatalog({
        prometheus: {
          ...prometheus.client,
          labelValues: () =>
            Promise.reject(new PromptheusError('network', 'connect ECONNREFUSED 127.0.0.1:1')),
        },
      }),
    });
    const result = await dead.ask('cpu usage');
    expect(result.error?.code).toBe('network');
    expect(result.answer).toMatch(/Prometheus did not answer/);
    await expect(dead.ask('')).rejects.toSatisfy((error) => PromptheusError.hasCode(error, 'invalid_input'));
    await expect(dead.ask({ message: 'x', sessionId: 'bad id!' })).rejects.toThrow(/sessionId/);
    await expect(dead.ask('x'.repeat(3000))).rejects.toThrow(/longer than 2000/);
  });
});
