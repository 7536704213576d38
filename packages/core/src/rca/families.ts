/**
 * What kind of thing a metric measures, guessed from its name. Drives the plain-language wording,
 * the cause and the fix of fallback root-cause analyses, and which series count as related.
 */
export type MetricFamily =
  | 'availability'
  | 'cpu'
  | 'memory'
  | 'disk'
  | 'latency'
  | 'errors'
  | 'network'
  | 'saturation'
  | 'other';

/** Plain-language texts about one metric family. */
export interface FamilyText {
  /** What the metric is about, in plain words (`CPU load`). */
  readonly subject: string;
  /** Likely causes when the value is too high / too low. */
  readonly causeHigh: string;
  readonly causeLow: string;
  /** What to check and do. */
  readonly fixHigh: string;
  readonly fixLow: string;
}

const familyPatterns: ReadonlyArray<readonly [MetricFamily, RegExp]> = [
  ['availability', /^up$|(^|_)(up|health|healthy|alive|available|ready)$/],
  ['cpu', /cpu|load(1|5|15|avg)?($|_)|processor/],
  ['disk', /disk|filesystem|(^|_)fs_|storage|volume|inode/],
  ['memory', /mem|heap|(^|_)rss|swap|oom|gc_/],
  ['errors', /error|fail|exception|5xx|4xx|panic|reject|dropped/],
  ['latency', /latency|duration|response_time|_seconds(_bucket|_sum|_count)?$|_time$|lag/],
  ['network', /network|(^|_)net_|bytes_(sent|received|in|out)|packets|tcp|http_requests/],
  ['saturation', /queue|backlog|pending|waiting|connections|threads|open_fds|goroutines/],
];

/**
 * Guesses the family of a metric from its name (lowercased). The first matching family wins, in
 * the order availability, cpu, disk, memory, errors, latency, network, saturation.
 *
 * @example
 * ```ts
 * metricFamily('node_cpu_seconds_total'); // 'cpu'
 * metricFamily('http_request_duration_seconds'); // 'latency'
 * ```
 */
export function metricFamily(metric: string): MetricFamily {
  const name = metric.toLowerCase();
  for (const [family, pattern] of familyPatterns) {
    if (pattern.test(name)) return family;
  }
  return 'other';
}

const texts: Readonly<Record<MetricFamily, FamilyText>> = {
  availability: {
    subject: 'the monitored service',
    causeHigh: 'The service reports an unusual availability value.',
    causeLow:
      'Prometheus cannot scrape the target or the target reports itself unhealthy: the process is down or crashed, the host is unreachable (network, firewall, DNS), or the exporter port or path changed.',
    fixHigh:
      'Check the exporter and the series definition; an availability gauge above its normal range usually means duplicated targets.',
    fixLow:
      "Open Prometheus's Targets page for the scrape error, check that the process runs on the instance (systemctl status / kubectl get pods), that the port answers (curl the /metrics URL from the Prometheus host), and restart it if it crashed; look at its logs for the reason.",
  },
  cpu: {
    subject: 'CPU load',
    causeHigh:
      'A process is using much more CPU than usual: a traffic spike, a runaway loop or busy-wait, heavy garbage collection, a batch job or a noisy neighbour on the same host.',
    causeLow:
      'CPU use dropped sharply: the workload stopped receiving traffic, the process is stuck waiting (I/O, locks) or it crashed.',
    fixHigh:
      'Find the busiest processes (top / pidstat, or container CPU metrics), compare with request rates, check recent deployments and cron jobs, and scale out or throttle the offender; profile it if the load is not explained by traffic.',
    fixLow:
      'Check that the service still receives traffic and is healthy (request rate, error rate, logs) and whether it is blocked on I/O or locks.',
  },
  memory: {
    subject: 'memory use',
    causeHigh:
      'Memory use grows beyond its normal level: a memory leak, a cache without bounds, a larger working set from more traffic or data, or too many processes on the host.',
    causeLow: 'Memory use dropped sharply, usually because the process restarted or was killed (OOM killer).',
    fixHigh:
      'Identify the process using the memory (ps / container memory metrics), check for OOM kills in the kernel log, compare with recent deployments, and raise the limit or fix the leak; restart only as a stop-gap.',
    fixLow:
      'Check for restarts and OOM kills (dmesg, container restart counts) and the process logs around that time.',
  },
  disk: {
    subject: 'disk use',
    causeHigh:
      'The filesystem is filling up: growing logs or data, temporary files not cleaned up, a failed log rotation or backups written locally.',
    causeLow: 'Disk use dropped sharply: data was deleted, a volume was remounted or replaced.',
    fixHigh:
      'Find the largest directories (du -xh --max-depth=2), rotate or compress logs, remove stale temporary files and old backups, and grow the volume if the growth is legitimate.',
    fixLow: 'Confirm the deletion was intended and that the volume is mounted where the service expects it.',
  },
  latency: {
    subject: 'response time',
    causeHigh:
      'Requests take longer than usual: an overloaded service or dependency (database, downstream API), lock contention, garbage-collection pauses, or a slow query introduced by a change.',
    causeLow:
      'Latency dropped sharply, which often means requests fail fast or skip work (errors, cache-only answers).',
    fixHigh:
      'Break latency down by route and dependency, check the database and downstream services, look at saturation (CPU, connections, queues), and roll back a recent deployment if it correlates.',
    fixLow: 'Check the error rate and response codes to make sure requests are still served correctly.',
  },
  errors: {
    subject: 'the number of errors',
    causeHigh:
      'The service fails more requests or operations than usual: a failing dependency, a bad deployment or configuration, expired credentials or certificates, or invalid input from clients.',
    causeLow: 'Errors dropped sharply, possibly because traffic stopped reaching the service.',
    fixHigh:
      'Read the service logs for the dominant error, break errors down by route/code, check its dependencies and recent deployments or configuration changes, and roll back if one correlates.',
    fixLow:
      'Check that traffic still reaches the service (request rate) before treating the drop as good news.',
  },
  network: {
    subject: 'network traffic',
    causeHigh:
      'Traffic is far above normal: a traffic spike or retry storm, a large transfer or backup, or abusive clients.',
    causeLow:
      'Traffic dropped sharply: an upstream load balancer, DNS or network problem, or clients stopped sending requests.',
    fixHigh:
      'Find the top talkers (by route, client or interface), check for retry loops and scheduled transfers, and rate-limit or scale if it is legitimate load.',
    fixLow: 'Check load balancers, DNS and upstream services, and whether clients report errors.',
  },
  saturation: {
    subject: 'a work queue or resource pool',
    causeHigh:
      'Work arrives faster than it is processed: consumers are slow, stuck or too few, or a dependency they wait on is slow.',
    causeLow: 'The queue or pool emptied unexpectedly: producers stopped or the consumer restarted.',
    fixHigh:
      'Check consumer health and throughput, what they wait on (database, downstream calls), and add consumers or capacity; look for stuck workers.',
    fixLow: 'Check that producers are still running and sending work.',
  },
  other: {
    subject: 'the metric',
    causeHigh:
      'The metric moved well above its usual level; a change in load, configuration or a dependency is likely.',
    causeLow: 'The metric fell well below its usual level; a stopped component or reduced load is likely.',
    fixHigh:
      'Correlate the start time with deployments, configuration changes and other anomalies on the same instance, and check the component that exports this metric.',
    fixLow:
      'Correlate the start time with deployments, restarts and other anomalies on the same instance, and check the component that exports this metric.',
  },
};

/** Plain-language texts of a metric family. */
export function familyText(family: MetricFamily): FamilyText {
  return texts[family];
}
