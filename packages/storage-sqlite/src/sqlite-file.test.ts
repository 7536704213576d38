import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromptheusError, type PromptheusErrorCode } from '@promptheus/core';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from './migrations.js';
import { createSqliteStore } from './sqlite-store.js';
import { anomalyFixture, T0 } from './test-fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'promptheus-sqlite-file-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCounter = 0;
const freshPath = (name = 'store') => join(directory, `${name}-${++fileCounter}.db`);

const toClose: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of toClose.splice(0).reverse()) await item.close();
});
const track = <Item extends { close(): unknown }>(item: Item): Item => {
  toClose.push(item);
  return item;
};

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectStoreError(
  error: unknown,
  code: PromptheusErrorCode,
  ...fragments: string[]
): PromptheusError {
  expect(PromptheusError.isInstance(error), `expected a PromptheusError, got ${String(error)}`).toBe(true);
  const promptheusError = error as PromptheusError;
  expect(promptheusError.code).toBe(code);
  for (const fragment of fragments) expect(promptheusError.message).toContain(fragment);
  return promptheusError;
}

describe('createSqliteStore on a file', () => {
  it('creates the file in WAL mode at the current schema version and keeps data across reopening', async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    expect(store.kind).toBe('sqlite');
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    await store.anomalies.insert([anomalyFixture('kept', { status: 'firing', endsAt: null })]);
    await store.emailConfig.set({ enabled: true, recipients: ['ops@example.com'], updatedAt: T0 });
    await store.close();

    const reopened = track(createSqliteStore({ path }));
    expect(await reopened.anomalies.findFiring('fp-kept')).toEqual(
      anomalyFixture('kept', { status: 'firing', endsAt: null }),
    );
    expect(await reopened.emailConfig.get()).toEqual({
      enabled: true,
      recipients: ['ops@example.com'],
      updatedAt: T0,
    });
  });

  it('writes a batch and its retention in one transaction', async () => {
    const executed: string[] = [];
    const database = track(new Database(freshPath(), { verbose: (sql) => executed.push(String(sql)) }));
    const store = track(createSqliteStore({ database }, { maxDocs: 10 }));
    executed.length = 0;
    await store.anomalies.insert(
      Array.from({ length: 25 }, (_, index) => anomalyFixture(`a${index}`, { startsAt: T0 + index })),
    );
    const begins = executed.filter((sql) => /^BEGIN/i.test(sql));
    const commits = executed.filter((sql) => /^COMMIT/i.test(sql));
    expect(begins).toEqual(['BEGIN IMMEDIATE']);
    expect(commits).toHaveLength(1);
    const inserts = executed.filter((sql) => sql.startsWith('INSERT INTO anomalies'));
    const deleteIndex = executed.findIndex((sql) => sql.startsWith('DELETE FROM anomalies'));
    expect(inserts).toHaveLength(25);
    expect(deleteIndex).toBeGreaterThan(executed.indexOf(inserts[24]!));
    expect(deleteIndex).toBeLessThan(executed.indexOf(commits[0]!));
    expect(await store.anomalies.count()).toBe(10);
  });

  it('prepares each statement once and reuses it', async () => {
    const database = track(new Database(':memory:'));
    const prepared: string[] = [];
    const prepare = database.prepare.bind(database);
    database.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof database.prepare;
    const store = track(createSqliteStore({ database }));
    prepared.length = 0;
    for (let round = 0; round < 3; round++) {
      await store.anomalies.insert([anomalyFixture(`a${round}`)]);
      await store.anomalies.list({ status: 'resolved' });
      await store.outbox.claim({ now: T0, limit: 5, leaseMs: 1000 });
    }
    expect(prepared.length).toBeGreaterThan(0);
    expect(new Set(prepared).size).toBe(prepared.length);
  });

  it('answers the server queries from indexes, without sorting in memory', async () => {
    const executed: string[] = [];
    const database = track(new Database(':memory:', { verbose: (sql) => executed.push(String(sql)) }));
    const store = track(createSqliteStore({ database }));
    await store.anomalies.insert(
      Array.from({ length: 30 }, (_, index) => anomalyFixture(`a${index}`, { startsAt: T0 + index })),
    );
    executed.length = 0;
    await store.anomalies.list();
    await store.anomalies.list({ status: 'firing', limit: 5 });
    await store.anomalies.findFiring('fp-a1');
    await store.anomalies.get('a1');
    await store.snapshots.list();
    await store.rca.list();
    await store.rca.getByAnomaly('a1');
    await store.rca.findLatestByFingerprint('fp-a1', T0);
    await store.chatSessions.list();
    await store.promptHistory.list();
    await store.promptHistory.list({ sessionId: 's1' });
    await store.outbox.list();
    await store.outbox.list({ status: 'pending' });
    await store.targets.list();
    await store.silences.list();
    const queries = executed.filter((sql) => sql.startsWith('SELECT'));
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const sql of queries) {
      const plan = (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map(
        (step) => step.detail,
      );
      for (const step of plan) {
        expect(step, `${sql}\n  plan: ${plan.join(' | ')}`).not.toMatch(/^SCAN \w+$/);
        expect(step, `${sql}\n  plan: ${plan.join(' | ')}`).not.toMatch(/TEMP B-TREE/);
      }
    }
    executed.length = 0;
    await store.outbox.claim({ now: T0, limit: 10, leaseMs: 1000 });
    const claim = executed.find((sql) => sql.startsWith('UPDATE outbox'))!;
    const claimPlan = (database.prepare(`EXPLAIN QUERY PLAN ${claim}`).all() as Array<{ detail: string }>)
      .map((step) => step.detail)
      .join(' | ');
    expect(claimPlan).toContain('USING INDEX outbox_due');
  });

  it('leaves a database it was given open, unless asked to close it', async () => {
    const database = new Database(freshPath());
    database.exec('CREATE TABLE application_data (x)');
    const store = createSqliteStore({ database });
    await store.snapshots.insert({ id: 's1', timestamp: T0, count: 0, metrics: [], targets: [], errors: [] });
    await store.close();
    await store.close();
    expect(database.open).toBe(true);
    expect(database.prepare('SELECT count(*) AS n FROM snapshots').get()).toEqual({ n: 1 });
    await expect(store.snapshots.count()).rejects.toMatchObject({ code: 'storage' });

    const closing = createSqliteStore({ database, closeDatabase: true });
    expect(await closing.snapshots.count()).toBe(1);
    await closing.close();
    expect(database.open).toBe(false);
  });

  it('turns a database the application closed underneath it into a storage error', async () => {
    const database = new Database(':memory:');
    const store = track(createSqliteStore({ database }));
    database.close();
    const error = await store.anomalies.list().catch((caught: unknown) => caught);
    expectStoreError(error, 'storage', ':memory:');
  });
});

describe('createSqliteStore on a bad file', () => {
  it('names the path when the file is not a database', () => {
    const path = freshPath('garbage');
    writeFileSync(path, 'this is not a database, just some text that happens to be long enough '.repeat(100));
    const error = catchError(() => createSqliteStore({ path }));
    expectStoreError(error, 'storage', path, 'file is not a database');
  });

  it('names the path when the pages of a database are damaged', async () => {
    const path = freshPath('damaged');
    const store = createSqliteStore({ path }, { maxDocs: Number.POSITIVE_INFINITY });
    await store.anomalies.insert(
      Array.from({ length: 400 }, (_, index) => anomalyFixture(`a${index}`, { startsAt: T0 + index })),
    );
    await store.close();
    const pageSize = 4096;
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(pageSize * 10);
    const descriptor = openSync(path, 'r+');
    const garbage = Buffer.alloc(size - pageSize, 0xa5);
    writeSync(descriptor, garbage, 0, garbage.length, pageSize);
    closeSync(descriptor);

    let error: unknown;
    try {
      const damaged = track(createSqliteStore({ path }));
      await damaged.anomalies.list();
    } catch (caught) {
      error = caught;
    }
    expectStoreError(error, 'storage', path);
    expect((error as PromptheusError).message).toMatch(/malformed|not a database|corrupt/);
  });

  it('opens a read-only file for reading and fails writes with a storage error naming the path', async () => {
    const path = freshPath('readonly');
    const writer = createSqliteStore({ path });
    await writer.anomalies.insert([anomalyFixture('a1')]);
    await writer.close();

    const reader = track(createSqliteStore({ path, readonly: true }));
    expect((await reader.anomalies.get('a1'))?.id).toBe('a1');
    const error = await reader.anomalies.insert([anomalyFixture('a2')]).catch((caught: unknown) => caught);
    expectStoreError(error, 'storage', path, 'readonly', 'read-only');
    expect(await reader.anomalies.count()).toBe(1);

    const given = track(new Database(path, { readonly: true }));
    const onGiven = track(createSqliteStore({ database: given }));
    const givenError = await onGiven.outbox
      .claim({ now: T0, limit: 1, leaseMs: 1 })
      .catch((caught: unknown) => caught);
    expectStoreError(givenError, 'storage', path, 'read-only');
  });

  it('refuses to open a read-only file that is missing or has an older schema', () => {
    const missing = join(directory, 'does-not-exist.db');
    expectStoreError(
      catchError(() => createSqliteStore({ path: missing, readonly: true })),
      'storage',
      missing,
    );
    const empty = freshPath('empty');
    new Database(empty).close();
    expectStoreError(
      catchError(() => createSqliteStore({ path: empty, readonly: true })),
      'storage',
      empty,
      'schema version is 0',
    );
  });

  it('refuses a file written by a newer version', () => {
    const path = freshPath('newer');
    const database = new Database(path);
    database.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    database.close();
    expectStoreError(
      catchError(() => createSqliteStore({ path })),
      'storage',
      path,
      'newer',
    );
  });

  it('names the path when its directory does not exist', () => {
    const path = join(directory, 'no', 'such', 'directory', 'store.db');
    expectStoreError(
      catchError(() => createSqliteStore({ path })),
      'storage',
      path,
    );
  });

  it('fails with a retryable storage error when another connection holds the write lock too long', async () => {
    const path = freshPath('busy');
    const store = track(createSqliteStore({ path, busyTimeoutMs: 50 }));
    const other = track(new Database(path));
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await store.anomalies.insert([anomalyFixture('a1')]).catch((caught: unknown) => caught);
      const storageError = expectStoreError(error, 'storage', path, 'locked');
      expect(storageError.retryable).toBe(true);
    } finally {
      other.exec('ROLLBACK');
    }
    await store.anomalies.insert([anomalyFixture('a1')]);
    expect(await store.anomalies.count()).toBe(1);
  });

  it('rejects bad options with code config', () => {
    expectStoreError(
      catchError(() => createSqliteStore({ path: '' })),
      'config',
      'path',
      'SQLITE_PATH',
    );
    expectStoreError(
      catchError(() => createSqliteStore(undefined as never)),
      'config',
      '{ path }',
    );
    expectStoreError(
      catchError(() => createSqliteStore({ database: {} as never })),
      'config',
      'better-sqlite3',
    );
    expectStoreError(
      catchError(() => createSqliteStore({ path: ':memory:' }, { maxDocs: -1 })),
      'config',
      'maxDocs',
    );
    expectStoreError(
      catchError(() => createSqliteStore({ path: ':memory:', busyTimeoutMs: -5 })),
      'config',
      'busyTimeoutMs',
    );
  });

  it('reports a damaged row instead of returning it', async () => {
    const store = track(createSqliteStore({ path: ':memory:' }));
    await store.anomalies.insert([anomalyFixture('a1')]);
    store.database.prepare("UPDATE anomalies SET labels = '{not json' WHERE id = 'a1'").run();
    const error = await store.anomalies.get('a1').catch((caught: unknown) => caught);
    expectStoreError(error, 'storage', 'anomalies', 'a1');
    store.database
      .prepare("UPDATE anomalies SET labels = '{}', severity = 'apocalyptic' WHERE id = 'a1'")
      .run();
    expectStoreError(await store.anomalies.list().catch((caught: unknown) => caught), 'storage', 'severity');
  });
});
