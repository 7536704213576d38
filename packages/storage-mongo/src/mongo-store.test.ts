import { createServer } from 'node:net';
import { PromptheusError } from '@promptheus/core';
import { runStoreConformance } from '@promptheus/core/testing';
import type { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createMongoStore } from './mongo-store.js';

const uri = process.env.MONGODB_URI;

if (!uri) {
  console.warn(
    'skipped: MONGODB_URI not set — the MongoDB store conformance suite needs a real server, e.g. MONGODB_URI=mongodb://localhost:27017',
  );
}

describe.skipIf(!uri)('MongoDB store against MONGODB_URI', () => {
  let client: MongoClient | undefined;
  let databases = 0;
  const names = new WeakMap<object, string>();
  const connect = async () => {
    if (!client) {
      const { MongoClient: Client } = await import('mongodb');
      client = new Client(uri!, { serverSelectionTimeoutMS: 5000 });
    }
    return client;
  };
  afterAll(async () => {
    await client?.close();
  });

  runStoreConformance({
    name: 'mongodb',
    createStore: async (options) => {
      const dbName = `promptheus_test_${process.pid}_${++databases}`;
      const store = createMongoStore({ client: await connect(), dbName }, options);
      names.set(store, dbName);
      return store;
    },
    destroyStore: async (store) => {
      const dbName = names.get(store);
      if (dbName) await (await connect()).db(dbName).dropDatabase();
    },
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('MongoDB store without a server', () => {
  it('connects lazily: creating and closing an unused store touches nothing', async () => {
    const port = await closedPort();
    const store = createMongoStore({ uri: `mongodb://127.0.0.1:${port}`, dbName: 'lazy' });
    expect(store.kind).toBe('mongodb');
    expect(store.dbName).toBe('lazy');
    await store.close();
    await store.close();
  });

  it('fails an operation on an unreachable server with a retryable storage error that hides the password', async () => {
    const port = await closedPort();
    const store = createMongoStore({
      uri: `mongodb://promptheus:s3cret-pass@127.0.0.1:${port}/?serverSelectionTimeoutMS=300&connectTimeoutMS=300`,
    });
    try {
      const error = await store.anomalies.list().catch((caught: unknown) => caught);
      expect(PromptheusError.hasCode(error, 'storage')).toBe(true);
      expect((error as PromptheusError).retryable, String(error)).toBe(true);
      expect((error as PromptheusError).message).toContain('promptheus');
      expect(JSON.stringify((error as PromptheusError).toJSON())).not.toContain('s3cret-pass');
      expect((error as PromptheusError).message).not.toContain('s3cret-pass');
    } finally {
      await store.close();
    }
    const closed = await store.anomalies.list().catch((caught: unknown) => caught);
    expect(PromptheusError.hasCode(closed, 'storage')).toBe(true);
  });

  it('rejects hostile filter values before any query is sent', async () => {
    const port = await closedPort();
    const store = createMongoStore({ uri: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=5000` });
    const hostile = { $ne: null } as unknown as string;
    try {
      const started = Date.now();
      for (const call of [
        () => store.anomalies.get(hostile),
        () => store.anomalies.findFiring(hostile),
        () => store.anomalies.list({ target: hostile }),
        () => store.anomalies.count({ status: hostile as 'firing' }),
        () => store.targets.delete(hostile),
        () =>
          store.chatSessions.append(hostile, [], { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, 1),
        () => store.promptHistory.list({ sessionId: hostile }),
        () => store.rca.findLatestByFingerprint('fp', hostile as unknown as number),
        () => store.outbox.complete(hostile, 1),
        () => store.outbox.list({ status: hostile as 'pending' }),
        () => store.silences.list({ activeAt: hostile as unknown as number }),
      ]) {
        const error = await call().catch((caught: unknown) => caught);
        expect(PromptheusError.hasCode(error, 'invalid_input'), String(error)).toBe(true);
      }
      // Well under the 5 s server selection timeout: nothing waited for a connection.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await store.close();
    }
  });

  it('rejects bad options with code config, without echoing the connection string', () => {
    const configError = (build: () => unknown) => {
      try {
        build();
      } catch (error) {
        expect(PromptheusError.hasCode(error, 'config'), String(error)).toBe(true);
        return (error as PromptheusError).message;
      }
      throw new Error('expected a config error');
    };
    const message = configError(() => createMongoStore({ uri: 'http://admin:hunter2@db.example' }));
    expect(message).toContain('MONGO_URI');
    expect(message).not.toContain('hunter2');
    expect(configError(() => createMongoStore(undefined as never))).toContain('{ client }');
    expect(configError(() => createMongoStore({ uri: 'mongodb://localhost', dbName: 'bad/name' }))).toContain(
      'MONGO_DB',
    );
    expect(configError(() => createMongoStore({ client: {} as never }))).toContain('MongoClient');
    expect(configError(() => createMongoStore({ uri: 'mongodb://localhost' }, { maxDocs: 0 }))).toContain(
      'maxDocs',
    );
  });
});
