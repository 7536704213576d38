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
