import { createCatalogSnapshot, type MetricCatalogSnapshot } from './catalog.js';

/** A small web-shop catalog used by the Ask unit tests. */
export function webShopCatalog(): MetricCatalogSnapshot {
  const instances = ['server1:9100', 'server2:9100'];
  return createCatalogSnapshot([
    {
      name: 'http_requests_total',
      type: 'counter',
      help: 'HTTP requests handled by the shop, by route, method and status code.',
      labels: {
        route: ['/checkout', '/cart', '/search', '/login'],
        code: ['200', '404', '500', '503'],
        method: ['GET', 'POST'],
        instance: instances,
        job: ['shop'],
      },
    },
    {
      name: 'http_request_duration_seconds',
      type: 'histogram',
      help: 'Time to handle an HTTP request, by route.',
      labels: { route: ['/checkout', '/cart', '/search', '/login'], instance: instances, job: ['shop'] },
      buckets: ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'],
    },
    {
      name: 'cpu_usage_percent',
      type: 'gauge',
      help: 'CPU usage of the host in percent.',
      labels: { host: ['server1', 'server2', 'server3'], job: ['hosts'] },
    },
    {
      name: 'node_cpu_seconds_total',
      type: 'counter',
      help: 'Seconds the CPUs spent in each mode.',
      labels: {
        cpu: ['0', '1'],
        mode: ['idle', 'user', 'system', 'iowait'],
        instance: instances,
        job: ['node'],
      },
    },
    {
      name: 'node_memory_MemTotal_bytes',
      type: 'gauge',
      help: 'Memory information field MemTotal_bytes.',
      labels: { instance: instances, job: ['node'] },
    },
    {
      name: 'node_memory_MemAvailable_bytes',
      type: 'gauge',
      help: 'Memory information field MemAvailable_bytes.',
      labels: { instance: instances, job: ['node'] },
    },
    {
      name: 'node_filesystem_size_bytes',
      type: 'gauge',
      help: 'Filesystem size in bytes.',
      labels: {
        mountpoint: ['/', '/boot'],
        device: ['/dev/sda1', '/dev/sda2'],
        instance: instances,
        job: ['node'],
      },
    },
    {
      name: 'node_filesystem_avail_bytes',
      type: 'gauge',
      help: 'Filesystem space available to non-root users in bytes.',
      labels: {
        mountpoint: ['/', '/boot'],
        device: ['/dev/sda1', '/dev/sda2'],
        instance: instances,
        job: ['node'],
      },
    },
    {
      name: 'node_network_receive_bytes_total',
      type: 'counter',
      help: 'Network device statistic receive_bytes.',
      labels: { device: ['eth0', 'lo'], instance: instances, job: ['node'] },
    },
    {
      name: 'queue_jobs_waiting',
      type: 'gauge',
      help: 'Jobs waiting in the queue.',
      labels: { queue: ['emails', 'thumbnails'] },
    },
    {
      name: 'db_query_duration_seconds',
      type: 'summary',
      help: 'Database query latency, by operation.',
      labels: { operation: ['select', 'insert'] },
      quantiles: ['0.5', '0.9', '0.99'],
    },
    {
      name: 'orders_created_total',
      type: 'counter',
      help: 'Orders placed, by payment method.',
      labels: { payment_method: ['card', 'paypal'] },
    },
    {
      name: 'app_build_info',
      type: 'gauge',
      help: 'Build information of each service; always 1.',
      labels: { service: ['checkout-api', 'cart-api'], version: ['1.4.2', '2.0.1'] },
    },
    {
      name: 'up',
      labels: { job: ['shop', 'node', 'billing'], instance: [...instances, 'billing:8080'] },
    },
    {
      name: 'cache_lookups_total',
      type: 'counter',
      help: 'Cache lookups, by cache and result (hit or miss).',
      labels: { cache: ['sessions', 'products'], result: ['hit', 'miss'] },
    },
    {
      name: 'disk_temperature_celsius',
      type: 'gauge',
      help: 'Temperature of the disk.',
      labels: { disk: ['sda', 'sdb'], instance: instances },
    },
  ]);
}

/**
 * A host scraped by node_exporter (the real exporter's names and HELP texts) and a Prometheus
 * scraping itself, with one machine per job: `instance` is `server1` for node_exporter.
 */
export function nodeExporterCatalog(nodeInstances: readonly string[] = ['server1']): MetricCatalogSnapshot {
  const node = { instance: nodeInstances, job: ['node'] };
  const both = { instance: [...nodeInstances, 'prometheus:9090'], job: ['node', 'prometheus'] };
  const memory = (field: string) => ({
    name: `node_memory_${field}_bytes`,
    type: 'gauge' as const,
    help: `Memory information field ${field}_bytes.`,
    labels: node,
  });
  const filesystem = { device: ['/dev/vda1', 'tmpfs'], fstype: ['ext4', 'tmpfs'], mountpoint: ['/', '/run'] };
  return createCatalogSnapshot([
    {
      name: 'node_cpu_seconds_total',
      type: 'counter',
      help: 'Seconds the CPUs spent in each mode.',
      labels: { cpu: ['0', '1'], mode: ['idle', 'iowait', 'system', 'user'], ...node },
    },
    { name: 'node_load1', type: 'gauge', help: '1m load average.', labels: node },
    { name: 'node_load5', type: 'gauge', help: '5m load average.', labels: node },
    { name: 'node_load15', type: 'gauge', help: '15m load average.', labels: node },
    memory('MemTotal'),
    memory('MemAvailable'),
    memory('MemFree'),
    memory('VmallocUsed'),
    memory('VmallocTotal'),
    memory('SwapFree'),
    memory('SwapTotal'),
    {
      name: 'node_filesystem_size_bytes',
      type: 'gauge',
      help: 'Filesystem size in bytes.',
      labels: { ...filesystem, ...node },
    },
    {
      name: 'node_filesystem_avail_bytes',
      type: 'gauge',
      help: 'Filesystem space available to non-root users in bytes.',
      labels: { ...filesystem, ...node },
    },
    {
      name: 'node_filesystem_free_bytes',
      type: 'gauge',
      help: 'Filesystem free space in bytes.',
      labels: { ...filesystem, ...node },
    },
    {
      name: 'node_disk_io_time_seconds_total',
      type: 'counter',
      help: 'Total seconds spent doing I/Os.',
      labels: { device: ['vda'], ...node },
    },
    {
      name: 'node_disk_read_bytes_total',
      type: 'counter',
      help: 'The total number of bytes read successfully.',
      labels: { device: ['vda'], ...node },
    },
    {
      name: 'node_disk_written_bytes_total',
      type: 'counter',
      help: 'The total number of bytes written successfully.',
      labels: { device: ['vda'], ...node },
    },
    {
      name: 'node_network_receive_bytes_total',
      type: 'counter',
      help: 'Network device statistic receive_bytes.',
      labels: { device: ['eth0', 'lo'], ...node },
    },
    {
      name: 'node_network_transmit_bytes_total',
      type: 'counter',
      help: 'Network device statistic transmit_bytes.',
      labels: { device: ['eth0', 'lo'], ...node },
    },
    {
      name: 'node_scrape_collector_success',
      type: 'gauge',
      help: 'node_exporter: Whether a collector succeeded.',
      labels: { collector: ['cpu', 'diskstats', 'filesystem', 'loadavg', 'meminfo', 'netdev'], ...node },
    },
    {
      name: 'node_sockstat_sockets_used',
      type: 'gauge',
      help: 'Number of IPv4 sockets in use.',
      labels: node,
    },
    {
      name: 'prometheus_tsdb_blocks_loaded',
      type: 'gauge',
      help: 'Number of currently loaded data blocks',
      labels: { instance: ['prometheus:9090'], job: ['prometheus'] },
    },
    {
      name: 'process_cpu_seconds_total',
      type: 'counter',
      help: 'Total user and system CPU time spent in seconds.',
      labels: both,
    },
    {
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      help: 'Resident memory size in bytes.',
      labels: both,
    },
    { name: 'up', type: 'gauge', labels: both },
  ]);
}
