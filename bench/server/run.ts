/**
 * REST read throughput of the reference server against a bare Hono hello-world on the same
 * machine, in the same run. Each server runs in its own process; the load comes from `wrk` (when
 * installed) or bench/server/load.mjs, in another process. Endpoints and the hello-world are
 * measured in interleaved rounds and the median of the rounds is kept, so a burst of other work on
 * the machine hits both sides alike. Besides requests per second, the server's own CPU time per
 * request is read from /proc, which depends much less on what else the machine is doing.
 *
 *   pnpm bench:server [--duration 2] [--rounds 7] [--connections 32] [--load wrk|node] [--only <regex>] [--no-write]
 *
 * Writes the table under "## Server: REST throughput" in bench/RESULTS.md (unless --no-write).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argument } from '../lib/args.js';
import { writeResultsSection } from '../lib/results.js';
import { median } from '../lib/stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

const durationSeconds = Number(argument('duration') ?? 2);
const rounds = Number(argument('rounds') ?? 7);
const connections = Number(argument('connections') ?? 32);
const write = !process.argv.includes('--no-write');

interface Measurement {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Server CPU time (user + system) per request, in µs; NaN when /proc is not available. */
  readonly cpuMicros: number;
}

function findWrk(): string | null {
  try {
    return execFileSync('which', ['wrk'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const wrk = argument('load') === 'node' ? null : findWrk();

interface Target {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
  readonly extra: string;
}

/** Starts a target process and waits for `READY <url> <pid> [extra]`. */
async function startTarget(
  mode: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<Target> {
  const child = spawn(tsx, [`${root}bench/server/target.ts`, mode, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+) (\d+)(?: (\S+))?/.exec(output);
      if (match?.[1]) resolve({ child, url: match[1], pid: Number(match[2]), extra: match[3] ?? '' });
    });
    child.once('exit', (code) => reject(new Error(`target ${mode} exited with ${code}`)));
  });
}

async function stopTarget(target: Target): Promise<void> {
  const { child } = target;
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU time of a process so far, in µs (utime + stime from /proc/<pid>/stat). */
function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / 100;
  } catch {
    return Number.NaN;
  }
}

function parseWrkDuration(value: string, unit: string): number {
  const number = Number(value);
  return unit === 'us' ? number / 1000 : unit === 's' ? number * 1000 : number;
}

function runWrk(url: string, seconds: number): Omit<Measurement, 'cpuMicros'> & { requests: number } {
  const output = execFileSync(wrk!, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], {
    encoding: 'utf8',
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(output);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (!rps || !p50 || !p99 || !total) throw new Error(`could not read wrk output:\n${output}`);
  return {
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    p50Ms: parseWrkDuration(p50[1]!, p50[2]!),
    p99Ms: parseWrkDuration(p99[1]!, p99[2]!),
    errors:
      Number(non2xx?.[1] ?? 0) +
      (socketErrors ? socketErrors.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0),
  };
}

function runNodeLoad(url: string, seconds: number): Omit<Measurement, 'cpuMicros'> & { requests: number } {
  const output = execFileSync(
    process.execPath,
    [`${root}bench/server/load.mjs`, url, String(seconds), String(connections)],
    { encoding: 'utf8' },
  );
  const result = JSON.parse(output) as Omit<Measurement, 'cpuMicros'>;
  return { ...result, requests: Math.round(result.requestsPerSecond * seconds) };
}

function measure(target: Target, path: string, seconds: number): Measurement {
  const url = `${target.url}${path}`;
  const before = cpuMicros(target.pid);
  const result = wrk ? runWrk(url, seconds) : runNodeLoad(url, seconds);
  const after = cpuMicros(target.pid);
  return {
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    cpuMicros: (after - before) / Math.max(1, result.requests),
  };
}

/** One request on a fresh connection (no pooled socket the server may have closed): status and body. */
function fetchOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}
const probe = async (url: string) => (await fetchOnce(url)).status;

interface Case {
  readonly name: string;
  readonly target: Target;
  readonly path: string;
  readonly runs: Measurement[];
}

async function main(): Promise<void> {
  process.stderr.write(`load generator: ${wrk ? `wrk (${wrk})` : 'node:http keep-alive (wrk not found)'}\n`);
  const load = loadavg()[0]!;
  const hello = await startTarget('hello');
  const app = await startTarget('promptheus');
  const uncached = await startTarget('promptheus', { READ_CACHE_MS: '0' });
  const id = app.extra;
  const scratch = mkdtempSync(join(tmpdir(), 'promptheus-bench-'));
  const sample = await fetchOnce(`${app.url}/anomalies`);
  writeFileSync(join(scratch, 'anomalies.json'), sample.body);
  const helloJson = await startTarget('hello-json', {}, [join(scratch, 'anomalies.json')]);
  const cases: Case[] = [
    { name: 'bare Hono hello-world', target: hello, path: '/', runs: [] },
    {
      name: `bare Hono answering the ${(Buffer.byteLength(sample.body) / 1024).toFixed(1)} KiB of /anomalies`,
      target: helloJson,
      path: '/',
      runs: [],
    },
    { name: 'GET /stats', target: app, path: '/stats', runs: [] },
    { name: 'GET /anomalies (20 of 200)', target: app, path: '/anomalies', runs: [] },
    {
      name: 'GET /anomalies?status=firing&severity=critical',
      target: app,
      path: '/anomalies?status=firing&severity=critical',
      runs: [],
    },
    { name: 'GET /anomalies/:id (with RCA)', target: app, path: `/anomalies/${id}`, runs: [] },
    { name: 'GET /rca (20)', target: app, path: '/rca', runs: [] },
    { name: 'GET /prom-metrics (10 snapshots)', target: app, path: '/prom-metrics', runs: [] },
    { name: 'GET /healthz', target: app, path: '/healthz', runs: [] },
    { name: 'GET /stats, read cache off', target: uncached, path: '/stats', runs: [] },
    { name: 'GET /anomalies, read cache off', target: uncached, path: '/anomalies', runs: [] },
    {
      name: 'GET /anomalies/:id, read cache off',
      target: uncached,
      path: `/anomalies/${uncached.extra}`,
      runs: [],
    },
    { name: 'GET /rca, read cache off', target: uncached, path: '/rca', runs: [] },
  ];
  const only = argument('only');
  if (only) {
    const pattern = new RegExp(only);
    for (let index = cases.length - 1; index >= 2; index--)
      if (!pattern.test(cases[index]!.name)) cases.splice(index, 1);
  }
  for (const item of cases) {
    const status = await probe(`${item.target.url}${item.path}`);
    if (status !== 200) throw new Error(`${item.path} answered ${status}`);
    measure(item.target, item.path, 1);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const item of cases) {
      const result = measure(item.target, item.path, durationSeconds);
      item.runs.push(result);
      process.stderr.write(
        `round ${round} ${item.name}: ${result.requestsPerSecond.toFixed(0)} req/s, ${result.cpuMicros.toFixed(0)} µs CPU/request\n`,
      );
    }
  }
  await Promise.all([stopTarget(hello), stopTarget(helloJson), stopTarget(app), stopTarget(uncached)]);
  rmSync(scratch, { recursive: true, force: true });

  const baseline = cases[0]!;
  const baseRps = median(baseline.runs.map((run) => run.requestsPerSecond));
  const baseCpu = median(baseline.runs.map((run) => run.cpuMicros));
  const row = (item: Case) => {
    const rps = median(item.runs.map((run) => run.requestsPerSecond));
    const cpu = median(item.runs.map((run) => run.cpuMicros));
    return {
      item,
      rps,
      ratio: rps / baseRps,
      cpu,
      cpuRatio: baseCpu / cpu,
      p50: median(item.runs.map((run) => run.p50Ms)),
      p99: median(item.runs.map((run) => run.p99Ms)),
      errors: item.runs.reduce((sum, run) => sum + run.errors, 0),
      all: item.runs.map((run) => run.requestsPerSecond.toFixed(0)).join(' / '),
    };
  };
  const rows = cases.map(row);
  const table = [
    '| endpoint | req/s (median) | × hello-world | server CPU µs/request | hello CPU ÷ this | p50 ms | p99 ms | errors | req/s per round |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (entry) =>
        `| ${entry.item.name} | ${entry.rps.toFixed(0)} | ${entry.ratio.toFixed(2)} | ${entry.cpu.toFixed(0)} | ${entry.cpuRatio.toFixed(2)} | ${entry.p50.toFixed(2)} | ${entry.p99.toFixed(2)} | ${entry.errors} | ${entry.all} |`,
    ),
  ];
  const served = rows.slice(2).filter((entry) => !entry.item.name.includes('read cache off'));
  const payload = rows[1]!;
  const lowest = Math.min(...served.map((entry) => entry.ratio));
  const lowestCpu = Math.min(...served.map((entry) => entry.cpuRatio));
  const section = [
    '## Server: REST throughput',
    '',
    `Command: \`pnpm bench:server\` (${rounds} interleaved rounds of ${durationSeconds} s per endpoint after a 1 s warm-up, ` +
      `${connections} keep-alive connections, ${wrk ? 'load from `wrk -t1`' : 'load from bench/server/load.mjs'} in its own process; ` +
      `medians of the rounds). Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
      `load average ${load.toFixed(1)} at the start (the machine is shared, so absolute figures move between runs; the ratios are what count).`,
    '',
    'The reference app runs as `promptheus serve` runs it (request metrics, body limit, read cache, WebSocket hub) on a',
    'SQLite file seeded with 200 anomalies, 40 RCA and 20 snapshots; the baseline is a bare Hono app answering',
    '`Hello Hono!` on @hono/node-server. Target: every read endpoint ≥ 0.70× the hello-world. "Server CPU µs/request"',
    'is the server process\'s own CPU time (from /proc) divided by the requests it answered, and "hello CPU ÷ this" the',
    'same ratio computed from it, which other work on the machine disturbs much less than requests per second.',
    'The second baseline is the same bare app answering the bytes of `/anomalies` (the size of the answer alone costs that',
    'much); the "read cache off" rows (READ_CACHE_MS=0) show the cost of a store query on every request, most of it',
    'the store reading and validating each row (20 anomalies or RCA per page).',
    '',
    ...table,
    '',
    `Lowest ratio over the served read endpoints (read cache on, the default): ${lowest.toFixed(2)}× by requests per second, ` +
      `${lowestCpu.toFixed(2)}× by server CPU per request (target 0.70×). A bare Hono app sending the same bytes as ` +
      `/anomalies reaches ${payload.ratio.toFixed(2)}× (${payload.cpuRatio.toFixed(2)}× by CPU). Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
  ].join('\n');
  process.stdout.write(`${section}\n`);

  if (write) {
    writeResultsSection(section);
    process.stderr.write('written to bench/RESULTS.md\n');
  }
}

await main();
