/**
 * Decoding an instant-query answer of 100k series into samples: the safe path (JSON.parse and
 * full validation) against the fast scan. Run with `pnpm tsx bench/prometheus/decode.ts`
 * (`--series N`, `--rounds N`; `--live` also measures the transfer from a real Prometheus with and
 * without gzip; `--write` records the figures in bench/RESULTS.md).
 */
import { loadavg } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import {
  createVectorDecoder,
  decodeVectorSamplesSafely,
} from '../../packages/core/src/prometheus/vector-samples.js';
import { writeResultsSubsection } from '../lib/results.js';

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '7' },
    write: { type: 'boolean', default: false },
    live: { type: 'boolean', default: false },
  },
});
const seriesCount = Number(args.series);
const rounds = Number(args.rounds);

/** A realistic answer: node-exporter-like names, 3–6 labels, values of every kind Prometheus writes. */
function syntheticAnswer(count: number): string {
  const families = [
    ['node_cpu_seconds_total', ['cpu', 'mode']],
    ['node_filesystem_avail_bytes', ['device', 'fstype', 'mountpoint']],
    ['http_requests_total', ['code', 'handler', 'method']],
    ['process_resident_memory_bytes', ['pid']],
    ['http_request_duration_seconds_bucket', ['handler', 'le']],
  ] as const;
  const parts: string[] = [];
  const time = '1763766000.123';
  for (let index = 0; index < count; index++) {
    const [name, extra] = families[index % families.length]!;
    const labels: Record<string, string> = {
      __name__: name,
      instance: `host-${index % 500}.example.internal:9100`,
      job: index % 2 ? 'node' : 'api',
    };
    for (const label of extra) labels[label] = `${label}-${Math.floor(index / 500)}`;
    if (name.endsWith('_bucket')) labels.le = index % 11 === 0 ? '+Inf' : String((index % 10) / 4);
    const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    const value =
      index % 997 === 0
        ? 'NaN'
        : index % 3 === 0
          ? String(index * 7)
          : String(Math.round(index * 1.37) / 100);
    parts.push(`{"metric":${JSON.stringify(sorted)},"value":[${time},"${value}"]}`);
  }
  return `{"status":"success","data":{"resultType":"vector","result":[${parts.join(',')}]}}`;
}

/** CPU time (user + system, ms) of `run`, so other processes on a shared machine distort less. */
function measure(label: string, run: () => unknown): { label: string; median: number; min: number } {
  run(); // warm-up
  run();
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { label, median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

// A flat string, as `response.text()` returns it.
const text = Buffer.from(syntheticAnswer(seriesCount)).toString();
const safe = decodeVectorSamplesSafely(text, 'main').samples;
const warmDecoder = createVectorDecoder({ target: 'main' });
const fast = warmDecoder.decode(text).samples;
if (fast.length !== seriesCount || !isDeepStrictEqual(fast, safe)) {
  throw new Error('the fast decoder does not produce the same samples as the safe decoder');
}

const results = [
  measure('`JSON.parse` alone (no samples)', () => JSON.parse(text)),
  measure('safe decode: `JSON.parse` + validation + samples', () => decodeVectorSamplesSafely(text, 'main')),
  measure('fast decode, first answer (new series)', () =>
    createVectorDecoder({ target: 'main' }).decode(text),
  ),
  measure('fast decode, next answers (known series)', () => warmDecoder.decode(text)),
];
const megabytes = (Buffer.byteLength(text) / 1024 / 1024).toFixed(1);
const lines = [
  `${seriesCount.toLocaleString('en')} series, ${megabytes} MB answer; CPU ms per decode, median (min) of ${rounds} rounds ` +
    `(load average ${loadavg()[0]!.toFixed(1)} on the shared machine).`,
  'Every decoder yields the same samples (series id, metric, labels, value, timestamp, target).',
  '',
  '| decoder | median CPU ms | min CPU ms |',
  '|---|---:|---:|',
  ...results.map((result) => `| ${result.label} | ${result.median.toFixed(1)} | ${result.min.toFixed(1)} |`),
  '',
  `Against the safe path, the fast decoder is ${(results[1]!.median / results[2]!.median).toFixed(1)}× faster ` +
    `on new series and ${(results[1]!.median / results[3]!.median).toFixed(1)}× faster on known series ` +
    `(${(results[0]!.median / results[3]!.median).toFixed(1)}× faster than \`JSON.parse\` alone).`,
];
console.log(lines.join('\n'));

if (args.live) {
  const transfer = await measureTransfer();
  console.log(['', ...transfer].join('\n'));
  lines.push('', ...transfer);
}

if (args.write) {
  const command = `pnpm tsx bench/prometheus/decode.ts --write${args.live ? ' --live' : ''}`;
  const section = [
    '### Decoding',
    '',
    `Command: \`${command}\` (Node ${process.version}).`,
    '',
    ...lines,
    '',
  ].join('\n');
  writeResultsSubsection('## Watch: monitor tick at 100k series', section);
  console.log('Recorded in bench/RESULTS.md');
}

/**
 * With `--live`: a real Prometheus scraping 100k series; the wall time until the first byte and
 * until the whole answer, and this process's CPU, with and without gzip.
 */
async function measureTransfer(): Promise<string[]> {
  const { startExporter } = await import('../../packages/core/src/testing/exporter.js');
  const { startPrometheus } = await import('../../packages/core/src/testing/prometheus.js');
  const exporter = await startExporter();
  let text = '# TYPE synthetic_value gauge\n';
  for (let index = 0; index < seriesCount; index++) {
    text += `synthetic_value{host="host-${index % 500}.example.internal",shard="${index}",kind="k${index % 7}"} ${index * 1.5}\n`;
  }
  exporter.setBody(text);
  const prometheus = await startPrometheus({ scrapeTargets: [exporter.host], scrapeInterval: '10s' });
  try {
    await prometheus.waitFor(`count(synthetic_value) == ${seriesCount}`, undefined, { timeoutMs: 120_000 });
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}')}`;
    const rows: Record<string, { firstByte: number[]; total: number[]; cpu: number[] }> = {
      gzip: { firstByte: [], total: [], cpu: [] },
      identity: { firstByte: [], total: [], cpu: [] },
    };
    for (let round = 0; round < 3; round++) {
      for (const encoding of ['gzip', 'identity'] as const) {
        const cpu = process.cpuUsage();
        const started = performance.now();
        const response = await fetch(url, { headers: { 'accept-encoding': encoding } });
        const firstByte = performance.now() - started;
        await response.text();
        const used = process.cpuUsage(cpu);
        rows[encoding]!.firstByte.push(firstByte);
        rows[encoding]!.total.push(performance.now() - started);
        rows[encoding]!.cpu.push((used.user + used.system) / 1000);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    return [
      `Transfer of the same query from a real Prometheus (${seriesCount.toLocaleString('en')} series, median of 3 interleaved rounds, wall ms):`,
      '',
      '| accept-encoding | until first byte | whole answer | client CPU ms (fetch + text) |',
      '|---|---:|---:|---:|',
      ...(['gzip', 'identity'] as const).map(
        (encoding) =>
          `| ${encoding} | ${median(rows[encoding]!.firstByte).toFixed(0)} | ${median(rows[encoding]!.total).toFixed(0)} | ${median(rows[encoding]!.cpu).toFixed(0)} |`,
      ),
      '',
      'So `createPrometheusSource` asks for uncompressed answers by default (`compression: true` turns gzip on for slow links).',
    ];
  } finally {
    await prometheus.stop();
    await exporter.close();
  }
}
