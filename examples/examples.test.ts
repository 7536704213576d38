/**
 * Runs the examples the way the README tells users to (`tsx examples/<name>.ts`), as child
 * processes against a real Prometheus scraping a controllable exporter, and checks what they print.
 * The MongoDB example runs when MONGODB_URI is set; otherwise its refusal message is checked.
 * `pnpm --filter @promptheus/examples typecheck` type-checks every example.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Exporter,
  findFreePort,
  type RunningPrometheus,
  startExporter,
  startPrometheus,
} from '@promptheus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const execFileAsync = promisify(execFile);

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an example to completion with tsx from the repository root. */
async function runExample(
  file: string,
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<Finished> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', join('examples', file), ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | null; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : null,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** Starts a long-running example and collects its output until it is stopped. */
function startExample(file: string, env: Readonly<Record<string, string>>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join('examples', file)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => stdout,
    errors: () => stderr,
    exited,
    /** Waits until stdout matches, failing with everything printed so far. */
    async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${file} did not print ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    },
    kill(signal: NodeJS.Signals) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

describe('examples against a real Prometheus', () => {
  let exporter: Exporter;
  let prometheus: RunningPrometheus;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'promptheus-examples-'));
    exporter = await startExporter();
    for (const [instance, value] of [
      ['server1', 42.5],
      ['server2', 17.25],
    ] as const) {
      exporter.set('cpu_usage', { instance }, value, { help: 'CPU busy percent', type: 'gauge' });
    }
    exporter.set('memory_usage', { instance: 'server1' }, 55, { help: 'Memory used percent', type: 'gauge' });
    prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
    await prometheus.waitFor('cpu_usage{instance="server2"}');
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('embed-nl2promql answers a question with grounded PromQL and the current value', async () => {
    const { code, stdout, stderr } = await runExample('embed-nl2promql.ts', ['show CPU usage for server1'], {
      PROMETHEUS_URL: prometheus.url,
      GEMINI_API_KEY: '',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PromQL: +cpu_usage\{instance="server1"\}$/);
    expect(lines[1]).toBe('Translator: offline');
    expect(stdout).toMatch(/^Answer: .*42\.5/m);
    expect(stdout).toContain('  {__name__="cpu_usage", instance="server1", job="test"} 42.5');
    expect(stdout).not.toContain('server2');
    expect(stdout).toMatch(/^Next: +\S.*\|.*\|/m);
  });

  it('embed-nl2promql prints a Grafana panel that queries the same PromQL', async () => {
    const { code, stdout } = await runExample(
      'embed-nl2promql.ts',
      ['--grafana', 'show CPU usage for server1'],
      {
        PROMETHEUS_URL: prometheus.url,
        GEMINI_API_KEY: '',
      },
    );
    expect(code).toBe(0);
    const panel = JSON.parse(stdout) as { type: string; targets: Array<{ expr: string }> };
    expect(panel.targets[0]?.expr).toBe('cpu_usage{instance="server1"}');
    expect(typeof panel.type).toBe('string');
  });

  it('embed-nl2promql says which metrics come closest when none fits, without inventing a query', async () => {
    const { code, stdout } = await runExample('embed-nl2promql.ts', ['kafka consumer lag per partition'], {
      PROMETHEUS_URL: prometheus.url,
      GEMINI_API_KEY: '',
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PromQL: +\(none\)$/m);
    expect(stdout).toMatch(/^Why: +\S/m);
  });

  it('embed-nl2promql explains an unreachable Prometheus instead of crashing', async () => {
    const port = await findFreePort(); // nothing listens there
    const { code, stdout, stderr } = await runExample('embed-nl2promql.ts', ['show CPU usage for server1'], {
      PROMETHEUS_URL: `http://127.0.0.1:${port}`,
      GEMINI_API_KEY: '',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PromQL: +\(none\)$/m);
    expect(stdout).toMatch(
      new RegExp(`^Why: +Cannot reach Prometheus at http://127\\.0\\.0\\.1:${port}`, 'm'),
    );
  });

  it('full-monitor ticks, fires an alert when CPU crosses 80 and stops cleanly on SIGINT', async () => {
    exporter.set('cpu_usage', { instance: 'server1' }, 42.5);
    const monitor = startExample('full-monitor.ts', {
      PROMETHEUS_URL: prometheus.url,
      MONITOR_INTERVAL: '1',
      SQLITE_PATH: join(directory, 'full-monitor.sqlite'),
      GEMINI_API_KEY: '',
      LLM_URL: '',
    });
    try {
      await monitor.waitFor(/^tick 2: [1-9]\d* series, 0 fired, 0 resolved$/m);
      exporter.set('cpu_usage', { instance: 'server1' }, 97);
      await prometheus.waitFor('cpu_usage{instance="server1"} > 90');
      // The dispatcher waits 5 s for related alerts to join the group before sending.
      await monitor.waitFor(/^\[firing\] cpu_usage is 97, above 80$/m, 30_000);
      expect(monitor.output()).toMatch(/^tick \d+: \d+ series, 1 fired, 0 resolved$/m);
      // The fallback analysis (no LLM configured) is printed under the alert.
      expect(monitor.output()).toMatch(/^\[firing\] cpu_usage is 97, above 80\n {2}\S.*server1/m);
      monitor.kill('SIGINT');
      expect(await monitor.exited).toBe(0);
      expect(monitor.errors()).not.toMatch(/Error|at /);
    } finally {
      monitor.kill('SIGKILL');
      exporter.set('cpu_usage', { instance: 'server1' }, 42.5);
    }
  }, 90_000);
});

describe('examples that need no Prometheus', () => {
  it('custom-notifier delivers a firing and a resolved alert through the outbox', async () => {
    const { code, stdout } = await runExample('custom-notifier.ts');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'firing node_cpu_usage on prod: node_cpu_usage is 97.5, above 90',
      'resolved node_cpu_usage on prod: node_cpu_usage is 97.5, above 90',
      'delivered 2, failed 0',
    ]);
  });

  it.skipIf(Boolean(process.env['MONGODB_URI']))(
    'sdk-mongodb says how to run it when MONGODB_URI is not set',
    async () => {
      const { code, stdout, stderr } = await runExample('sdk-mongodb.ts', [], {
        MONGODB_URI: '',
        MONGO_URI: '',
      });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe('sdk-mongodb: set MONGODB_URI=mongodb://host:27017 to run this example\n');
    },
  );
});

describe.skipIf(!process.env['MONGODB_URI'])('sdk-mongodb against a real MongoDB (MONGODB_URI)', () => {
  let exporter: Exporter;
  let prometheus: RunningPrometheus;
  const database = `promptheus_example_test_${process.pid}`;

  beforeAll(async () => {
    exporter = await startExporter();
    exporter.set('cpu_usage', { instance: 'server1' }, 10);
    prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
    await prometheus.waitFor('up');
  });

  afterAll(async () => {
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(process.env['MONGODB_URI']!);
    await client.db(database).dropDatabase();
    await client.close();
    await prometheus?.stop();
    await exporter?.close();
  });

  it('keeps the tick and the question in MongoDB', async () => {
    const { code, stdout, stderr } = await runExample('sdk-mongodb.ts', [], {
      PROMETHEUS_URL: prometheus.url,
      MONGO_DB: database,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('tick 1: 1 series, 0 fired');
    expect(lines[1]).toMatch(/^asked: up == 0 → /);
    expect(lines[2]).toBe('in MongoDB: 1 snapshots, 0 anomalies, 1 prompts, 1 chat sessions');
  });
});
