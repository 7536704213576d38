import { describe, expect, it } from 'vitest';
import type { PrometheusClient, SeriesLabels } from '../prometheus/types.js';
import { buildCatalogSnapshot, createMetricCatalog, unitFromName } from './catalog.js';
import { closestMetricNames, retrieveMetrics } from './retrieval.js';
import { webShopCatalog } from './test-fixtures.js';

describe('buildCatalogSnapshot', () => {
  it('groups histogram and summary series into families with type, unit and labels', () => {
    const snapshot = buildCatalogSnapshot({
      names: [
        'api_latency_seconds_bucket',
        'api_latency_seconds_count',
        'api_latency_seconds_sum',
        'gc_pause_seconds',
        'gc_pause_seconds_count',
        'gc_pause_seconds_sum',
        'jobs_total',
        'temperature_celsius',
        'up',
      ],
      metadata: {
        api_latency_seconds: [{ type: 'histogram', help: 'API latency.', unit: '' }],
        gc_pause_seconds: [{ type: 'summary', help: 'GC pauses.', unit: '' }],
      },
      labels: new Map<string, Record<string, string[]>>([
        ['api_latency_seconds_bucket', { le: ['0.1', '+Inf', '1'], route: ['/a'] }],
        ['api_latency_seconds_count', { route: ['/a'] }],
        ['api_latency_seconds_sum', { route: ['/a'] }],
        ['gc_pause_seconds', { quantile: ['0.5', '0.99'] }],
        ['jobs_total', { queue: ['b', 'a'] }],
        ['up', { job: ['x'] }],
      ]),
    });
    expect(snapshot.metrics.map((metric) => [metric.name, metric.type])).toEqual([
      ['api_latency_seconds', 'histogram'],
      ['gc_pause_seconds', 'summary'],
      ['jobs_total', 'counter'],
      ['temperature_celsius', 'gauge'],
      ['up', 'gauge'],
    ]);
    const histogram = snapshot.byName.get('api_latency_seconds')!;
    expect(histogram.series).toEqual([
      'api_latency_seconds_bucket',
      'api_latency_seconds_count',
      'api_latency_seconds_sum',
    ]);
    expect(histogram.unit).toBe('seconds');
    expect(histogram.labels.get('le')?.values).toEqual(['0.1', '1', '+Inf']);
    expect(snapshot.bySeries.get('api_latency_seconds_bucket')).toBe(histogram);
    expect(snapshot.byName.get('jobs_total')?.labels.get('queue')?.values).toEqual(['a', 'b']);
    expect(snapshot.byName.get('temperature_celsius')?.labelsLoaded).toBe(false);
    expect(snapshot.byName.get('up')?.help).toMatch(/scrape/);
  });

  it('reads units from names', () => {
    expect(unitFromName('http_request_duration_seconds_bucket')).toBe('seconds');
    expect(unitFromName('node_network_receive_bytes_total')).toBe('bytes');
    expect(unitFromName('gpu_utilization_ratio')).toBe('ratio');
    expect(unitFromName('request_latency_ms')).toBe('milliseconds');
    expect(unitFromName('queue_length')).toBe('');
  });
});

/** A PrometheusClient answering from memory, counting calls. */
function memoryPrometheus(series: SeriesLabels[], calls: string[]): PrometheusClient {
  const unused = () => Promise.reject(new Error('not used by the catalog'));
  return {
    url: 'memory://',
    query: unused,
    queryRange: unused,
    targets: unused,
    formatQuery: unused,
    buildInfo: unused,
    labelNames: unused,
    async labelValues(name) {
      calls.push(`labelValues:${name}`);
      return [...new Set(series.map((labels) => labels[name]).filter((value): value is string => !!value))];
    },
    async metadata() {
      calls.push('metadata');
      return { jobs_total: [{ type: 'counter', help: 'Jobs processed.', unit: '' }] };
    },
    async series(match) {
      calls.push(`series:${match.join(',')}`);
      const pattern = /__name__=~"([^"]*)"/.exec(match[0] ?? '')?.[1] ?? '';
      const regex = new RegExp(`^(?:${pattern})$`);
      return series.filter((labels) => regex.test(labels['__name__'] ?? ''));
    },
  };
}

describe('createMetricCatalog', () => {
  const series: SeriesLabels[] = Array.from({ length: 12 }, (_, index) => ({
    __name__: index < 6 ? 'jobs_total' : `metric_${index}`,
    queue: `queue${index}`,
  }));

  it('loads names, metadata and bounded label values, in batches, and caches for the TTL', async () => {
    const calls: string[] = [];
    let time = 1_000_000;
    const catalog = createMetricCatalog({
      prometheus: memoryPrometheus(series, calls),
      batchSize: 4,
      maxLabelValues: 3,
      ttlMs: 1000,
      now: () => time,
    });
    const snapshot = await catalog.get();
    const jobs = snapshot.byName.get('jobs_total')!;
    expect(jobs.type).toBe('counter');
    expect(jobs.help).toBe('Jobs processed.');
    expect(jobs.labels.get('queue')).toEqual({
      name: 'queue',
      values: ['queue0', 'queue1', 'queue2'],
      truncated: true,
    });
    expect(calls.filter((call) => call.startsWith('series:'))).toHaveLength(2);
    expect(await catalog.get()).toBe(snapshot);
    time += 5000;
    expect(await catalog.get()).toBe(snapshot); // stale: answered at once, reloaded in the background
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(catalog.peek()).not.toBe(snapshot);
    catalog.close();
    catalog.close();
  });

  it('loads labels on demand for catalogs larger than eagerLabelLimit', async () => {
    const calls: string[] = [];
    const catalog = createMetricCatalog({ prometheus: memoryPrometheus(series, calls), eagerLabelLimit: 2 });
    const snapshot = await catalog.get();
    expect(calls.some((call) => call.startsWith('series:'))).toBe(false);
    expect(snapshot.byName.get('jobs_total')?.labelsLoaded).toBe(false);
    const loaded = await catalog.ensureLabels(['jobs_total']);
    expect(loaded.byName.get('jobs_total')?.labelsLoaded).toBe(true);
    expect(loaded.byName.get('jobs_total')?.labels.get('queue')?.values).toHaveLength(6);
    expect(loaded.byName.get('metric_7')?.labelsLoaded).toBe(false);
    expect(await catalog.ensureLabels(['jobs_total'])).toBe(loaded);
  });

  it('rejects a negative TTL with a config error', () => {
    expect(() => createMetricCatalog({ prometheus: memoryPrometheus([], []), ttlMs: -1 })).toThrow(/ttlMs/);
  });
});

describe('retrieveMetrics', () => {
  const snapshot = webShopCatalog();
  const top = (question: string) =>
    retrieveMetrics(snapshot, question, { limit: 3 }).map((entry) => entry.metric.name);

  it('ranks by name words, synonyms, HELP text and typos', () => {
    expect(top('processor usage')[0]).toBe('cpu_usage_percent');
    expect(top('how much ram is available')[0]).toBe('node_memory_MemAvailable_bytes');
    expect(top('request latncy')[0]).toBe('http_request_duration_seconds');
    expect(top('incoming network traffic')[0]).toBe('node_network_receive_bytes_total');
    expect(top('jobs waiting in queues')[0]).toBe('queue_jobs_waiting');
    expect(top('disk temperature')[0]).toBe('disk_temperature_celsius');
  });

  it('prefers used over capacity metrics unless capacity is asked for', () => {
    expect(top('filesystem space available')[0]).toBe('node_filesystem_avail_bytes');
    expect(top('how big is the filesystem')[0]).toBe('node_filesystem_size_bytes');
  });

  it('returns nothing for words the catalog does not know, and closest names by spelling', () => {
    expect(top('kafka consumer lag')).toEqual([]);
    expect(closestMetricNames(snapshot, 'http_request_total', 2)).toContain('http_requests_total');
  });
});
