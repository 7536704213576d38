import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromptheusError } from '@promptheus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServerFromEnv } from './from-env.js';
import { createLogger } from './logger.js';

let directory: string;
const lines: string[] = [];
const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'promptheus-from-env-'));
  lines.length = 0;
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('createServerFromEnv', () => {
  it('starts on SQLite under DATA_DIR, offline, serves the API and shuts down cleanly', async () => {
    const server = await createServerFromEnv(
      { PORT: '0', DATA_DIR: 'data', PROMETHEUS_URL: 'http://127.0.0.1:9', MONITOR_ENABLED: 'false' },
      { cwd: directory, logger },
    );
    expect(server.store.kind).toBe('sqlite');
    expect(server.config.sqlitePath).toBe(join(directory, 'data', 'promptheus.db'));
    expect(server.llm).toBeNull();
    const running = await server.listen();
    const stats = await fetch(`${running.url}/stats`);
    expect(stats.status).toBe(200);
    const status = (await (await fetch(`${running.url}/`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      store: { kind: 'sqlite' },
      llm: { mode: 'offline' },
      monitor: { enabled: false },
    });
    const chat = await fetch(`${running.url}/api/chat`, {
      method: 'POST',
      body: '{"prompt":"Show CPU usage for server1"}',
    });
    expect(chat.status).toBe(503);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('network');
    await server.close();
    await server.close();
    await expect(fetch(`${running.url}/stats`)).rejects.toThrow();
    await expect(server.store.anomalies.count()).rejects.toSatisfy((error) =>
      PromptheusError.isInstance(error),
    );
  });

  it('fails with a config error naming every bad variable, before opening anything', async () => {
    await expect(
      createServerFromEnv(
        { PORT: 'x', MONITOR_INTERVAL: '-1', DATA_DIR: 'data' },
        { cwd: directory, logger },
      ),
    ).rejects.toThrow(/PORT:[\s\S]*MONITOR_INTERVAL:/);
  });

  it('warns when it binds beyond loopback without a token', async () => {
    const server = await createServerFromEnv(
      { HOST: '0.0.0.0', SQLITE_PATH: ':memory:', MONITOR_ENABLED: 'false' },
      { cwd: directory, logger },
    );
    expect(lines.some((line) => line.includes('WARN') && line.includes('API_TOKEN'))).toBe(true);
    await server.close();
  });

  it('uses MongoDB when MONGO_URI is set, connecting lazily and never showing its credentials', async () => {
    const uri = 'mongodb://admin:s3cret-password@127.0.0.1:1/?serverSelectionTimeoutMS=300';
    const server = await createServerFromEnv(
      { MONGO_URI: uri, MONGO_DB: 'promptheus_test', MONITOR_ENABLED: 'false' },
      { cwd: directory, logger },
    );
    expect(server.store.kind).toBe('mongodb');
    const response = await server.app.request('/stats');
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe('storage');
    expect(text).not.toContain('s3cret-password');
    expect(lines.join('\n')).not.toContain('s3cret-password');
    await server.close();
  });
});
