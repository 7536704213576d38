/**
 * Decoding an instant-query answer of 100k series into samples: the safe path (JSON.parse and
 * full validation) against the fast scan. Run with `pnpm tsx bench/prometheus/decode.ts`
 * (`--series N`, `--rounds N`; `--write` records the figures in bench/RESULTS.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import {
  createVectorDecoder,
  decodeVectorSamplesSafely,
} from '../../packages/core/src/prometheus/vector-samples.js';

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '7' },
    write: { type: 'boolean', default: false },
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
    ['process_resident_memory_bytes', []],
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
    for (const label of extra) labels[label] = `${label}-${index % 37}`;
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
  `${seriesCount.toLocaleString('en')} series, ${megabytes} MB answer; CPU ms per decode, median (min) of ${rounds} rounds.`,
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

if (args.write) {
  const resultsPath = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
  const page = readFileSync(resultsPath, 'utf8');
  const section = [
    '### Decoding',
    '',
    'Command: `pnpm tsx bench/prometheus/decode.ts --write` (Node ' + process.version + ').',
    '',
    ...lines,
    '',
  ].join('\n');
  const heading = '## Watch: monitor tick at 100k series';
  const start = page.indexOf('### Decoding');
  let updated: string;
  if (start >= 0) {
    const end = page.slice(start + 1).search(/\n##+ /);
    updated = page.slice(0, start) + section + (end >= 0 ? page.slice(start + 1 + end + 1) : '');
  } else {
    const at = page.indexOf(heading);
    if (at < 0) throw new Error(`${heading} not found in RESULTS.md`);
    const after = at + heading.length;
    updated = `${page.slice(0, after)}\n\n${section}${page.slice(after).replace(/^\n+/, '\n')}`;
  }
  writeFileSync(resultsPath, updated);
  console.log('Recorded in bench/RESULTS.md');
}
