import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { type Exporter, startExporter } from '../testing/exporter.js';
import { type RunningPrometheus, startPrometheus } from '../testing/prometheus.js';
import { createPrometheusClient } from './client.js';
import type { PrometheusClient } from './types.js';
import { decodeVectorSamplesSafely, scanVectorSamples } from './vector-samples.js';

let exporter: Exporter;
let prometheus: RunningPrometheus;
let client: PrometheusClient;
let proxy: Server;
let proxyUrl: string;
const proxiedHeaders: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  exporter = await startExporter();
  exporter.set('cpu_usage', { instance: 'server1' }, 93.5, { help: 'CPU busy percent' });
  exporter.set('cpu_usage', { instance: 'server2' }, 12, { help: 'CPU busy percent' });
  exporter.set('odd_values', { kind: 'nan' }, Number.NaN);
  exporter.set('odd_values', { kind: 'plus_inf' }, Number.POSITIVE_INFINITY);
  exporter.set('odd_values', { kind: 'minus_inf' }, Number.NEGATIVE_INFINITY);
  exporter.set('odd_values', { kind: 'quoted', note: 'say "hi"\\ <b>&' }, -1.5e-7);
  exporter.set('checkout_requests_total', { route: '/pay' }, 1234, {
    type: 'counter',
    help: 'Checkout requests',
  });
  exporter.setHistogram(
    'checkout_latency_seconds',
    { route: '/pay' },
    { buckets: { 0.1: 5, 0.5: 9 }, sum: 2.5, count: 10 },
    { help: 'Checkout latency' },
  );
  prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
  client = createPrometheusClient({ url: prometheus.url, timeoutMs: 5000 });
  await prometheus.waitFor('odd_values', (series) => series.length === 4);

  // A reverse proxy in front of Prometheus that records the headers it forwards.
  proxy = createServer((incoming, outgoing) => {
    proxiedHeaders.push(incoming.headers);
    const upstream = httpRequest(
      `${prometheus.url}${incoming.url}`,
      { method: incoming.method, headers: { ...incoming.headers, host: `127.0.0.1:${prometheus.port}` } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  proxy?.closeAllConnections();
  await prometheus?.stop();
  await exporter?.close();
});

describe('PrometheusClient against a real Prometheus', () => {
  it('runs instant queries and parses NaN and infinities that went through Prometheus', async () => {
    const { data, warnings } = await client.query('odd_values');
    expect(warnings).toEqual([]);
    expect(data.resultType).toBe('vector');
    if (data.resultType !== 'vector') return;
    const byKind = Object.fromEntries(data.result.map((series) => [series.metric.kind, series]));
    expect(byKind.nan!.value.value).toBeNaN();
    expect(byKind.plus_inf!.value.value).toBe(Number.POSITIVE_INFINITY);
    expect(byKind.minus_inf!.value.value).toBe(Number.NEGATIVE_INFINITY);
    expect(byKind.quoted!.value.value).toBe(-1.5e-7);
    expect(byKind.quoted!.metric).toEqual({
      __name__: 'odd_values',
      instance: expect.any(String),
      job: 'test',
      kind: 'quoted',
      note: 'say "hi"\\ <b>&',
    });
    expect(Math.abs(byKind.nan!.value.timestamp - Date.now())).toBeLessThan(60_000);
  });

  it('evaluates at a given time and returns scalar and string results', async () => {
    const time = Date.now();
    const scalar = await client.query('scalar(cpu_usage{instance="server1"}) * 2', { time });
    expect(scalar.data).toEqual({ resultType: 'scalar', result: { timestamp: time, value: 187 } });
    const text = await client.query('"hello"');
    expect(text.data).toMatchObject({ resultType: 'string', result: { value: 'hello' } });
  });

  it('runs range queries', async () => {
    const end = Date.now();
    const { data } = await client.queryRange('cpu_usage', { start: end - 10_000, end, step: 1 });
    expect(data.resultType).toBe('matrix');
    if (data.resultType !== 'matrix') return;
    expect(data.result.map((series) => series.metric.instance).sort()).toEqual(['server1', 'server2']);
    for (const series of data.result) {
      expect(series.values.length).toBeGreaterThan(0);
      for (const point of series.values)
        expect(point.value).toBe(series.metric.instance === 'server1' ? 93.5 : 12);
    }
  });

  it('sends long queries as POST and Prometheus answers them', async () => {
    const long = `${Array.from({ length: 300 }, (_, index) => `absent(missing_metric_${index})`).join(' or ')} or cpu_usage`;
    expect(long.length).toBeGreaterThan(4096);
    const { data } = await client.query(long);
    expect(data.resultType).toBe('vector');
    if (data.resultType !== 'vector') return;
    expect(data.result.length).toBeGreaterThanOrEqual(3);
  });

  it('lists series, label names and label values', async () => {
    const series = await client.series(['cpu_usage']);
    expect(series.map((labels) => labels.instance).sort()).toEqual(['server1', 'server2']);
    expect(series[0]).toMatchObject({ __name__: 'cpu_usage', job: 'test' });
    const names = await client.labelNames();
    expect(names).toEqual(expect.arrayContaining(['__name__', 'instance', 'job', 'kind', 'route', 'le']));
    const metrics = await client.labelValues('__name__');
    expect(metrics).toEqual(
      expect.arrayContaining([
        'cpu_usage',
        'odd_values',
        'checkout_requests_total',
        'checkout_latency_seconds_bucket',
        'up',
      ]),
    );
    expect(await client.labelValues('instance', { match: ['cpu_usage'] })).toEqual(['server1', 'server2']);
  });

  it('reads metadata and targets', async () => {
    const metadata = await client.metadata();
    expect(metadata.cpu_usage).toEqual([{ type: 'gauge', help: 'CPU busy percent', unit: '' }]);
    expect(metadata.checkout_requests_total?.[0]?.type).toBe('counter');
    expect(metadata.checkout_latency_seconds?.[0]).toMatchObject({
      type: 'histogram',
      help: 'Checkout latency',
    });
    const one = await client.metadata({ metric: 'cpu_usage' });
    expect(Object.keys(one)).toEqual(['cpu_usage']);

    const { activeTargets } = await client.targets();
    expect(activeTargets).toHaveLength(1);
    expect(activeTargets[0]).toMatchObject({ health: 'up', scrapePool: 'test', scrapeUrl: exporter.url });
  });

  it('formats queries and reports build information', async () => {
    expect(await client.formatQuery('sum(rate(checkout_requests_total[5m]))by(route)')).toBe(
      'sum by (route) (rate(checkout_requests_total[5m]))',
    );
    const info = await client.buildInfo();
    expect(info.version).toMatch(/^2\.\d+\.\d+/);
  });

  it("turns an invalid query into a prometheus error with Prometheus's bad_data message", async () => {
    let caught: unknown;
    try {
      await client.query('sum(rate(cpu_usage[5m])');
    } catch (error) {
      caught = error;
    }
    expect(PromptheusError.isInstance(caught)).toBe(true);
    const error = caught as PromptheusError;
    expect(error.code).toBe('prometheus');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ status: 400, errorType: 'bad_data' });
    expect(error.message).toMatch(/parse error/);
    await expect(client.formatQuery('rate(')).rejects.toMatchObject({
      code: 'prometheus',
      details: { errorType: 'bad_data' },
    });
  });

  it('sends auth and extra headers through a proxy, and the answers still arrive', async () => {
    const viaProxy = createPrometheusClient({
      url: proxyUrl,
      auth: { type: 'bearer', token: 'proxy-token-123' },
      headers: { 'X-Scope-OrgID': 'team-a' },
    });
    const { data } = await viaProxy.query('cpu_usage');
    expect(data.result).toHaveLength(2);
    const basic = createPrometheusClient({
      url: proxyUrl,
      auth: { type: 'basic', username: 'bob', password: 'pw' },
    });
    expect(await basic.labelValues('instance', { match: ['cpu_usage'] })).toEqual(['server1', 'server2']);
    expect(proxiedHeaders[0]).toMatchObject({
      authorization: 'Bearer proxy-token-123',
      'x-scope-orgid': 'team-a',
    });
    expect(proxiedHeaders[1]?.authorization).toBe(`Basic ${Buffer.from('bob:pw').toString('base64')}`);
  });

  it("decodes Prometheus's own answer with the fast scan, identically to the safe parser", async () => {
    const response = await fetch(
      `${prometheus.url}/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}')}`,
    );
    const text = await response.text();
    const fast = scanVectorSamples(text, 'main');
    expect(fast, 'the fast scan should accept what Prometheus writes').toBeDefined();
    expect(fast).toEqual(decodeVectorSamplesSafely(text, 'main'));
    expect(fast!.samples.length).toBeGreaterThan(10);
    expect(fast!.samples.find((sample) => sample.labels.kind === 'quoted')?.seriesId).toBe(
      `main|odd_values{instance="${exporter.host}",job="test",kind="quoted",note="say \\"hi\\"\\\\ <b>&"}`,
    );
  });
});
