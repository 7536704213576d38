/**
 * The e-commerce / payments catalog: an nginx-style ingress, Postgres (postgres_exporter names),
 * Kafka (kafka_exporter names), Kubernetes pods (cAdvisor and kube-state-metrics names), the
 * payments and shop services, a summary and info metrics.
 */
import type { CounterSeries, Family } from './families.js';

const mebibyte = 1024 ** 2;
const gibibyte = 1024 ** 3;

/** Every metric family of the shop catalog. */
export function shopFamilies(): Family[] {
  const list: Family[] = [];

  // Ingress (ingress-nginx controller) -----------------------------------------------------------
  const ingressTraffic: ReadonlyArray<
    readonly [string, string, ReadonlyArray<readonly [string, string, number]>]
  > = [
    [
      'shop',
      'storefront',
      [
        ['GET', '200', 182],
        ['GET', '304', 21.5],
        ['GET', '404', 3.2],
        ['POST', '200', 14.1],
        ['GET', '500', 0.42],
        ['GET', '503', 0.18],
      ],
    ],
    [
      'payments',
      'checkout-api',
      [
        ['POST', '200', 36.8],
        ['POST', '201', 12.3],
        ['POST', '400', 1.1],
        ['POST', '500', 0.95],
        ['POST', '502', 0.35],
        ['GET', '200', 8.4],
      ],
    ],
    [
      'payments',
      'payments-webhook',
      [
        ['POST', '200', 5.6],
        ['POST', '401', 0.22],
        ['POST', '500', 0.07],
      ],
    ],
    [
      'admin',
      'backoffice',
      [
        ['GET', '200', 2.9],
        ['POST', '200', 0.8],
        ['GET', '403', 0.15],
      ],
    ],
  ];
  const requestSeries: CounterSeries[] = [];
  const requestTotals = new Map<string, number>();
  for (const [namespace, ingress, rows] of ingressTraffic) {
    for (const [method, status, rate] of rows) {
      requestSeries.push({ labels: { namespace, ingress, method, status }, rate });
      requestTotals.set(ingress, (requestTotals.get(ingress) ?? 0) + rate);
    }
  }
  list.push({
    name: 'nginx_ingress_controller_requests',
    type: 'counter',
    help: 'The total number of client requests',
    series: requestSeries,
  });
  const ingressShape: Readonly<Record<string, readonly [string, number, readonly number[]]>> = {
    storefront: ['shop', 0.061, [0.05, 0.16, 0.41, 0.66, 0.83, 0.93, 0.975, 0.993, 0.999, 1, 1]],
    'checkout-api': ['payments', 0.214, [0.0, 0.01, 0.04, 0.12, 0.3, 0.62, 0.84, 0.95, 0.985, 0.998, 1]],
    'payments-webhook': ['payments', 0.034, [0.12, 0.35, 0.72, 0.9, 0.97, 0.995, 1, 1, 1, 1, 1]],
    backoffice: ['admin', 0.48, [0.0, 0.0, 0.02, 0.07, 0.19, 0.4, 0.63, 0.86, 0.97, 0.995, 1]],
  };
  list.push({
    name: 'nginx_ingress_controller_request_duration_seconds',
    type: 'histogram',
    help: 'The request processing time in milliseconds',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    series: Object.entries(ingressShape).map(([ingress, [namespace, mean, cumulative]]) => ({
      labels: { namespace, ingress },
      rate: requestTotals.get(ingress) ?? 0,
      mean,
      cumulative,
    })),
  });
  list.push({
    name: 'nginx_ingress_controller_nginx_process_connections',
    type: 'gauge',
    help: 'current number of client connections with state {active, reading, writing, waiting}',
    series: [
      { labels: { state: 'active' }, value: 1843 },
      { labels: { state: 'reading' }, value: 12 },
      { labels: { state: 'writing' }, value: 97 },
      { labels: { state: 'waiting' }, value: 1734 },
    ],
  });
  list.push({
    name: 'nginx_ingress_controller_ssl_expire_time_seconds',
    type: 'gauge',
    help: 'Number of seconds since 1970 to the SSL Certificate expire. An example to check if this certificate will expire in 10 days is: "nginx_ingress_controller_ssl_expire_time_seconds < (time() + (10 * 24 * 3600))"',
    series: [
      { labels: { host: 'shop.example.com' }, value: 1_800_000_000 },
      { labels: { host: 'pay.example.com' }, value: 1_797_000_000 },
      { labels: { host: 'admin.example.com' }, value: 1_796_500_000 },
    ],
  });

  // Postgres (postgres_exporter) -----------------------------------------------------------------
  list.push({
    name: 'pg_up',
    type: 'gauge',
    help: 'Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).',
    series: [
      { labels: { server: 'orders-db-0' }, value: 1 },
      { labels: { server: 'orders-db-1' }, value: 1 },
      { labels: { server: 'ledger-db-0' }, value: 1 },
      { labels: { server: 'analytics-db-0' }, value: 0 },
    ],
  });
  const databases: ReadonlyArray<readonly [string, string, number, number, number, number]> = [
    // server, datname, commits/s, rollbacks/s, deadlocks/s, size bytes
    ['orders-db-0', 'orders', 412.5, 1.9, 0.002, 184.3e9],
    ['orders-db-0', 'inventory', 96.2, 0.6, 0, 21.7e9],
    ['ledger-db-0', 'ledger', 233.7, 4.4, 0.011, 402.9e9],
  ];
  list.push({
    name: 'pg_stat_database_xact_commit',
    type: 'counter',
    help: 'Number of transactions in this database that have been committed',
    series: databases.map(([server, datname, rate]) => ({ labels: { server, datname }, rate })),
  });
  list.push({
    name: 'pg_stat_database_xact_rollback',
    type: 'counter',
    help: 'Number of transactions in this database that have been rolled back',
    series: databases.map(([server, datname, , rate]) => ({ labels: { server, datname }, rate })),
  });
  list.push({
    name: 'pg_stat_database_deadlocks',
    type: 'counter',
    help: 'Number of deadlocks detected in this database',
    series: databases.map(([server, datname, , , rate]) => ({ labels: { server, datname }, rate })),
  });
  list.push({
    name: 'pg_database_size_bytes',
    type: 'gauge',
    help: 'Disk space used by the database',
    series: databases.map(([server, datname, , , , value]) => ({ labels: { server, datname }, value })),
  });
  const activity: ReadonlyArray<readonly [string, string, string, number]> = [
    ['orders-db-0', 'orders', 'active', 23],
    ['orders-db-0', 'orders', 'idle', 61],
    ['orders-db-0', 'orders', 'idle in transaction', 4],
    ['orders-db-0', 'inventory', 'active', 5],
    ['orders-db-0', 'inventory', 'idle', 18],
    ['orders-db-0', 'inventory', 'idle in transaction', 0],
    ['ledger-db-0', 'ledger', 'active', 11],
    ['ledger-db-0', 'ledger', 'idle', 40],
    ['ledger-db-0', 'ledger', 'idle in transaction', 9],
  ];
  list.push({
    name: 'pg_stat_activity_count',
    type: 'gauge',
    help: 'number of connections in this state',
    series: activity.map(([server, datname, state, value]) => ({
      labels: { server, datname, state },
      value,
    })),
  });
  list.push({
    name: 'pg_settings_max_connections',
    type: 'gauge',
    help: 'Sets the maximum number of concurrent connections.',
    series: [
      { labels: { server: 'orders-db-0' }, value: 200 },
      { labels: { server: 'orders-db-1' }, value: 200 },
      { labels: { server: 'ledger-db-0' }, value: 100 },
    ],
  });
  list.push({
    name: 'pg_replication_lag_seconds',
    type: 'gauge',
    help: 'Replication lag behind master in seconds',
    series: [{ labels: { server: 'orders-db-1' }, value: 2.4 }],
  });
  list.push({
    name: 'pg_static',
    type: 'gauge',
    help: 'Version string as reported by postgres',
    series: [
      {
        labels: {
          server: 'orders-db-0',
          short_version: '15.4.0',
          version: 'PostgreSQL 15.4 on x86_64-pc-linux-gnu',
        },
        value: 1,
      },
      {
        labels: {
          server: 'orders-db-1',
          short_version: '15.4.0',
          version: 'PostgreSQL 15.4 on x86_64-pc-linux-gnu',
        },
        value: 1,
      },
      {
        labels: {
          server: 'ledger-db-0',
          short_version: '14.9.0',
          version: 'PostgreSQL 14.9 on x86_64-pc-linux-gnu',
        },
        value: 1,
      },
    ],
  });

  // Kafka (kafka_exporter) -----------------------------------------------------------------------
  list.push({
    name: 'kafka_brokers',
    type: 'gauge',
    help: 'Number of Brokers in the Kafka Cluster.',
    series: [{ labels: {}, value: 3 }],
  });
  list.push({
    name: 'kafka_topic_partitions',
    type: 'gauge',
    help: 'Number of partitions for this Topic',
    series: [
      { labels: { topic: 'orders' }, value: 12 },
      { labels: { topic: 'payments' }, value: 8 },
      { labels: { topic: 'payment-events' }, value: 6 },
      { labels: { topic: 'inventory-updates' }, value: 4 },
      { labels: { topic: 'emails' }, value: 3 },
    ],
  });
  const lag: ReadonlyArray<readonly [string, string, readonly number[]]> = [
    ['fraud-scorer', 'payments', [120, 85, 310, 42]],
    ['ledger-writer', 'payment-events', [5, 0, 12]],
    ['order-fulfillment', 'orders', [1500, 1320, 1710, 980]],
    ['email-sender', 'emails', [44, 38, 51]],
  ];
  list.push({
    name: 'kafka_consumergroup_lag',
    type: 'gauge',
    help: 'Current Approximate Lag of a ConsumerGroup at Topic/Partition',
    series: lag.flatMap(([consumergroup, topic, values]) =>
      values.map((value, partition) => ({
        labels: { consumergroup, topic, partition: String(partition) },
        value,
      })),
    ),
  });
  const produced: ReadonlyArray<readonly [string, readonly number[]]> = [
    ['orders', [3.1, 2.9, 3.4, 2.7]],
    ['payments', [4.2, 4.0, 4.4, 3.8]],
    ['emails', [0.9, 1.1, 0.7]],
  ];
  list.push({
    name: 'kafka_topic_partition_current_offset',
    type: 'growing-gauge',
    help: 'Current Offset of a Broker at Topic/Partition',
    series: produced.flatMap(([topic, rates]) =>
      rates.map((rate, partition) => ({ labels: { topic, partition: String(partition) }, rate })),
    ),
  });

  // Kubernetes (cAdvisor, kube-state-metrics) ----------------------------------------------------
  const pods: ReadonlyArray<
    readonly [
      namespace: string,
      pod: string,
      container: string,
      node: string,
      phase: string,
      cpu: number,
      memory: number,
      limit: number,
      restarts: number,
    ]
  > = [
    [
      'shop',
      'storefront-6d8f9c7b5-x7k2p',
      'storefront',
      'worker-1',
      'Running',
      0.62,
      412 * mebibyte,
      gibibyte,
      0,
    ],
    [
      'shop',
      'storefront-6d8f9c7b5-m4q9z',
      'storefront',
      'worker-2',
      'Running',
      0.58,
      398 * mebibyte,
      gibibyte,
      0,
    ],
    ['shop', 'storefront-6d8f9c7b5-r2t8w', 'storefront', '', 'Pending', 0, 0, gibibyte, 0],
    [
      'shop',
      'cart-5f7c8d9b4-lp3vn',
      'cart',
      'worker-3',
      'Running',
      0.21,
      188 * mebibyte,
      512 * mebibyte,
      2 / 3600,
    ],
    ['shop', 'cart-5f7c8d9b4-qd8hs', 'cart', 'worker-1', 'Running', 0.19, 201 * mebibyte, 512 * mebibyte, 0],
    [
      'payments',
      'payments-api-7c9d8f6b5-h6j2k',
      'payments-api',
      'worker-2',
      'Running',
      0.94,
      1.31 * gibibyte,
      2 * gibibyte,
      0,
    ],
    [
      'payments',
      'payments-api-7c9d8f6b5-w9e4c',
      'payments-api',
      'worker-3',
      'Running',
      0.88,
      1.18 * gibibyte,
      2 * gibibyte,
      0,
    ],
    [
      'payments',
      'payments-api-7c9d8f6b5-b5n7f',
      'payments-api',
      'worker-1',
      'Running',
      0.91,
      1.24 * gibibyte,
      2 * gibibyte,
      0,
    ],
    [
      'payments',
      'fraud-scorer-84b6c7d9f-t3g6y',
      'fraud-scorer',
      'worker-2',
      'Running',
      1.73,
      3.42 * gibibyte,
      4 * gibibyte,
      9 / 3600,
    ],
    ['payments', 'fraud-scorer-84b6c7d9f-v8c1u', 'fraud-scorer', '', 'Pending', 0, 0, 4 * gibibyte, 0],
    ['kafka', 'kafka-0', 'kafka', 'worker-1', 'Running', 1.12, 2.6 * gibibyte, 6 * gibibyte, 0],
    ['kafka', 'kafka-1', 'kafka', 'worker-2', 'Running', 0.97, 2.45 * gibibyte, 6 * gibibyte, 0],
    ['kafka', 'kafka-2', 'kafka', 'worker-3', 'Running', 1.05, 2.71 * gibibyte, 6 * gibibyte, 0],
    ['shop', 'catalog-reindex-29015460-8zk4d', 'reindex', 'worker-3', 'Failed', 0, 0, gibibyte, 0],
  ];
  const running = pods.filter((pod) => pod[4] === 'Running');
  list.push({
    name: 'container_cpu_usage_seconds_total',
    type: 'counter',
    help: 'Cumulative cpu time consumed in seconds.',
    series: running.map(([namespace, pod, container, , , rate]) => ({
      labels: { namespace, pod, container },
      rate,
    })),
  });
  list.push({
    name: 'container_memory_working_set_bytes',
    type: 'gauge',
    help: 'Current working set in bytes.',
    series: running.map(([namespace, pod, container, , , , memory]) => ({
      labels: { namespace, pod, container },
      value: Math.round(memory),
    })),
  });
  list.push({
    name: 'container_spec_memory_limit_bytes',
    type: 'gauge',
    help: 'Memory limit for the container.',
    series: running.map(([namespace, pod, container, , , , , limit]) => ({
      labels: { namespace, pod, container },
      value: limit,
    })),
  });
  list.push({
    name: 'kube_pod_container_status_restarts_total',
    type: 'counter',
    help: 'The number of container restarts per container.',
    series: pods.map(([namespace, pod, container, , , , , , rate]) => ({
      labels: { namespace, pod, container },
      rate,
    })),
  });
  const phases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
  list.push({
    name: 'kube_pod_status_phase',
    type: 'gauge',
    help: 'The pods current phase.',
    series: pods.flatMap(([namespace, pod, , , phase]) =>
      phases.map((candidate) => ({
        labels: { namespace, pod, phase: candidate },
        value: candidate === phase ? 1 : 0,
      })),
    ),
  });
  list.push({
    name: 'kube_pod_info',
    type: 'gauge',
    help: 'Information about pod.',
    series: pods.map(([namespace, pod, , node], index) => ({
      labels: { namespace, pod, node, pod_ip: node ? `10.42.${index + 1}.${17 + index * 3}` : '' },
      value: 1,
    })),
  });
  const deployments: ReadonlyArray<readonly [string, string, number, number]> = [
    ['shop', 'storefront', 3, 2],
    ['shop', 'cart', 2, 2],
    ['payments', 'payments-api', 3, 3],
    ['payments', 'fraud-scorer', 2, 1],
  ];
  list.push({
    name: 'kube_deployment_spec_replicas',
    type: 'gauge',
    help: 'Number of desired pods for a deployment.',
    series: deployments.map(([namespace, deployment, value]) => ({
      labels: { namespace, deployment },
      value,
    })),
  });
  list.push({
    name: 'kube_deployment_status_replicas_available',
    type: 'gauge',
    help: 'The number of available replicas per deployment.',
    series: deployments.map(([namespace, deployment, , value]) => ({
      labels: { namespace, deployment },
      value,
    })),
  });

  // Payments service ---------------------------------------------------------------------------
  const transactions: ReadonlyArray<
    readonly [string, number, number, number, number, number, readonly number[]]
  > = [
    // provider, approved/s, declined/s, error/s, settled dollars/s, mean auth s, cumulative auth shape
    ['stripe', 41.2, 2.9, 0.31, 3120.5, 0.182, [0.04, 0.21, 0.58, 0.81, 0.94, 0.985, 0.996, 0.999, 1]],
    ['adyen', 22.7, 1.8, 0.55, 1890.2, 0.246, [0.02, 0.11, 0.41, 0.68, 0.89, 0.96, 0.985, 0.997, 1]],
    ['paypal', 9.4, 0.6, 0.12, 640.8, 0.391, [0.0, 0.03, 0.17, 0.39, 0.7, 0.88, 0.94, 0.99, 0.999]],
  ];
  list.push({
    name: 'payments_transactions_total',
    type: 'counter',
    help: 'Card and wallet payment transactions processed, by payment provider and result status.',
    series: transactions.flatMap(([provider, approved, declined, error]) => [
      { labels: { provider, status: 'approved' }, rate: approved },
      { labels: { provider, status: 'declined' }, rate: declined },
      { labels: { provider, status: 'error' }, rate: error },
    ]),
  });
  list.push({
    name: 'payments_settled_amount_dollars_total',
    type: 'counter',
    help: 'Value of settled payments in US dollars, by payment provider.',
    series: transactions.map(([provider, , , , rate]) => ({ labels: { provider }, rate })),
  });
  list.push({
    name: 'payments_authorization_duration_seconds',
    type: 'histogram',
    help: 'Time taken by the payment provider to authorize a transaction.',
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
    series: transactions.map(([provider, approved, declined, error, , mean, cumulative]) => ({
      labels: { provider },
      rate: approved + declined + error,
      mean,
      cumulative,
    })),
  });
  list.push({
    name: 'fraud_score_duration_seconds',
    type: 'summary',
    help: 'Time to compute the fraud score of a transaction, by scoring model.',
    series: [
      {
        labels: { model: 'gbm-v7' },
        rate: 44.6,
        mean: 0.0142,
        quantiles: { '0.5': 0.011, '0.9': 0.026, '0.99': 0.071 },
      },
      {
        labels: { model: 'rules' },
        rate: 79.7,
        mean: 0.0021,
        quantiles: { '0.5': 0.0017, '0.9': 0.0039, '0.99': 0.0088 },
      },
    ],
  });

  // Shop services ------------------------------------------------------------------------------
  const channels: ReadonlyArray<readonly [string, number, number]> = [
    ['web', 21.4, 4.1],
    ['ios', 9.8, 2.6],
    ['android', 12.6, 2.2],
  ];
  list.push({
    name: 'shop_carts_created_total',
    type: 'counter',
    help: 'Shopping carts created, by sales channel.',
    series: channels.map(([channel, rate]) => ({ labels: { channel }, rate })),
  });
  list.push({
    name: 'shop_orders_placed_total',
    type: 'counter',
    help: 'Orders placed at checkout, by sales channel.',
    series: channels.map(([channel, , rate]) => ({ labels: { channel }, rate })),
  });
  const caches: ReadonlyArray<readonly [string, number, number]> = [
    ['query', 310.4, 58.2],
    ['facets', 122.9, 7.1],
    ['suggest', 86.3, 41.5],
  ];
  list.push({
    name: 'search_cache_hits_total',
    type: 'counter',
    help: 'Product search cache lookups answered from the cache.',
    series: caches.map(([cache, rate]) => ({ labels: { cache }, rate })),
  });
  list.push({
    name: 'search_cache_misses_total',
    type: 'counter',
    help: 'Product search cache lookups that had to query the search cluster.',
    series: caches.map(([cache, , rate]) => ({ labels: { cache }, rate })),
  });
  const stock: ReadonlyArray<readonly [string, string, number]> = [
    ['ams-1', 'electronics', 4120],
    ['ams-1', 'apparel', 18230],
    ['ams-1', 'home', 7310],
    ['fra-2', 'electronics', 1870],
    ['fra-2', 'apparel', 9420],
    ['fra-2', 'home', 11050],
    ['dal-1', 'electronics', 6630],
    ['dal-1', 'apparel', 22410],
    ['dal-1', 'home', 5240],
  ];
  list.push({
    name: 'inventory_stock_units',
    type: 'gauge',
    help: 'Units in stock, by warehouse and product category.',
    series: stock.map(([warehouse, category, value]) => ({ labels: { warehouse, category }, value })),
  });
  list.push({
    name: 'shop_build_info',
    type: 'gauge',
    help: 'A metric with a constant 1 value labeled by the service, version and revision it was built from.',
    series: [
      { labels: { service: 'storefront', version: '3.14.2', revision: 'a91c04e' }, value: 1 },
      { labels: { service: 'cart', version: '1.9.0', revision: '5d2e7b1' }, value: 1 },
      { labels: { service: 'payments-api', version: '5.2.1', revision: 'e03f9a6' }, value: 1 },
      { labels: { service: 'fraud-scorer', version: '0.8.3', revision: '7b44c2d' }, value: 1 },
    ],
  });

  return list;
}
