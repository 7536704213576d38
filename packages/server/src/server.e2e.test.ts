import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Anomaly, Rca } from '@promptheus/core';
import {
  type Exporter,
  type RunningPrometheus,
  startExporter,
  startPrometheus,
} from '@promptheus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveBatch } from './live.js';

const root = resolve(import.meta.dirname, '../../..');
const token = 'end-to-end-token-0123456789';

let exporter: Exporter;
let prometheus: RunningPrometheus;
let server: ChildProcess | null = null;
let output = '';
let baseUrl = '';
let dataDir = '';

/** Starts the real CLI (`promptheus serve`) from the sources with tsx and waits for its URL. */
async function startServer(env: Record<string, string>): Promise<string> {
  const child = spawn(
    join(root, 'node_modules/.bin/tsx'),
    [
      '--tsconfig',
      join(root, 'packages/server/tsconfig.json'),
      join(root, 'packages/server/src/cli.ts'),
      'serve',
    ],
    { cwd: dataDir, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server = child;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /listening on (http:\/\/[^\s]+)/.exec(output);
    if (match?.[1]) return match[1];
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function poll<Value>(
  what: string,
  probe: () => Promise<Value | undefined>,
  timeoutMs = 20_000,
): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output.slice(-2000)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

const get = async <Body>(path: string): Promise<Body> => {
  const response = await fetch(`${baseUrl}${path}`);
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Body;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'promptheus-e2e-'));
  exporter = await startExporter();
  exporter.set('cpu_usage', { instance: 'server1' }, 20, { type: 'gauge', help: 'CPU busy percent' });
  exporter.set('cpu_usage', { instance: 'server2' }, 30, { type: 'gauge', help: 'CPU busy percent' });
  exporter.set('memory_usage', { instance: 'server1' }, 40, { type: 'gauge', help: 'Memory used percent' });
  prometheus = await startPrometheus({ scrapeTargets: [exporter.host], scrapeInterval: '1s' });
  await prometheus.waitFor('cpu_usage', (series) => series.length === 2);
  baseUrl = await startServer({
    PORT: '0',
    PROMETHEUS_URL: prometheus.url,
    SQLITE_PATH: join(dataDir, 'e2e.db'),
    MONITOR_INTERVAL: '1',
    API_TOKEN: token,
    LOG_LEVEL: 'info',
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await prometheus?.stop();
  await exporter?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('promptheus serve, end to end', () => {
  it('reports a reachable Prometheus, SQLite and a running monitor', async () => {
    const status = await poll('a first tick', async () => {
      const body = await get<{ monitor: { ticks: number } }>('/');
      return body.monitor.ticks > 0 ? body : undefined;
    });
    expect(status).toMatchObject({
      prometheus: { reachable: true, version: expect.any(String) },
      store: { kind: 'sqlite' },
      llm: { mode: 'offline' },
      monitor: { enabled: true, running: true },
    });
  });

  it('sees a spike fire over the WebSocket and REST, with its RCA, then resolve', async () => {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws?token=${token}`;
    const socket = new WebSocket(url);
    const batches: LiveBatch[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'batch') batches.push(message as LiveBatch);
    });
    await new Promise<void>((done, fail) => {
      socket.once('open', () => done());
      socket.once('error', fail);
    });
    const liveEvents = () => batches.flatMap((batch) => batch.events);

    exporter.set('cpu_usage', { instance: 'server1' }, 97, { type: 'gauge', help: 'CPU busy percent' });

    const fired = await poll('anomaly:fired over the WebSocket', async () =>
      liveEvents().find(
        (event): event is Extract<typeof event, { type: 'anomaly:fired' }> =>
          event.type === 'anomaly:fired' && event.anomaly.metric === 'cpu_usage',
      ),
    );
    expect(fired.anomaly).toMatchObject({ status: 'firing', labels: { instance: 'server1' }, value: 97 });
    expect(batches.some((batch) => batch.tick !== null && batch.events.includes(fired))).toBe(true);

    const listed = await get<{ items: Anomaly[] }>('/anomalies?status=firing');
    expect(listed.items.map((anomaly) => anomaly.id)).toContain(fired.anomaly.id);

    const withRca = await poll('the RCA over REST', async () => {
      const body = await get<{ anomaly: Anomaly; rca: Rca | null }>(`/anomalies/${fired.anomaly.id}`);
      return body.rca ? body : undefined;
    });
    expect(withRca.rca).toMatchObject({ source: 'fallback', anomalyId: fired.anomaly.id });
    expect(withRca.rca?.summary).toContain('cpu_usage');
    await poll('rca:ready over the WebSocket', async () =>
      liveEvents().find((event) => event.type === 'rca:ready' && event.anomalyId === fired.anomaly.id),
    );

    exporter.set('cpu_usage', { instance: 'server1' }, 20, { type: 'gauge', help: 'CPU busy percent' });
    await poll('anomaly:resolved over the WebSocket', async () =>
      liveEvents().find(
        (event) => event.type === 'anomaly:resolved' && event.anomaly.id === fired.anomaly.id,
      ),
    );
    const resolved = await get<{ anomaly: Anomaly }>(`/anomalies/${fired.anomaly.id}`);
    expect(resolved.anomaly.status).toBe('resolved');
    socket.close();

    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /promptheus_anomalies_detected_total\{severity="high",detector="threshold"\} [1-9]/,
    );
    expect(metrics).toMatch(/promptheus_rca_total\{source="fallback"\} [1-9]/);
    expect(metrics).toMatch(/promptheus_monitor_tick_duration_seconds_count [1-9]/);
  });

  it('answers "Show CPU usage for server1" offline with PromQL, data, layout and follow-ups', async () => {
    const ask = (body: string, headers: Record<string, string>) =>
      fetch(`${baseUrl}/api/chat`, { method: 'POST', headers, body });
    const question = '{"prompt":"Show CPU usage for server1"}';
    expect((await ask(question, {})).status).toBe(401);
    const response = await ask(question, {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      promql: string | null;
      data: unknown;
      layout: unknown;
      answer: string;
      followups: string[];
      intent: string;
      session_id: string | null;
      translator: string | null;
    };
    expect(answer.promql).toContain('cpu_usage');
    expect(answer.promql).toContain('server1');
    expect(answer.data).not.toBeNull();
    expect(answer.layout).not.toBeNull();
    expect(answer.followups.length).toBeGreaterThan(0);
    expect(answer.translator).toBe('offline');
    expect(answer.session_id).toEqual(expect.any(String));
    const history = await get<{ items: Array<{ id: string }> }>('/api/history');
    expect(history.items.map((session) => session.id)).toContain(answer.session_id);

    const unknown = await ask('{"prompt":"Show flux capacitor temperature"}', {
      Authorization: `Bearer ${token}`,
    });
    expect(unknown.status).toBe(200);
    expect(((await unknown.json()) as { promql: string | null }).promql).toBeNull();
  });

  it('refuses mutating requests and WebSocket clients without the token', async () => {
    const response = await fetch(`${baseUrl}/targets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x', url: 'http://127.0.0.1:1' }),
    });
    expect(response.status).toBe(401);
    const status = await new Promise<number>((done) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`);
      socket.on('unexpected-response', (_request, reply) => {
        done(reply.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const child = server!;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: shutting down');
    expect(output).toContain('stopped');
    expect(output).not.toContain(token);
  });
});
