/**
 * Synthetic exporter for the held-out NL→PromQL evaluations. It serves one of two catalogs with
 * real exporters' naming: `shop` (e-commerce / payments: ingress-nginx, Postgres, Kafka,
 * Kubernetes, payments; see shop.ts) or `logistics` (a delivery platform: RabbitMQ, Redis,
 * HAProxy, a JVM service, MySQL, blackbox probes, shipments; see logistics.ts).
 *
 * Values are deterministic functions of wall-clock time, so gold answers are stable:
 * - counters grow at a constant rate per series (`rate × (now − epoch)`), so `rate()` and
 *   `increase()` over any window inside the history are exact constants;
 * - gauges are constants (distinct per series, so "which …" and top-k have one answer);
 * - histogram buckets are counters with fixed cumulative fractions of a constant event rate;
 * - the summary's quantiles are constants, its `_sum`/`_count` counters.
 *
 *   pnpm tsx bench/nl2promql-holdout/exporter.ts --port 9400 [--host 127.0.0.1] [--set shop|logistics]
 *   pnpm tsx bench/nl2promql-holdout/exporter.ts --print
 *   pnpm tsx bench/nl2promql-holdout/exporter.ts --backfill FILE --from-ms A --to-ms B --step-ms 2000 --labels job=shop,instance=host:port
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Family, Labels } from './families.js';
import { logisticsFamilies } from './logistics.js';
import { shopFamilies } from './shop.js';

/** The catalogs the exporter can serve. */
export const catalogs: Readonly<Record<string, () => Family[]>> = {
  shop: shopFamilies,
  logistics: logisticsFamilies,
};

/** Counters are zero at this instant (2024-01-01T00:00:00Z). */
const epochSeconds = 1_704_067_200;

interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly rate?: number;
  readonly value?: number;
}

interface SampleGroup {
  readonly header: string;
  readonly samples: readonly Sample[];
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  return `{${names.map((name) => `${name}="${escapeLabelValue(labels[name]!)}"`).join(',')}}`;
}

/** Flattens the families into samples, each with a constant value or a constant rate. */
function expand(catalog: string): SampleGroup[] {
  const families = catalogs[catalog];
  if (!families) throw new Error(`unknown catalog "${catalog}"; known: ${Object.keys(catalogs).join(', ')}`);
  return families().map((family) => {
    const exposedType = family.type === 'growing-gauge' ? 'gauge' : family.type;
    const header = `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${exposedType}\n`;
    const samples: Sample[] = [];
    switch (family.type) {
      case 'counter':
      case 'growing-gauge':
        for (const series of family.series)
          samples.push({ name: family.name, labels: series.labels, rate: series.rate });
        break;
      case 'gauge':
        for (const series of family.series)
          samples.push({ name: family.name, labels: series.labels, value: series.value });
        break;
      case 'histogram':
        for (const series of family.series) {
          family.buckets.forEach((bound, index) => {
            samples.push({
              name: `${family.name}_bucket`,
              labels: { ...series.labels, le: formatNumber(bound) },
              rate: series.rate * (series.cumulative[index] ?? 1),
            });
          });
          samples.push({
            name: `${family.name}_bucket`,
            labels: { ...series.labels, le: '+Inf' },
            rate: series.rate,
          });
          samples.push({
            name: `${family.name}_sum`,
            labels: series.labels,
            rate: series.rate * series.mean,
          });
          samples.push({ name: `${family.name}_count`, labels: series.labels, rate: series.rate });
        }
        break;
      case 'summary':
        for (const series of family.series) {
          for (const [quantile, value] of Object.entries(series.quantiles))
            samples.push({ name: family.name, labels: { ...series.labels, quantile }, value });
          samples.push({
            name: `${family.name}_sum`,
            labels: series.labels,
            rate: series.rate * series.mean,
          });
          samples.push({ name: `${family.name}_count`, labels: series.labels, rate: series.rate });
        }
        break;
    }
    return { header, samples };
  });
}

function valueAt(sample: Sample, seconds: number): number {
  return sample.rate !== undefined ? sample.rate * (seconds - epochSeconds) : (sample.value ?? 0);
}

/** The exposition (text format 0.0.4) at `seconds` since the Unix epoch. */
export function renderExposition(seconds: number, catalog = 'shop'): string {
  let text = '';
  for (const group of expand(catalog)) {
    text += group.header;
    for (const sample of group.samples)
      text += `${sample.name}${renderLabels(sample.labels)} ${formatNumber(valueAt(sample, seconds))}\n`;
  }
  return text;
}

/** Options of {@link writeBackfill}. */
export interface BackfillOptions {
  readonly file: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** Labels added to every sample, e.g. `job` and `instance` as the live scrape would add them. */
  readonly labels: Labels;
  /** Which catalog. @default 'shop' */
  readonly catalog?: string;
}

/**
 * Writes the exporter's history as OpenMetrics samples with timestamps, for
 * `promtool tsdb create-blocks-from openmetrics`. Returns the number of samples written.
 */
export function writeBackfill(options: BackfillOptions): number {
  const prefixes: Array<{ readonly sample: Sample; readonly prefix: string }> = [];
  for (const group of expand(options.catalog ?? 'shop')) {
    for (const sample of group.samples)
      prefixes.push({
        sample,
        prefix: `${sample.name}${renderLabels({ ...sample.labels, ...options.labels })} `,
      });
  }
  const descriptor = openSync(options.file, 'w');
  let buffer: string[] = [];
  let count = 0;
  try {
    for (let time = options.fromMs; time <= options.toMs; time += options.stepMs) {
      const stamp = (time / 1000).toFixed(3);
      for (const { sample, prefix } of prefixes) {
        buffer.push(`${prefix}${formatNumber(valueAt(sample, time / 1000))} ${stamp}`);
        count++;
      }
      if (buffer.length > 20_000) {
        writeSync(descriptor, `${buffer.join('\n')}\n`);
        buffer = [];
      }
    }
    buffer.push('# EOF');
    writeSync(descriptor, `${buffer.join('\n')}\n`);
  } finally {
    closeSync(descriptor);
  }
  return count;
}

/** Serves `/metrics` on `host:port` (0 = a free port). */
export function serveExporter(
  port: number,
  host = '127.0.0.1',
  catalog = 'shop',
): Promise<{ server: Server; port: number }> {
  renderExposition(0, catalog);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(renderExposition(Date.now() / 1000, catalog));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--print')) {
    process.stdout.write(renderExposition(Date.now() / 1000, argument('set') ?? 'shop'));
    return;
  }
  const backfill = argument('backfill');
  if (backfill) {
    const labels: Record<string, string> = {};
    for (const pair of (argument('labels') ?? '').split(',').filter(Boolean)) {
      const index = pair.indexOf('=');
      labels[pair.slice(0, index)] = pair.slice(index + 1);
    }
    const count = writeBackfill({
      catalog: argument('set') ?? 'shop',
      file: backfill,
      fromMs: Number(argument('from-ms')),
      toMs: Number(argument('to-ms')),
      stepMs: Number(argument('step-ms') ?? 2000),
      labels,
    });
    process.stderr.write(`wrote ${count} samples to ${backfill}\n`);
    return;
  }
  const port = Number(argument('port') ?? 0);
  const lifetimeSeconds = Number(argument('max-lifetime-s') ?? 8 * 3600);
  const { server, port: bound } = await serveExporter(
    port,
    argument('host') ?? '127.0.0.1',
    argument('set') ?? 'shop',
  );
  process.stderr.write(`exporter listening on http://127.0.0.1:${bound}/metrics\n`);
  setTimeout(() => process.exit(0), lifetimeSeconds * 1000).unref();
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
