import { describe, expect, it } from 'vitest';
import { createCatalogSnapshot } from './catalog.js';
import { validatePromql } from './promql.js';
import { tokenize } from './question.js';
import { nodeExporterCatalog, webShopCatalog } from './test-fixtures.js';
import { translateOffline } from './translate-offline.js';

const snapshot = webShopCatalog();
const translate = (question: string) => translateOffline(question, snapshot);

describe('translateOffline', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['Show CPU usage for server1', 'cpu_usage_percent{host="server1"}'],
    ['request rate per route', 'sum by (route) (rate(http_requests_total[5m]))'],
    ['requests per minute on /checkout', 'sum (rate(http_requests_total{route="/checkout"}[5m])) * 60'],
    [
      'how many requests did /cart get in the last hour',
      'sum (increase(http_requests_total{route="/cart"}[1h]))',
    ],
    [
      'error rate of the checkout route in %',
      '100 * sum (rate(http_requests_total{route="/checkout", code=~"5.."}[5m])) / sum (rate(http_requests_total{route="/checkout"}[5m]))',
    ],
    [
      'share of 5xx responses per route',
      'sum by (route) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (route) (rate(http_requests_total[5m]))',
    ],
    [
      'which route has the most 5xx errors?',
      'topk(1, sum by (route) (rate(http_requests_total{code=~"5.."}[5m])))',
    ],
    ['top 3 routes by request rate', 'topk(3, sum by (route) (rate(http_requests_total[5m])))'],
    [
      'p95 latency of /checkout in ms',
      '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route="/checkout"}[5m])))',
    ],
    [
      'median request duration by route over the last 10 minutes',
      'histogram_quantile(0.5, sum by (le, route) (rate(http_request_duration_seconds_bucket[10m])))',
    ],
    [
      'average response time of the search route',
      'sum (rate(http_request_duration_seconds_sum{route="/search"}[5m])) / sum (rate(http_request_duration_seconds_count{route="/search"}[5m]))',
    ],
    [
      'what % of requests take longer than 500ms',
      '100 * (1 - sum (rate(http_request_duration_seconds_bucket{le="0.5"}[5m])) / sum (rate(http_request_duration_seconds_count[5m])))',
    ],
    ['p99 db query latency for inserts', 'db_query_duration_seconds{operation="insert", quantile="0.99"}'],
    ['is billing down?', 'up{job="billing"} == 0'],
    ['how many targets are down', 'count(up == 0)'],
    ['free disk space on / in GiB', 'node_filesystem_avail_bytes{mountpoint="/"} / 1024^3'],
    ['How big is the root filesystem in GB?', 'node_filesystem_size_bytes{mountpoint="/"} / 1e9'],
    ['memory available on server1 in GB', 'node_memory_MemAvailable_bytes{instance="server1:9100"} / 1e9'],
    [
      'network traffic received on eth0 in Mbps',
      'sum (rate(node_network_receive_bytes_total{device="eth0"}[5m])) * 8 / 1e6',
    ],
    ['jobs waiting in the emails queue', 'queue_jobs_waiting{queue="emails"}'],
    ['orders per hour by payment method', 'sum by (payment_method) (rate(orders_created_total[5m])) * 3600'],
    [
      'cache hit ratio for the sessions cache',
      'sum (rate(cache_lookups_total{cache="sessions", result="hit"}[5m])) / sum (rate(cache_lookups_total{cache="sessions"}[5m]))',
    ],
    ['which version of checkout-api is running', 'app_build_info{service="checkout-api"}'],
    ['hottest disk', 'topk(1, disk_temperature_celsius)'],
    ['disks hotter than 50', 'disk_temperature_celsius > 50'],
    ['hosts with cpu usage above 80%', 'cpu_usage_percent > 80'],
    ['cpu time by mode in %', '100 * avg by (mode) (rate(node_cpu_seconds_total[5m]))'],
    [
      'iowait % on server1',
      '100 * avg (rate(node_cpu_seconds_total{mode="iowait", instance="server1:9100"}[5m]))',
    ],
    [
      'memory available vs total on server1, in %',
      '100 * node_memory_MemAvailable_bytes{instance="server1:9100"} / node_memory_MemTotal_bytes{instance="server1:9100"}',
    ],
  ];

  it.each(cases)('%s', (question, expected) => {
    const result = translate(question);
    expect(result.promql, result.reason).toBe(expected);
    expect(validatePromql(result.promql!, snapshot).issues).toEqual([]);
  });

  it('abstains, with the closest metrics, when nothing in the catalog fits', () => {
    for (const question of [
      'kafka consumer lag',
      'what is the weather in paris',
      'How many ad impressions did we serve?',
    ]) {
      const result = translate(question);
      expect(result.promql, question).toBeNull();
      expect(result.reason).toMatch(/closest are \w+/);
      expect(result.closest.length).toBeGreaterThan(0);
    }
  });

  it('refuses a bucket boundary that does not exist instead of approximating it', () => {
    const result = translate('what % of requests take longer than 300ms');
    expect(result.promql).toBeNull();
    expect(result.reason).toMatch(
      /no bucket boundary at 0.3 seconds; its boundaries are 0.05, 0.1, 0.25, 0.5/,
    );
  });

  it('describes the result shape for the layout', () => {
    expect(translate('p95 latency of /checkout in ms').shape).toMatchObject({ unit: 'ms', single: true });
    expect(translate('request rate per route').shape).toMatchObject({
      unit: '/s',
      groupBy: ['route'],
      single: false,
    });
    expect(translate('which route has the most 5xx errors?').shape?.ranking).toEqual({
      direction: 'top',
      k: 1,
    });
    expect(translate('which version of checkout-api is running').shape?.info).toBe(true);
    expect(translate('is billing down?').shape?.threshold).toEqual({ operator: '==', value: 0 });
  });

  it('quotes label values as data', () => {
    const tricky = translateOffline(
      'orders paid with pay"pal',
      webShopCatalogWith({ payment_method: ['pay"pal', 'card'] }),
    );
    expect(tricky.promql).toBe('sum (rate(orders_created_total{payment_method="pay\\"pal"}[5m]))');
  });

  it('handles empty questions and empty catalogs', () => {
    expect(translate('   ').promql).toBeNull();
    expect(translateOffline('cpu usage', { ...snapshot, metrics: [] }).reason).toMatch(/catalog is empty/);
  });
});

describe('translateOffline on operator conventions', () => {
  const platform = createCatalogSnapshot([
    {
      name: 'session_store_hits_total',
      type: 'counter',
      help: 'Lookups answered by the session store.',
      labels: { store: ['primary', 'edge'] },
    },
    {
      name: 'session_store_misses_total',
      type: 'counter',
      help: 'Lookups the session store could not answer.',
      labels: { store: ['primary', 'edge'] },
    },
    {
      name: 'volume_used_bytes',
      type: 'gauge',
      help: 'Bytes used on the volume.',
      labels: { volume: ['data', 'logs'] },
    },
    {
      name: 'volume_size_bytes',
      type: 'gauge',
      help: 'Size of the volume.',
      labels: { volume: ['data', 'logs'] },
    },
    {
      name: 'db_pool_max_connections',
      type: 'gauge',
      help: 'Configured maximum of pooled connections.',
      labels: { server: ['main-db-1', 'main-db-2'] },
    },
    {
      name: 'db_pool_busy',
      type: 'gauge',
      help: 'Connections checked out of the pool.',
      labels: { server: ['main-db-1', 'main-db-2'] },
    },
    {
      name: 'tls_certificate_not_after',
      type: 'gauge',
      help: 'Expiry of the certificate, in unixtime.',
      labels: { domain: ['api.example.io', 'www.example.io'] },
    },
    {
      name: 'service_start_time_seconds',
      type: 'gauge',
      help: 'Start time of the service since unix epoch in seconds.',
      labels: { service: ['gateway', 'mailer'] },
    },
    {
      name: 'http_server_requests_total',
      type: 'counter',
      help: 'Requests served, by handler and status code.',
      labels: { handler: ['/login', '/feed'], code: ['200', '302', '404', '500'] },
    },
    {
      name: 'memcache_items',
      type: 'gauge',
      help: 'Items stored.',
      labels: { endpoint: ['cache-a:11211', 'cache-b:11211'] },
    },
    {
      name: 'worker_queue_consumers',
      type: 'gauge',
      help: 'Workers consuming from the queue.',
      labels: { queue: ['mail', 'thumbnails', 'retry'] },
    },
    {
      name: 'deployment_replicas_desired',
      type: 'gauge',
      help: 'Replicas the deployment should run.',
      labels: { deployment: ['web', 'api'] },
    },
    {
      name: 'deployment_replicas_ready',
      type: 'gauge',
      help: 'Replicas of the deployment that are ready.',
      labels: { deployment: ['web', 'api'] },
    },
  ]);
  const cases: ReadonlyArray<readonly [string, string]> = [
    [
      'session store hit ratio per store',
      'sum by (store) (rate(session_store_hits_total[5m])) / (sum by (store) (rate(session_store_hits_total[5m])) + sum by (store) (rate(session_store_misses_total[5m])))',
    ],
    [
      'volume usage % for the data volume',
      '100 * volume_used_bytes{volume="data"} / volume_size_bytes{volume="data"}',
    ],
    [
      'what % of max connections are busy on main-db-2',
      '100 * sum (db_pool_busy{server="main-db-2"}) / sum (db_pool_max_connections{server="main-db-2"})',
    ],
    [
      'days until the certificate of api.example.io expires',
      '(tls_certificate_not_after{domain="api.example.io"} - time()) / 86400',
    ],
    [
      'how long has the gateway service been up, in hours',
      '(time() - service_start_time_seconds{service="gateway"}) / 3600',
    ],
    [
      'what percentage of /login requests do not return 200',
      '100 * sum (rate(http_server_requests_total{handler="/login", code!="200"}[5m])) / sum (rate(http_server_requests_total{handler="/login"}[5m]))',
    ],
    ['items stored on cache-b', 'memcache_items{endpoint="cache-b:11211"}'],
    ['which queue has no consumers?', 'worker_queue_consumers == 0'],
    [
      'deployments with fewer ready replicas than desired',
      'deployment_replicas_ready < deployment_replicas_desired',
    ],
    ['req/s per handler', 'sum by (handler) (rate(http_server_requests_total[5m]))'],
  ];

  it.each(cases)('%s', (question, expected) => {
    const result = translateOffline(question, platform);
    expect(result.promql, result.reason).toBe(expected);
    expect(validatePromql(result.promql!, platform).issues).toEqual([]);
  });

  it('abstains on a system the catalog has never heard of', () => {
    const result = translateOffline('elasticsearch cluster health status', platform);
    expect(result.promql, result.reason).toBeNull();
  });
});

describe('translateOffline: the use of a resource on node_exporter', () => {
  const node = nodeExporterCatalog();
  const fleet = nodeExporterCatalog(['server1:9100', 'server2:9100', 'db-7.example.com:9100']);
  const cases: ReadonlyArray<readonly [string, string]> = [
    // CPU: the busy share from the time counter, not the load average or a "loaded" gauge
    ['show CPU usage', '100 * (1 - avg (rate(node_cpu_seconds_total{mode="idle"}[5m])))'],
    [
      'CPU usage per instance',
      '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
    ],
    // a value the user named stays in the query even when it is the only one today
    [
      'show CPU usage for server1',
      '100 * (1 - avg (rate(node_cpu_seconds_total{instance="server1", mode="idle"}[5m])))',
    ],
    // memory: total - available (not Vmalloc, Swap or the load), a share when asked
    ['memory usage', 'node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes'],
    ['memory usage in percent', '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)'],
    [
      'memory usage on server1 in GiB',
      '(node_memory_MemTotal_bytes{instance="server1"} - node_memory_MemAvailable_bytes{instance="server1"}) / 1024^3',
    ],
    [
      'which instance uses the most memory',
      'topk(1, sum by (instance) (node_memory_MemTotal_bytes) - sum by (instance) (node_memory_MemAvailable_bytes))',
    ],
    // disk: how full each filesystem is (their sizes differ, so a share)
    ['disk usage', '100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes)'],
    [
      'disk usage per mountpoint',
      '100 * (1 - sum by (mountpoint) (node_filesystem_avail_bytes) / sum by (mountpoint) (node_filesystem_size_bytes))',
    ],
    ['disk usage above 80%', '(100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes)) > 80'],
    // network: bytes both ways unless a direction is named
    [
      'network traffic',
      'sum (rate(node_network_receive_bytes_total[5m])) + sum (rate(node_network_transmit_bytes_total[5m]))',
    ],
    [
      'network traffic per device in Mbit/s',
      '(sum by (device) (rate(node_network_receive_bytes_total[5m])) + sum by (device) (rate(node_network_transmit_bytes_total[5m]))) * 8 / 1e6',
    ],
    ['outbound network traffic', 'sum (rate(node_network_transmit_bytes_total[5m]))'],
    // the process of a job: its own CPU time and resident memory
    ['cpu usage of prometheus', 'sum (rate(process_cpu_seconds_total{job="prometheus"}[5m]))'],
    ['memory usage of prometheus', 'process_resident_memory_bytes{job="prometheus"}'],
  ];

  it.each(cases)('%s', (question, expected) => {
    const result = translateOffline(question, node);
    expect(result.promql, result.reason).toBe(expected);
    expect(validatePromql(result.promql!, node).issues).toEqual([]);
  });

  it('names a host by the start of its instance (host:port, a domain)', () => {
    expect(translateOffline('show CPU usage for server1', fleet).promql).toBe(
      '100 * (1 - avg (rate(node_cpu_seconds_total{instance="server1:9100", mode="idle"}[5m])))',
    );
    expect(translateOffline('disk usage on db-7', fleet).promql).toBe(
      '100 * (1 - node_filesystem_avail_bytes{instance="db-7.example.com:9100"} / node_filesystem_size_bytes{instance="db-7.example.com:9100"})',
    );
  });

  it('never drops a filter on a value no series has: no query, the closest values instead', () => {
    for (const [question, value] of [
      ['CPU usage for server9', 'server9'],
      ['memory usage on web-07', 'web-07'],
      ['network traffic of 10.0.0.5', '10.0.0.5'],
      ['disk usage for host DB3', 'DB3'],
    ] as const) {
      const result = translateOffline(question, fleet);
      expect(result.promql, question).toBeNull();
      expect(result.reason).toBe(
        `no series has a label value matching "${value}"; known instances are ${result.unknownValue?.closest.join(', ')}`,
      );
      expect(result.unknownValue).toMatchObject({ value, label: 'instance' });
      expect(result.unknownValue?.closest).toHaveLength(3);
    }
    // the closest value first
    expect(translateOffline('CPU usage for server9', fleet).unknownValue?.closest[0]).toMatch(/^server/);
    expect(translateOffline('CPU usage for db-8', fleet).unknownValue?.closest[0]).toBe(
      'db-7.example.com:9100',
    );
  });

  it('filters on a value it cannot check when the label keeps only some of its values', () => {
    const truncated = withInstanceLabel(fleet, { truncated: true });
    expect(translateOffline('CPU usage for Server9', truncated).promql).toBe(
      '100 * (1 - avg (rate(node_cpu_seconds_total{instance=~"(?i)Server9(:[0-9]+)?", mode="idle"}[5m])))',
    );
  });
});

describe('translateOffline: counting objects and named systems', () => {
  const catalog = createCatalogSnapshot([
    {
      name: 'search_shard_documents',
      type: 'gauge',
      help: 'Documents held by each shard of an index.',
      labels: { index: ['products', 'reviews'], shard: ['0', '1', '2', '3'], tenant: ['acme', 'globex'] },
    },
    {
      name: 'search_shard_state',
      type: 'gauge',
      help: '1 when the shard is in this state.',
      labels: { shard: ['0', '1', '2', '3'], state: ['started', 'relocating', 'unassigned'] },
    },
    {
      name: 'redis_connected_clients',
      type: 'gauge',
      help: 'Number of client connections.',
      labels: { addr: ['cache-a:6379', 'cache-b:6379'] },
    },
  ]);

  it('counts the objects a metric has a series for when asked "how many <objects>"', () => {
    // either metric with a series per shard counts them
    expect(translateOffline('how many shards are there', catalog).promql).toMatch(
      /^count \(count by \(shard\) \(search_shard_(documents|state)\)\)$/,
    );
    expect(translateOffline('number of shards per index', catalog).promql).toBe(
      'count by (index) (count by (index, shard) (search_shard_documents))',
    );
    // what the metric counts itself is added up
    expect(translateOffline('how many documents are there', catalog).promql).toBe(
      'sum (search_shard_documents)',
    );
    // one-hot states already count the objects in a state
    expect(translateOffline('how many shards are unassigned', catalog).promql).toBe(
      'sum (search_shard_state{state="unassigned"})',
    );
  });

  it('abstains when the question names a system the matching metric does not belong to', () => {
    const other = translateOffline('memcached connected clients', catalog);
    expect(other.promql).toBeNull();
    expect(other.reason).toBe('no metric of memcached answers that: redis_connected_clients is about redis');
    expect(other.closest).toEqual(['redis_connected_clients']);
    expect(translateOffline('redis connected clients', catalog).promql).toBe('redis_connected_clients');
    expect(translateOffline('connected clients', catalog).promql).toBe('redis_connected_clients');
  });
});

describe('tokenize', () => {
  it('keeps values together and separates operators and units', () => {
    expect(tokenize('p99 of /v1/search in 5m, 20% vs a / b - c').map((token) => token.text)).toEqual([
      'p99',
      'of',
      'v1',
      'search',
      'in',
      '5',
      'm',
      ',',
      '20',
      '%',
      'vs',
      'a',
      '/',
      'b',
      '-',
      'c',
    ]);
    expect(tokenize('sports-1 on 4k_hdr').map((token) => token.text)).toEqual([
      'sports',
      '1',
      'on',
      '4k',
      'hdr',
    ]);
  });
});

function webShopCatalogWith(labels: Readonly<Record<string, readonly string[]>>) {
  const base = webShopCatalog();
  const orders = base.byName.get('orders_created_total')!;
  const replaced = {
    ...orders,
    labels: new Map(
      Object.entries(labels).map(([name, values]) => [name, { name, values, truncated: false }]),
    ),
  };
  const metrics = base.metrics.map((metric) => (metric === orders ? replaced : metric));
  return {
    ...base,
    metrics,
    byName: new Map(metrics.map((metric) => [metric.name, metric])),
    bySeries: new Map(metrics.map((metric) => [metric.name, metric])),
  };
}

/** The catalog with the `instance` label of node_cpu_seconds_total marked as holding more values than kept. */
function withInstanceLabel(
  base: ReturnType<typeof nodeExporterCatalog>,
  options: { readonly truncated: boolean },
) {
  const cpu = base.byName.get('node_cpu_seconds_total')!;
  const labels = new Map(cpu.labels);
  labels.set('instance', { ...labels.get('instance')!, truncated: options.truncated });
  const replaced = { ...cpu, labels };
  const metrics = base.metrics.map((metric) => (metric === cpu ? replaced : metric));
  return {
    ...base,
    metrics,
    byName: new Map(metrics.map((metric) => [metric.name, metric])),
    bySeries: new Map(metrics.flatMap((metric) => metric.series.map((name) => [name, metric] as const))),
  };
}
