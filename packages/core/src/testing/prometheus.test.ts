import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptheusError } from '../errors.js';
import { type Exporter, startExporter } from './exporter.js';
import { findPrometheusBinary, type RunningPrometheus, startPrometheus } from './prometheus.js';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const holder = fileURLToPath(new URL('./prometheus-holder.fixture.ts', import.meta.url));

let exporter: Exporter;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  exporter = await startExporter();
  exporter.set('cpu_usage', { instance: 'server1', job: 'node' }, 42);
  // No targets at first: setScrapeTargets adds the exporter.
  prometheus = await startPrometheus({ scrapeTargets: [] });
});

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(500) });
    return false;
  } catch {
    return true;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Runs the holder fixture in a separate Node process and returns what it started. */
function runHolder(mode: 'wait' | 'exit') {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, mode], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = new Promise<{ url: string; directory: string }>((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (output.includes('\n') && line) resolve(JSON.parse(line));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${errors}`)));
  });
  return { child, started };
}

describe('startPrometheus', () => {
  it('finds the binary or says how to install it', () => {
    expect(findPrometheusBinary()).toMatch(/prometheus$/);
    let caught: unknown;
    try {
      findPrometheusBinary('/nonexistent/prometheus');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'config' });
    const previous = process.env.PATH;
    const previousBin = process.env.PROMETHEUS_BIN;
    process.env.PATH = '/nonexistent';
    delete process.env.PROMETHEUS_BIN;
    try {
      expect(() => findPrometheusBinary()).toThrow(/apt-get install prometheus/);
    } finally {
      process.env.PATH = previous;
      if (previousBin !== undefined) process.env.PROMETHEUS_BIN = previousBin;
    }
  });

  it('rejects bad options before starting anything', async () => {
    await expect(startPrometheus({ scrapeTargets: ['not a target'] })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(startPrometheus({ scrapeTargets: [], scrapeInterval: 'soon' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('runs on loopback, scrapes targets added later with their own labels, and waits for data', async () => {
    expect(prometheus.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(prometheus.running).toBe(true);
    expect((await prometheus.client.buildInfo()).version).toMatch(/^2\./);
    await prometheus.setScrapeTargets([exporter.host]);
    const [series] = await prometheus.waitFor('cpu_usage', undefined, { timeoutMs: 15_000 });
    // honor_labels keeps the exporter's instance and job.
    expect(series!.metric).toEqual({ __name__: 'cpu_usage', instance: 'server1', job: 'node' });
    expect(series!.value.value).toBe(42);
    exporter.set('cpu_usage', { instance: 'server1', job: 'node' }, 77);
    const [changed] = await prometheus.waitFor('cpu_usage', (result) => result[0]?.value.value === 77);
    expect(changed!.value.value).toBe(77);
    expect(prometheus.logs()).toContain('Server is ready to receive web requests');
  });

  it('gives a target labels of its own (instance, job) and rejects bad ones', async () => {
    const self = new URL(prometheus.url).host;
    await prometheus.setScrapeTargets([
      exporter.host,
      { target: self, labels: { instance: 'server1', job: 'prometheus' } },
    ]);
    const [series] = await prometheus.waitFor('prometheus_build_info{job="prometheus"}');
    expect(series!.metric['instance']).toBe('server1');
    await expect(
      prometheus.setScrapeTargets([{ target: self, labels: { 'bad-name': 'x' } }]),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(prometheus.setScrapeTargets([{ target: 'nowhere', labels: {} }])).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await prometheus.setScrapeTargets([exporter.host]);
  });

  it('gives up waiting with a timeout that names the query, and fails fast on invalid PromQL', async () => {
    const started = Date.now();
    const error = await prometheus
      .waitFor('absent_metric', undefined, { timeoutMs: 400 })
      .catch((caught) => caught);
    expect(error).toMatchObject({ code: 'timeout' });
    expect((error as PromptheusError).message).toContain('absent_metric');
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(prometheus.waitFor('rate(', undefined, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'prometheus',
    });
  });

  it('can be killed and restarted on the same port with its data', async () => {
    const url = prometheus.url;
    await prometheus.kill();
    expect(prometheus.running).toBe(false);
    expect(await refused(url)).toBe(true);
    await prometheus.restart();
    expect(prometheus.url).toBe(url);
    expect(prometheus.running).toBe(true);
    const { data } = await prometheus.client.query('cpu_usage');
    expect(data.resultType === 'vector' && data.result.length).toBe(1);
  });

  it('stops, removes its directory, and stopping twice is safe', async () => {
    const other = await startPrometheus({ scrapeTargets: [] });
    expect(existsSync(other.directory)).toBe(true);
    await other.stop();
    await other.stop();
    expect(other.running).toBe(false);
    expect(existsSync(other.directory)).toBe(false);
    expect(await refused(other.url)).toBe(true);
    await expect(other.restart()).rejects.toMatchObject({ code: 'conflict' });
  });

  it('never outlives the process that started it, even when that process is killed', async () => {
    // Killed: the watchdog stops Prometheus. Exiting without stop(): the exit hook does.
    const killed = runHolder('wait');
    const exited = runHolder('exit');
    const [first, second] = await Promise.all([killed.started, exited.started]);
    expect(await refused(first.url)).toBe(false);
    killed.child.kill('SIGKILL');
    expect(await until(() => refused(first.url), 5000)).toBe(true);
    await rm(first.directory, { recursive: true, force: true });
    expect(await until(() => refused(second.url), 5000)).toBe(true);
    expect(await until(async () => !existsSync(second.directory), 2000)).toBe(true);
  }, 30_000);
});
