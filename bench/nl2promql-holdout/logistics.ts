/**
 * The logistics catalog: a parcel-delivery platform with RabbitMQ (rabbitmq_prometheus names),
 * Redis (redis_exporter names), HAProxy (haproxy_exporter names), a JVM service (Micrometer
 * names), MySQL (mysqld_exporter names), blackbox probes, and the shipment and fleet services.
 */
import type { CounterSeries, Family, GaugeSeries } from './families.js';

const gibibyte = 1024 ** 3;

/** Every metric family of the logistics catalog. */
export function logisticsFamilies(): Family[] {
  const list: Family[] = [];
  const gauge = (name: string, help: string, series: GaugeSeries[]) =>
    list.push({ name, help, type: 'gauge', series });
  const counter = (name: string, help: string, series: CounterSeries[]) =>
    list.push({ name, help, type: 'counter', series });

  // RabbitMQ ----------------------------------------------------------------------------------
  const queues: ReadonlyArray<readonly [string, number, number, number, number]> = [
    // queue, ready, unacked, consumers, published/s
    ['route-planning', 340, 25, 4, 18.5],
    ['label-printing', 12, 3, 2, 6.2],
    ['tracking-events', 4810, 120, 6, 152],
    ['notifications', 57, 9, 3, 24.4],
    ['dead-letter', 903, 0, 0, 0.35],
  ];
  gauge(
    'rabbitmq_queue_messages_ready',
    'Messages ready to be delivered to consumers',
    queues.map(([queue, value]) => ({ labels: { vhost: '/', queue }, value })),
  );
  gauge(
    'rabbitmq_queue_messages_unacked',
    'Messages delivered to consumers but not yet acknowledged',
    queues.map(([queue, , value]) => ({ labels: { vhost: '/', queue }, value })),
  );
  gauge(
    'rabbitmq_queue_consumers',
    'Consumers on a queue',
    queues.map(([queue, , , value]) => ({ labels: { vhost: '/', queue }, value })),
  );
  counter(
    'rabbitmq_queue_messages_published_total',
    'Total number of messages published to queues',
    queues.map(([queue, , , , rate]) => ({ labels: { vhost: '/', queue }, rate })),
  );

  // Redis ---------------------------------------------------------------------------------------
  const redis: ReadonlyArray<readonly [string, number, number, number, number, number, number, number]> = [
    // addr, used, max, clients, hits/s, misses/s, commands/s, evictions/s
    ['redis-cache:6379', 3.1 * gibibyte, 4 * gibibyte, 212, 4120, 390, 6200, 3.2],
    ['redis-sessions:6379', 0.42 * gibibyte, gibibyte, 57, 880, 12, 1450, 0],
  ];
  gauge(
    'redis_up',
    'Information about the Redis instance',
    redis.map(([addr]) => ({ labels: { addr }, value: 1 })),
  );
  gauge(
    'redis_memory_used_bytes',
    'memory_used_bytes metric',
    redis.map(([addr, value]) => ({ labels: { addr }, value: Math.round(value) })),
  );
  gauge(
    'redis_memory_max_bytes',
    'memory_max_bytes metric',
    redis.map(([addr, , value]) => ({ labels: { addr }, value })),
  );
  gauge(
    'redis_connected_clients',
    'connected_clients metric',
    redis.map(([addr, , , value]) => ({ labels: { addr }, value })),
  );
  counter(
    'redis_keyspace_hits_total',
    'keyspace_hits_total metric',
    redis.map(([addr, , , , rate]) => ({ labels: { addr }, rate })),
  );
  counter(
    'redis_keyspace_misses_total',
    'keyspace_misses_total metric',
    redis.map(([addr, , , , , rate]) => ({ labels: { addr }, rate })),
  );
  counter(
    'redis_commands_processed_total',
    'commands_processed_total metric',
    redis.map(([addr, , , , , , rate]) => ({ labels: { addr }, rate })),
  );
  counter(
    'redis_evicted_keys_total',
    'evicted_keys_total metric',
    redis.map(([addr, , , , , , , rate]) => ({ labels: { addr }, rate })),
  );

  // HAProxy ---------------------------------------------------------------------------------------
  const backends: ReadonlyArray<
    readonly [string, number, Readonly<Record<string, number>>, number, number, number]
  > = [
    // backend, up, responses/s by code class, current sessions, session limit, average response time
    ['tracking-api', 1, { '2xx': 410, '3xx': 5, '4xx': 22, '5xx': 3.1 }, 420, 2000, 0.084],
    ['courier-app', 1, { '2xx': 188, '4xx': 7.5, '5xx': 0.9 }, 215, 1000, 0.132],
    ['partner-webhooks', 0, { '5xx': 4.4 }, 0, 500, 0],
    ['admin-ui', 1, { '2xx': 12, '3xx': 1.4, '4xx': 0.3, '5xx': 0.05 }, 9, 100, 0.41],
  ];
  gauge(
    'haproxy_backend_up',
    'Current health status of the backend (1 = UP, 0 = DOWN).',
    backends.map(([backend, value]) => ({ labels: { backend }, value })),
  );
  counter(
    'haproxy_backend_http_responses_total',
    'Total of HTTP responses.',
    backends.flatMap(([backend, , codes]) =>
      Object.entries(codes).map(([code, rate]) => ({ labels: { backend, code }, rate })),
    ),
  );
  gauge(
    'haproxy_backend_current_sessions',
    'Current number of active sessions.',
    backends.map(([backend, , , value]) => ({ labels: { backend }, value })),
  );
  gauge(
    'haproxy_backend_limit_sessions',
    'Configured session limit.',
    backends.map(([backend, , , , value]) => ({ labels: { backend }, value })),
  );
  gauge(
    'haproxy_backend_response_time_average_seconds',
    'Avg. HTTP response time for last 1024 successful connections.',
    backends.map(([backend, , , , , value]) => ({ labels: { backend }, value })),
  );
  counter('haproxy_frontend_bytes_in_total', 'Current total of incoming bytes.', [
    { labels: { frontend: 'public-https' }, rate: 2.3e6 },
    { labels: { frontend: 'partner-https' }, rate: 0.6e6 },
  ]);
  counter('haproxy_frontend_bytes_out_total', 'Current total of outgoing bytes.', [
    { labels: { frontend: 'public-https' }, rate: 9.8e6 },
    { labels: { frontend: 'partner-https' }, rate: 1.1e6 },
  ]);

  // JVM services (Micrometer) -----------------------------------------------------------------------
  gauge('jvm_memory_used_bytes', 'The amount of used memory', [
    { labels: { application: 'dispatcher', area: 'heap' }, value: Math.round(1.46 * gibibyte) },
    { labels: { application: 'dispatcher', area: 'nonheap' }, value: Math.round(0.21 * gibibyte) },
    { labels: { application: 'billing', area: 'heap' }, value: Math.round(0.62 * gibibyte) },
    { labels: { application: 'billing', area: 'nonheap' }, value: Math.round(0.15 * gibibyte) },
  ]);
  gauge(
    'jvm_memory_max_bytes',
    'The maximum amount of memory in bytes that can be used for memory management',
    [
      { labels: { application: 'dispatcher', area: 'heap' }, value: 2 * gibibyte },
      { labels: { application: 'dispatcher', area: 'nonheap' }, value: gibibyte },
      { labels: { application: 'billing', area: 'heap' }, value: gibibyte },
      { labels: { application: 'billing', area: 'nonheap' }, value: 0.5 * gibibyte },
    ],
  );
  gauge(
    'jvm_threads_live_threads',
    'The current number of live threads including both daemon and non-daemon threads',
    [
      { labels: { application: 'dispatcher' }, value: 187 },
      { labels: { application: 'billing' }, value: 64 },
    ],
  );
  list.push({
    name: 'jvm_gc_pause_seconds',
    type: 'summary',
    help: 'Time spent in GC pause',
    series: [
      {
        labels: { application: 'dispatcher', action: 'end of minor GC', cause: 'G1 Evacuation Pause' },
        rate: 0.5,
        mean: 0.012,
        quantiles: {},
      },
      {
        labels: { application: 'dispatcher', action: 'end of major GC', cause: 'G1 Humongous Allocation' },
        rate: 0.004,
        mean: 0.35,
        quantiles: {},
      },
      {
        labels: { application: 'billing', action: 'end of minor GC', cause: 'G1 Evacuation Pause' },
        rate: 0.2,
        mean: 0.008,
        quantiles: {},
      },
    ],
  });
  gauge('jvm_gc_pause_seconds_max', 'Time spent in GC pause', [
    {
      labels: { application: 'dispatcher', action: 'end of minor GC', cause: 'G1 Evacuation Pause' },
      value: 0.047,
    },
    {
      labels: { application: 'dispatcher', action: 'end of major GC', cause: 'G1 Humongous Allocation' },
      value: 0.52,
    },
    {
      labels: { application: 'billing', action: 'end of minor GC', cause: 'G1 Evacuation Pause' },
      value: 0.019,
    },
  ]);
  gauge('process_cpu_usage', 'The "recent cpu usage" for the Java Virtual Machine process', [
    { labels: { application: 'dispatcher' }, value: 0.37 },
    { labels: { application: 'billing' }, value: 0.08 },
  ]);

  // MySQL (mysqld_exporter) -------------------------------------------------------------------------
  gauge('mysql_up', 'Whether the MySQL server is up.', [{ labels: {}, value: 1 }]);
  gauge('mysql_global_status_threads_connected', 'Generic metric from SHOW GLOBAL STATUS.', [
    { labels: {}, value: 142 },
  ]);
  gauge('mysql_global_variables_max_connections', 'Generic gauge metric from SHOW GLOBAL VARIABLES.', [
    { labels: {}, value: 500 },
  ]);
  counter('mysql_global_status_slow_queries', 'Generic metric from SHOW GLOBAL STATUS.', [
    { labels: {}, rate: 0.18 },
  ]);
  counter('mysql_global_status_queries', 'Generic metric from SHOW GLOBAL STATUS.', [
    { labels: {}, rate: 2350 },
  ]);
  gauge('mysql_slave_status_seconds_behind_master', 'Generic metric from SHOW SLAVE STATUS.', [
    {
      labels: { channel_name: '', master_host: 'mysql-primary', master_uuid: '3e11fa47-71ca-11e1' },
      value: 3,
    },
  ]);

  // Blackbox probes -------------------------------------------------------------------------------
  const probes: ReadonlyArray<readonly [string, number, number, number, number | null]> = [
    // target, success, duration, status code, certificate expiry
    ['https://track.example.net', 1, 0.21, 200, 1_799_000_000],
    ['https://api.partner.example.org/health', 0, 10, 0, null],
    ['https://courier.example.net', 1, 0.34, 200, 1_796_200_000],
  ];
  gauge(
    'probe_success',
    'Displays whether or not the probe was a success',
    probes.map(([target, value]) => ({ labels: { target }, value })),
  );
  gauge(
    'probe_duration_seconds',
    'Returns how long the probe took to complete in seconds',
    probes.map(([target, , value]) => ({ labels: { target }, value })),
  );
  gauge(
    'probe_http_status_code',
    'Response HTTP status code',
    probes.map(([target, , , value]) => ({ labels: { target }, value })),
  );
  gauge(
    'probe_ssl_earliest_cert_expiry',
    'Returns last SSL chain expiry in unixtime',
    probes.flatMap(([target, , , , value]) => (value === null ? [] : [{ labels: { target }, value }])),
  );

  // Shipments and fleet ---------------------------------------------------------------------------
  const created: ReadonlyArray<readonly [string, number, number]> = [
    ['dhl', 3.4, 0.9],
    ['ups', 2.7, 1.3],
    ['inhouse', 5.1, 0.4],
  ];
  counter(
    'shipments_created_total',
    'Shipments booked, by carrier and service level.',
    created.flatMap(([carrier, standard, express]) => [
      { labels: { carrier, service_level: 'standard' }, rate: standard },
      { labels: { carrier, service_level: 'express' }, rate: express },
    ]),
  );
  const delivered: ReadonlyArray<readonly [string, number, number, number]> = [
    ['dhl', 3.9, 0.31, 0.05],
    ['ups', 3.6, 0.28, 0.09],
    ['inhouse', 4.7, 0.66, 0.12],
  ];
  counter(
    'shipments_delivered_total',
    'Shipments that reached the end of their journey, by carrier and outcome (on_time, late, failed).',
    delivered.flatMap(([carrier, onTime, late, failed]) => [
      { labels: { carrier, outcome: 'on_time' }, rate: onTime },
      { labels: { carrier, outcome: 'late' }, rate: late },
      { labels: { carrier, outcome: 'failed' }, rate: failed },
    ]),
  );
  list.push({
    name: 'shipment_transit_duration_seconds',
    type: 'histogram',
    help: 'Time from pickup to delivery of a shipment, by carrier.',
    buckets: [3600, 14400, 43200, 86400, 172800, 259200, 432000],
    series: [
      {
        labels: { carrier: 'dhl' },
        rate: 4.26,
        mean: 61000,
        cumulative: [0.02, 0.11, 0.38, 0.71, 0.93, 0.98, 0.995],
      },
      {
        labels: { carrier: 'ups' },
        rate: 3.97,
        mean: 70000,
        cumulative: [0.01, 0.07, 0.29, 0.62, 0.88, 0.97, 0.993],
      },
      {
        labels: { carrier: 'inhouse' },
        rate: 5.48,
        mean: 30000,
        cumulative: [0.12, 0.41, 0.77, 0.94, 0.985, 0.996, 1],
      },
    ],
  });
  list.push({
    name: 'route_optimizer_solve_duration_seconds',
    type: 'summary',
    help: 'Time the route optimizer needs to solve one routing problem, by solver.',
    series: [
      {
        labels: { solver: 'vrp-greedy' },
        rate: 0.3,
        mean: 1.02,
        quantiles: { '0.5': 0.8, '0.9': 1.9, '0.99': 4.2 },
      },
      {
        labels: { solver: 'vrp-ortools' },
        rate: 0.05,
        mean: 7.9,
        quantiles: { '0.5': 6.5, '0.9': 14, '0.99': 31 },
      },
    ],
  });
  gauge('couriers_active', 'Couriers currently on shift, by region.', [
    { labels: { region: 'north' }, value: 142 },
    { labels: { region: 'south' }, value: 97 },
    { labels: { region: 'east' }, value: 61 },
    { labels: { region: 'west' }, value: 120 },
  ]);
  const scans: ReadonlyArray<readonly [string, number, number, number]> = [
    // hub, arrival/s, departure/s, exception/s
    ['ams', 41.5, 40.2, 0.62],
    ['lej', 66.1, 65.3, 0.48],
    ['cdg', 38.7, 37.9, 0.91],
  ];
  counter(
    'parcel_scans_total',
    'Parcel barcode scans at sorting hubs, by hub and scan type.',
    scans.flatMap(([hub, arrival, departure, exception]) => [
      { labels: { hub, scan_type: 'arrival' }, rate: arrival },
      { labels: { hub, scan_type: 'departure' }, rate: departure },
      { labels: { hub, scan_type: 'exception' }, rate: exception },
    ]),
  );
  const docks: ReadonlyArray<readonly [string, number, number]> = [
    ['ams', 18, 24],
    ['lej', 30, 32],
    ['cdg', 9, 20],
  ];
  gauge(
    'warehouse_dock_doors_occupied',
    'Loading dock doors with a truck at them, by hub.',
    docks.map(([hub, value]) => ({ labels: { hub }, value })),
  );
  gauge(
    'warehouse_dock_doors_total',
    'Loading dock doors of the hub.',
    docks.map(([hub, , value]) => ({ labels: { hub }, value })),
  );
  gauge('vehicle_fuel_level_ratio', 'Fuel tank level of the delivery vehicle, 0-1.', [
    { labels: { vehicle: 'van-101' }, value: 0.62 },
    { labels: { vehicle: 'van-102' }, value: 0.18 },
    { labels: { vehicle: 'van-103' }, value: 0.91 },
    { labels: { vehicle: 'truck-7' }, value: 0.44 },
  ]);
  gauge(
    'dispatcher_build_info',
    'A metric with a constant 1 value labeled by version, branch and revision.',
    [{ labels: { version: '12.4.0', branch: 'release-12.4', revision: '9e1f3c2' }, value: 1 }],
  );
  return list;
}
