import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PromptheusError } from '../errors.js';
import { createPrometheusClient } from '../prometheus/client.js';
import type { PrometheusClient, VectorSeries } from '../prometheus/types.js';

/**
 * A scrape target with labels of its own, as in a `static_configs` entry: `instance` names the
 * target instead of its address, `job` puts it in another job.
 *
 * @example
 * ```ts
 * { target: '127.0.0.1:9100', labels: { instance: 'server1', job: 'node' } }
 * ```
 */
export interface ScrapeTarget {
  /** `host:port` of the target. */
  readonly target: string;
  /** Labels every series of this target gets (they override `instance` and `job`). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /**
   * Targets to scrape, as `host:port` (e.g. `exporter.host`) or as a {@link ScrapeTarget} with
   * labels of its own. May be empty.
   */
  readonly scrapeTargets: readonly (string | ScrapeTarget)[];
  /** Scrape (and rule evaluation) interval. @default '1s' */
  readonly scrapeInterval?: string;
  /** Job name of the scrape targets (the `job` label). @default 'test' */
  readonly jobName?: string;
  /**
   * Keep the labels the targets expose (`honor_labels`), so an exporter's `instance="server1"`
   * stays `instance` instead of becoming `exported_instance`. @default true
   */
  readonly honorLabels?: boolean;
  /**
   * YAML appended at the top level of the generated configuration, e.g. a `rule_files:` list.
   * Scrape targets go in `scrapeTargets`, not here.
   */
  readonly extraConfig?: string;
  /** Extra command-line flags, e.g. `['--query.lookback-delta=30s']`. */
  readonly args?: readonly string[];
  /** How long to wait for Prometheus to become ready. @default 30000 */
  readonly startTimeoutMs?: number;
  /** Path of the prometheus binary. @default the PROMETHEUS_BIN env var, else `prometheus` on PATH */
  readonly binary?: string;
}

/** Options of {@link RunningPrometheus.waitFor}. */
export interface WaitForOptions {
  /** Give up after this long. @default 15000 */
  readonly timeoutMs?: number;
  /** Poll interval. @default 100 */
  readonly intervalMs?: number;
}

/** A Prometheus server started by {@link startPrometheus}. */
export interface RunningPrometheus {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Temporary directory holding the configuration and the TSDB. Removed by `stop()`. */
  readonly directory: string;
  /** A client of this server. */
  readonly client: PrometheusClient;
  /** Whether the process is currently running. */
  readonly running: boolean;
  /** The last lines Prometheus logged, for diagnostics. */
  logs(): string;
  /**
   * Polls an instant query until it returns at least one series (and `predicate` accepts the
   * result). Resolves with the series; rejects with a `timeout` error naming the query, or at
   * once with a `prometheus` error for invalid PromQL. Prometheus hands new targets to its
   * scrapers up to about 5 s after start or `setScrapeTargets`, so the first data of a fresh
   * server takes that long.
   *
   * @example
   * ```ts
   * await prometheus.waitFor('cpu_usage{instance="server1"}', (series) => series[0]?.value.value === 93.5);
   * ```
   */
  waitFor(
    query: string,
    predicate?: (series: readonly VectorSeries[]) => boolean,
    options?: WaitForOptions,
  ): Promise<VectorSeries[]>;
  /** Replaces the scrape targets and reloads the configuration. */
  setScrapeTargets(targets: readonly (string | ScrapeTarget)[]): Promise<void>;
  /** Kills the process (default SIGKILL) to simulate an outage; data and port are kept for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on the same port and data directory and waits until it is ready. */
  restart(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

const hostPortPattern = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
const durationPattern = /^\d+(ms|s|m|h)$/;

/** Every process started here, so none outlives the test process. */
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, directory] of live) {
      child.kill('SIGKILL');
      try {
        rmSync(directory, { recursive: true, force: true });
      } catch {
        // best effort on exit
      }
    }
  });
}

/** Finds the prometheus binary: the option, PROMETHEUS_BIN, then PATH. */
export function findPrometheusBinary(binary?: string): string {
  const configured = binary ?? process.env.PROMETHEUS_BIN;
  const candidates = configured
    ? [configured]
    : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .map((directory) => join(directory, 'prometheus'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new PromptheusError(
    'config',
    configured
      ? `PROMETHEUS_BIN (${configured}) is not an executable file`
      : 'The prometheus binary was not found on PATH: install it with `apt-get install prometheus` ' +
          'or set PROMETHEUS_BIN to its path',
  );
}

/** A port that was free a moment ago on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function renderConfig(options: {
  readonly targets: readonly (string | ScrapeTarget)[];
  readonly interval: string;
  readonly jobName: string;
  readonly honorLabels: boolean;
  readonly extraConfig?: string | undefined;
}): string {
  const plain: string[] = [];
  const labelled: ScrapeTarget[] = [];
  for (const entry of options.targets) {
    const target = typeof entry === 'string' ? entry : (entry as ScrapeTarget | null)?.target;
    if (typeof target !== 'string' || !hostPortPattern.test(target)) {
      throw new PromptheusError(
        'invalid_input',
        `scrapeTargets entries must look like host:port, got "${String(target)}"`,
      );
    }
    if (typeof entry === 'string') {
      plain.push(entry);
      continue;
    }
    for (const [name, value] of Object.entries(entry.labels ?? {})) {
      if (!labelNamePattern.test(name) || name.startsWith('__') || typeof value !== 'string')
        throw new PromptheusError(
          'invalid_input',
          `scrapeTargets labels of ${target} must map label names to strings, got ${JSON.stringify(name)}`,
        );
    }
    labelled.push(entry);
  }
  const lines = [
    'global:',
    `  scrape_interval: ${options.interval}`,
    `  scrape_timeout: ${options.interval}`,
    `  evaluation_interval: ${options.interval}`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.jobName)}`,
    `    honor_labels: ${options.honorLabels}`,
    '    static_configs:',
    `      - targets: ${JSON.stringify(plain)}`,
  ];
  for (const entry of labelled) {
    lines.push(`      - targets: ${JSON.stringify([entry.target])}`);
    lines.push(`        labels: ${JSON.stringify(entry.labels ?? {})}`);
  }
  return `${lines.join('\n')}\n${options.extraConfig ? `${options.extraConfig.trimEnd()}\n` : ''}`;
}

/**
 * Starts a real Prometheus (Debian's `prometheus` package, or `PROMETHEUS_BIN`) on 127.0.0.1
 * with a free port, a temporary data directory and a generated configuration scraping
 * `scrapeTargets`, and waits until it is ready. Always `stop()` it (e.g. in `afterAll`); a
 * process left running is killed when the test process exits.
 *
 * @example
 * ```ts
 * let exporter: Exporter;
 * let prometheus: RunningPrometheus;
 * beforeAll(async () => {
 *   exporter = await startExporter();
 *   exporter.set('cpu_usage', { instance: 'server1' }, 42);
 *   prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
 *   await prometheus.waitFor('cpu_usage');
 * });
 * afterAll(async () => {
 *   await prometheus?.stop();
 *   await exporter?.close();
 * });
 * ```
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.scrapeTargets)) {
    throw new PromptheusError(
      'invalid_input',
      'startPrometheus needs scrapeTargets: an array of host:port strings',
    );
  }
  const binary = findPrometheusBinary(options.binary);
  const interval = options.scrapeInterval ?? '1s';
  if (!durationPattern.test(interval)) {
    throw new PromptheusError(
      'invalid_input',
      `scrapeInterval must be a duration such as "1s", got "${interval}"`,
    );
  }
  const jobName = options.jobName ?? 'test';
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const honorLabels = options.honorLabels ?? true;
  let config = renderConfig({
    targets: options.scrapeTargets,
    interval,
    jobName,
    honorLabels,
    extraConfig: options.extraConfig,
  });

  const directory = await mkdtemp(join(tmpdir(), 'promptheus-prometheus-'));
  const configPath = join(directory, 'prometheus.yml');
  await writeFile(configPath, config);
  installExitHook();

  let port = 0;
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;
  const logLines: string[] = [];

  const log = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      logLines.push(line);
      if (logLines.length > 200) logLines.shift();
    }
  };

  function spawnProcess(): void {
    const process_ = spawn(
      binary,
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = process_;
    live.set(process_, directory);
    process_.stdout?.on('data', log);
    process_.stderr?.on('data', log);
    exited = new Promise<void>((resolve) => {
      process_.once('exit', () => {
        live.delete(process_);
        watchdog?.kill('SIGKILL');
        watchdog = undefined;
        resolve();
      });
      process_.once('error', (error) => {
        logLines.push(`spawn error: ${error.message}`);
        live.delete(process_);
        resolve();
      });
    });
    // If this process dies without cleaning up, the watchdog's stdin closes and it kills Prometheus.
    if (process_.pid !== undefined) {
      watchdog = spawn(
        '/bin/sh',
        ['-c', 'read _ignored; kill -9 "$1" 2>/dev/null', 'watchdog', String(process_.pid)],
        {
          stdio: ['pipe', 'ignore', 'ignore'],
        },
      );
      watchdog.on('error', () => {});
      watchdog.unref();
      (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    }
    process_.unref();
    (process_.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (process_.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }

  const url = () => `http://127.0.0.1:${port}`;

  async function waitReady(): Promise<void> {
    const started = Date.now();
    const current = child;
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (Date.now() - started < startTimeoutMs) {
      if (gone || current?.exitCode !== null) {
        throw new PromptheusError(
          'internal',
          `Prometheus exited during start-up:\n${logLines.slice(-15).join('\n')}`,
        );
      }
      try {
        const response = await fetch(`${url()}/-/ready`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new PromptheusError(
      'timeout',
      `Prometheus was not ready after ${startTimeoutMs} ms:\n${logLines.slice(-15).join('\n')}`,
    );
  }

  async function killProcess(signal: NodeJS.Signals): Promise<void> {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async function launch(freshPort: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (freshPort || port === 0) port = await findFreePort();
      const before = logLines.length;
      spawnProcess();
      try {
        await waitReady();
        return;
      } catch (error) {
        await killProcess('SIGKILL');
        const portTaken = logLines.slice(before).some((line) => line.includes('address already in use'));
        if (!portTaken || attempt >= 5) throw error;
        if (!freshPort) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  try {
    await launch(true);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const client = createPrometheusClient({ url: url(), timeoutMs: 10_000 });

  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    directory,
    client,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    logs: () => logLines.join('\n'),
    async waitFor(query, predicate, waitOptions = {}) {
      const timeoutMs = waitOptions.timeoutMs ?? 15_000;
      const intervalMs = waitOptions.intervalMs ?? 100;
      const started = Date.now();
      let lastProblem = 'no data';
      while (Date.now() - started < timeoutMs) {
        try {
          const { data } = await client.query(query, {
            timeoutMs: Math.max(500, timeoutMs - (Date.now() - started)),
          });
          if (data.resultType === 'vector' && data.result.length > 0) {
            if (!predicate || predicate(data.result)) return [...data.result];
            lastProblem = `the predicate rejected ${data.result.length} series`;
          } else lastProblem = 'no data';
        } catch (error) {
          if (PromptheusError.hasCode(error, 'prometheus')) throw error;
          lastProblem = error instanceof Error ? error.message : String(error);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      throw new PromptheusError(
        'timeout',
        `waitFor(${JSON.stringify(query)}) gave up after ${timeoutMs} ms: ${lastProblem}`,
      );
    },
    async setScrapeTargets(targets) {
      config = renderConfig({ targets, interval, jobName, honorLabels, extraConfig: options.extraConfig });
      await writeFile(configPath, config);
      const response = await fetch(`${url()}/-/reload`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (!response.ok)
        throw new PromptheusError('internal', `Prometheus rejected the new configuration: ${text.trim()}`);
    },
    kill(signal = 'SIGKILL') {
      return killProcess(signal);
    },
    async restart() {
      if (stopped) throw new PromptheusError('conflict', 'this Prometheus was stopped; start a new one');
      await killProcess('SIGTERM');
      await launch(false);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await killProcess('SIGTERM');
      await rm(directory, { recursive: true, force: true });
    },
  };
}
