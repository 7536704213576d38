import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Notification } from '@promptheus/core';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const worker = fileURLToPath(new URL('./fixtures/store-worker.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'promptheus-sqlite-crash-'));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Worker {
  readonly child: ChildProcess;
  /** Lines printed so far. */
  readonly lines: string[];
  /** Resolves once `count` lines were printed. */
  linesReached(count: number): Promise<void>;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the worker script in its own Node process (TypeScript through tsx, the workspace paths through tsconfig). */
function startWorker(mode: 'write' | 'claim', path: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, mode, path], {
    cwd: repositoryRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line.length > 0));
    for (const waiter of waiters.splice(0)) {
      if (lines.length >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    },
  );
  return {
    child,
    lines,
    exited,
    linesReached: (count) =>
      Promise.race([
        new Promise<void>((resolve) => {
          if (lines.length >= count) resolve();
          else waiters.push({ count, resolve });
        }),
        exited.then(({ code, signal }) => {
          throw new Error(
            `worker ended (code ${code}, signal ${signal}) after ${lines.length} lines:\n${stderr}`,
          );
        }),
      ]),
  };
}

function notification(id: string, nextAttemptAt: number): Notification {
  return {
    id,
    channel: 'webhook',
    dedupeKey: `dedupe-${id}`,
    groupKey: 'group',
    payload: {
      kind: 'test',
      title: 'test',
      severity: 'low',
      alerts: [],
      url: null,
      createdAt: nextAttemptAt,
    },
    status: 'pending',
    attempts: 0,
    nextAttemptAt,
    leaseUntil: null,
    lastError: null,
    createdAt: nextAttemptAt,
    updatedAt: nextAttemptAt,
    deliveredAt: null,
  };
}

describe('SQLite store crash safety', () => {
  it('keeps every write a killed process reported as committed, in an intact file', async () => {
    const path = join(directory, 'crash.db');
    const writer = startWorker('write', path);
    // 'ready' plus at least 400 committed ids; the process is killed while it keeps writing.
    await writer.linesReached(401);
    writer.child.kill('SIGKILL');
    const { signal } = await writer.exited;
    expect(signal).toBe('SIGKILL');
    const reported = writer.lines.filter((line) => line !== 'ready');
    expect(reported.length).toBeGreaterThanOrEqual(400);

    const database = new Database(path);
    try {
      expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      database.close();
    }
    const store = createSqliteStore({ path }, { maxDocs: Number.POSITIVE_INFINITY });
    try {
      const stored = new Set(
        (store.database.prepare('SELECT id FROM anomalies').pluck().all() as string[]).map(String),
      );
      const missing = reported.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      // The rows are whole records, not just ids.
      const last = await store.anomalies.get(reported.at(-1)!);
      expect(last).toMatchObject({ metric: 'crash_test_metric', labels: { note: 'ünïcödé "quoted"' } });
    } finally {
      await store.close();
    }
  });

  it('never hands one notification to two processes claiming from the same file', async () => {
    const path = join(directory, 'claims.db');
    const seed = createSqliteStore({ path }, { maxDocs: Number.POSITIVE_INFINITY });
    const total = 300;
    for (let index = 0; index < total; index++) {
      await seed.outbox.enqueue(notification(`n${String(index).padStart(3, '0')}`, 1000 + index));
    }
    await seed.close();

    // The workers start claiming at the same moment, once all of them are ready.
    const workers = [1, 2, 3].map(() => startWorker('claim', path));
    await Promise.all(workers.map((item) => item.linesReached(1)));
    for (const item of workers) item.child.stdin!.end('go\n');
    const results = await Promise.all(workers.map((item) => item.exited));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const claimed = workers.flatMap((item) => item.lines.filter((line) => line !== 'ready'));
    expect(claimed).toHaveLength(total);
    expect(new Set(claimed).size).toBe(total);
    // They really competed: more than one of them got work.
    expect(workers.filter((item) => item.lines.length > 1).length).toBeGreaterThan(1);

    const store = createSqliteStore({ path });
    try {
      const all = await store.outbox.list({ limit: total });
      expect(all.every((item) => item.status === 'in_flight' && item.attempts === 1)).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);
});
