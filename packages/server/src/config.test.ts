import { PromptheusError } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { configWarnings, loadConfig } from './config.js';

const load = (env: Record<string, string>) => loadConfig(env, { cwd: '/srv/app' });

const failure = (env: Record<string, string>): PromptheusError => {
  try {
    load(env);
  } catch (error) {
    if (PromptheusError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
};

describe('loadConfig', () => {
  it('has working defaults: SQLite under ./.data, loopback, port 8080, offline', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      prometheusUrl: 'http://localhost:9090',
      dataDir: '/srv/app/.data',
      sqlitePath: '/srv/app/.data/promptheus.db',
      mongo: null,
      maxDocs: 100,
      monitor: { enabled: true, intervalSeconds: 30, zThreshold: 3 },
      apiToken: null,
      corsOrigins: [],
      logLevel: 'info',
      bodyLimitBytes: 1_048_576,
      chatRateLimitPerMinute: 600,
    });
    expect(configWarnings(config)).toEqual([]);
  });

  it('accepts both original services’ names and the documented variables', () => {
    expect(load({ PROM_URL: 'http://prom:9090/' }).prometheusUrl).toBe('http://prom:9090');
    expect(load({ PROMETHEUS_URL: 'http://a:9090', PROM_URL: 'http://b:9090' }).prometheusUrl).toBe(
      'http://a:9090',
    );
    const config = load({
      PORT: '9000',
      HOST: '0.0.0.0',
      SQLITE_PATH: 'db/p.db',
      MONGO_URI: 'mongodb://user:pw@mongo:27017',
      MONGO_DB: 'monitoring',
      MONITOR_INTERVAL: '15',
      Z_THRESHOLD: '2.5',
      MAX_DOCS: '500',
      API_TOKEN: 'token-12345',
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com/',
      BODY_LIMIT: '512kb',
      LOG_LEVEL: 'DEBUG',
      SLACK_ENABLED: 'true',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      sqlitePath: '/srv/app/db/p.db',
      mongo: { uri: 'mongodb://user:pw@mongo:27017', dbName: 'monitoring' },
      monitor: { intervalSeconds: 15, zThreshold: 2.5 },
      maxDocs: 500,
      apiToken: 'token-12345',
      corsOrigins: ['https://a.example.com', 'https://b.example.com'],
      bodyLimitBytes: 524_288,
      logLevel: 'debug',
    });
    expect(load({ MONGODB_URI: 'mongodb+srv://cluster.example.com' }).mongo?.uri).toBe(
      'mongodb+srv://cluster.example.com',
    );
    expect(load({ SQLITE_PATH: ':memory:' }).sqlitePath).toBe(':memory:');
  });

  it('reports every bad variable at once, naming each', () => {
    const error = failure({
      PORT: 'eighty',
      MONITOR_INTERVAL: '0',
      Z_THRESHOLD: 'high',
      PROMETHEUS_URL: 'ftp://prom',
      LOG_LEVEL: 'verbose',
      SLACK_ENABLED: 'maybe',
      CORS_ORIGINS: 'dashboard.example.com',
      BODY_LIMIT: 'huge',
      API_TOKEN: 'short',
    });
    expect(error.code).toBe('config');
    for (const name of [
      'PORT',
      'MONITOR_INTERVAL',
      'Z_THRESHOLD',
      'PROMETHEUS_URL',
      'LOG_LEVEL',
      'SLACK_ENABLED',
      'CORS_ORIGINS',
      'BODY_LIMIT',
      'API_TOKEN',
    ]) {
      expect(error.message).toContain(`${name}:`);
    }
    expect(error.message).toContain('PORT: must be a whole number between 0 and 65535 (got "eighty")');
    expect(error.message).toContain(
      'MONITOR_INTERVAL: must be a number of seconds between 1 and 86400 (got 0)',
    );
  });

  it('never echoes values that may hold secrets', () => {
    const error = failure({
      PROMETHEUS_URL: 'gopher://admin:hunter2@prom',
      API_TOKEN: 'abc',
      MONGO_URI: 'postgres://root:hunter3@db',
    });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('abc');
    const mongo = failure({ MONGO_URI: 'postgres://root:hunter3@db' });
    expect(mongo.message).toContain('MONGO_URI');
    expect(mongo.message).not.toContain('hunter3');
  });

  it('warns when binding beyond loopback without a token', () => {
    expect(configWarnings(load({ HOST: '0.0.0.0' }))[0]).toContain('API_TOKEN');
    expect(configWarnings(load({ HOST: '0.0.0.0', API_TOKEN: 'long-enough-token' }))).toEqual([]);
    expect(configWarnings(load({ HOST: 'localhost' }))).toEqual([]);
  });
});
