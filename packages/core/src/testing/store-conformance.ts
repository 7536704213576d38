import { afterEach, describe, expect, it } from 'vitest';
import type { AnomalyPatch, Store, StoreOptions } from '../contracts/store.js';
import { PromptheusError, type PromptheusErrorCode } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { ChatMessage, ChatSession } from '../model/chat-session.js';
import type { EmailConfig } from '../model/email-config.js';
import type { MetricSnapshot } from '../model/metric-snapshot.js';
import type { Notification } from '../model/notification.js';
import type { PromptHistoryEntry } from '../model/prompt-history-entry.js';
import type { Rca } from '../model/rca.js';
import type { Silence } from '../model/silence.js';
import type { Target } from '../model/target.js';

/** What {@link runStoreConformance} needs to test a store implementation. */
export interface StoreConformanceOptions {
  /** Name shown in the test titles, e.g. `sqlite (file)`. */
  readonly name: string;
  /**
   * Creates a new, empty store with the given options. Called at least once per test; every store
   * it returns is closed by the suite after the test.
   */
  createStore(options?: StoreOptions): Promise<Store>;
  /**
   * Called after each test for every store the test created, before the suite closes it: drop a
   * database, delete a file. @default nothing
   */
  destroyStore?(store: Store): Promise<void>;
}

/** Base time of the fixtures (ms): 2023-11-14T22:13:20Z. */
const T0 = 1_700_000_000_000;

/** Labels that break naive escaping: quotes, backslashes, newlines, non-ASCII, emoji, empty values. */
const TRICKY_LABELS: Readonly<Record<string, string>> = {
  instance: 'db-1:9100',
  path: 'C:\\data\\"quoted" \'single\'',
  note: 'line one\nline two\ttab',
  unicode: 'ünïcödé – 日本語 – 🔥',
  empty: '',
  'odd.key-name_1': '{"$ne": null}',
};

function anomaly(id: string, overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    id,
    fingerprint: `fp-${id}`,
    metric: 'node_cpu_usage',
    labels: { instance: 'server1:9100', job: 'node' },
    value: 97.5,
    score: 0.9,
    severity: 'high',
    reason: 'value 97.5 is above the threshold 90',
    detector: 'threshold',
    target: 'prod',
    status: 'firing',
    evidence: { threshold: 90, zScore: 4.2 },
    startsAt: T0,
    endsAt: null,
    updatedAt: T0,
    acknowledgedAt: null,
    ...overrides,
  };
}

function snapshot(id: string, timestamp: number, overrides: Partial<MetricSnapshot> = {}): MetricSnapshot {
  return {
    id,
    timestamp,
    count: 2,
    metrics: [
      { metric: 'up', labels: { job: 'node' }, value: 1 },
      { metric: 'temperature', labels: TRICKY_LABELS, value: null },
    ],
    targets: ['prod'],
    errors: [],
    ...overrides,
  };
}

function rca(id: string, overrides: Partial<Rca> = {}): Rca {
  return {
    id,
    anomalyId: 'anomaly-1',
    fingerprint: 'fp-1',
    summary: 'CPU usage on server1 is far above normal.',
    simplified: 'The server is working much harder than usual.',
    cause: 'A runaway process — "backup.sh" — is using all cores.',
    fix: 'Stop the backup job and reschedule it off-peak.',
    source: 'llm',
    provider: 'gemini',
    model: 'gemini-2.5-flash',
    usage: { promptTokens: 120, completionTokens: 80, totalTokens: 200 },
    fallbackReason: null,
    createdAt: T0,
    ...overrides,
  };
}

function target(id: string, name: string, overrides: Partial<Target> = {}): Target {
  return {
    id,
    name,
    url: `http://${name}.example:9090`,
    enabled: true,
    selectors: ['up', '{job="node"}'],
    auth: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function message(content: string, timestamp: number, role: ChatMessage['role'] = 'user'): ChatMessage {
  return {
    role,
    content,
    promql: role === 'assistant' ? 'rate(http_requests_total{route="/checkout"}[5m])' : null,
    usage: role === 'assistant' ? { promptTokens: 10, completionTokens: 5, totalTokens: 15 } : null,
    timestamp,
  };
}

function chatSession(id: string, updatedAt: number, overrides: Partial<ChatSession> = {}): ChatSession {
  return {
    id,
    title: `Session ${id} – “quoted” ✓`,
    messages: [message('show CPU usage for server1', updatedAt)],
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    createdAt: updatedAt,
    updatedAt,
    ...overrides,
  };
}

function promptEntry(
  id: string,
  createdAt: number,
  overrides: Partial<PromptHistoryEntry> = {},
): PromptHistoryEntry {
  return {
    id,
    prompt: 'p95 checkout latency last hour by route',
    promql: 'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))',
    intent: 'latency',
    success: true,
    error: null,
    translator: 'offline',
    latencyMs: 12.5,
    usage: null,
    sessionId: null,
    createdAt,
    ...overrides,
  };
}

function silence(id: string, startsAt: number, endsAt: number, overrides: Partial<Silence> = {}): Silence {
  return {
    id,
    matchers: [
      { name: 'instance', value: 'server1:9100', isRegex: false, isEqual: true },
      { name: 'severity', value: 'low|medium', isRegex: true, isEqual: false },
    ],
    startsAt,
    endsAt,
    createdBy: 'ops@example.com',
    comment: 'maintenance window',
    createdAt: startsAt,
    ...overrides,
  };
}

function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  const alertAnomaly = anomaly(`anomaly-of-${id}`, { labels: TRICKY_LABELS });
  return {
    id,
    channel: 'email',
    dedupeKey: `dedupe-${id}`,
    groupKey: 'prod/node_cpu_usage',
    payload: {
      kind: 'firing',
      title: '[high] node_cpu_usage on prod',
      severity: 'high',
      alerts: [
        { anomaly: alertAnomaly, rca: rca(`rca-of-${id}`, { anomalyId: alertAnomaly.id }) },
        { anomaly: anomaly(`second-of-${id}`, { value: null }), rca: null },
      ],
      url: null,
      createdAt: T0,
    },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: T0,
    leaseUntil: null,
    lastError: null,
    createdAt: T0,
    updatedAt: T0,
    deliveredAt: null,
    ...overrides,
  };
}

/** Awaits a promise that must reject with a `PromptheusError` of the given code, and returns the error. */
async function expectCode(promise: Promise<unknown>, code: PromptheusErrorCode): Promise<PromptheusError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected the call to fail with code ${code}`).toBeDefined();
  expect(PromptheusError.isInstance(caught), `expected a PromptheusError, got ${String(caught)}`).toBe(true);
  expect((caught as PromptheusError).code).toBe(code);
  return caught as PromptheusError;
}

const ids = (records: ReadonlyArray<{ readonly id: string }>) => records.map((record) => record.id);

/**
 * Registers the store conformance suite with vitest: every repository method of the `Store`
 * contract, ordering and paging, filters, conflicts, retention, the outbox's claim semantics,
 * concurrent writers and claimers, exact round-trips and copy semantics. Call it at the top level
 * of a test file; every store implementation must pass it.
 *
 * @example
 * ```ts
 * // my-store.test.ts
 * import { runStoreConformance } from '@promptheus/core/testing';
 * import { createMyStore } from './my-store.js';
 *
 * runStoreConformance({ name: 'my store', createStore: async (options) => createMyStore(options) });
 * ```
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const opened: Store[] = [];

  /** Creates a store that is destroyed and closed after the test. */
  const open = async (storeOptions?: StoreOptions): Promise<Store> => {
    const store = await options.createStore(storeOptions);
    opened.push(store);
    return store;
  };

  describe(`store conformance: ${options.name}`, () => {
    afterEach(async () => {
      const stores = opened.splice(0);
      for (const store of stores) {
        try {
          await options.destroyStore?.(store);
        } finally {
          await store.close();
        }
      }
    });

    describe('lifecycle and options', () => {
      it('reports its kind and closes twice without error', async () => {
        const store = await open();
        expect(typeof store.kind).toBe('string');
        expect(store.kind.length).toBeGreaterThan(0);
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });

      it('fails with code storage when used after close', async () => {
        const store = await open();
        await store.close();
        await expectCode(store.anomalies.list(), 'storage');
        await expectCode(store.snapshots.insert(snapshot('after-close', T0)), 'storage');
      });

      it('rejects a maxDocs that is not a positive integer or Infinity with code config', async () => {
        for (const maxDocs of [0, -1, 1.5, Number.NaN]) {
          const error = await expectCode(open({ maxDocs }), 'config');
          expect(error.message).toContain('maxDocs');
        }
      });
    });

    describe('snapshots', () => {
      it('lists newest first by timestamp, ties by id descending, with limit and offset', async () => {
        const store = await open();
        const timestamps: Record<string, number> = {
          s1: T0 + 3,
          s2: T0 + 1,
          s3: T0 + 5,
          s4: T0 + 5,
          s5: T0 + 2,
        };
        for (const [id, timestamp] of Object.entries(timestamps)) {
          await store.snapshots.insert(snapshot(id, timestamp));
        }
        expect(ids(await store.snapshots.list())).toEqual(['s4', 's3', 's1', 's5', 's2']);
        expect(ids(await store.snapshots.list({ limit: 2 }))).toEqual(['s4', 's3']);
        expect(ids(await store.snapshots.list({ limit: 2, offset: 1 }))).toEqual(['s3', 's1']);
        expect(ids(await store.snapshots.list({ offset: 4 }))).toEqual(['s2']);
        expect(await store.snapshots.list({ offset: 5 })).toEqual([]);
        expect(await store.snapshots.list({ limit: 0 })).toEqual([]);
        expect(await store.snapshots.count()).toBe(5);
      });

      it('returns 20 records when no limit is given', async () => {
        const store = await open({ maxDocs: Number.POSITIVE_INFINITY });
        for (let index = 0; index < 25; index++) {
          await store.snapshots.insert(snapshot(`s${String(index).padStart(2, '0')}`, T0 + index));
        }
        const listed = await store.snapshots.list();
        expect(listed).toHaveLength(20);
        expect(listed[0]!.id).toBe('s24');
        expect(listed[19]!.id).toBe('s05');
      });

      it('round-trips a snapshot exactly, null values and tricky labels included', async () => {
        const store = await open();
        const original = snapshot('round-trip', T0, {
          count: 123_456,
          errors: ['staging: connect ECONNREFUSED 127.0.0.1:9090', 'édge: "bad" \\ answer'],
          targets: ['prod', 'staging', 'édge'],
        });
        await store.snapshots.insert(original);
        expect(await store.snapshots.list()).toEqual([original]);
      });

      it('fails with code conflict on a duplicate id and keeps the first', async () => {
        const store = await open();
        await store.snapshots.insert(snapshot('dup', T0, { count: 1 }));
        await expectCode(store.snapshots.insert(snapshot('dup', T0 + 1, { count: 2 })), 'conflict');
        const listed = await store.snapshots.list();
        expect(listed).toHaveLength(1);
        expect(listed[0]!.count).toBe(1);
      });

      it('keeps at most maxDocs, deleting the oldest by timestamp first', async () => {
        const store = await open({ maxDocs: 3 });
        for (let index = 1; index <= 5; index++)
          await store.snapshots.insert(snapshot(`s${index}`, T0 + index));
        expect(await store.snapshots.count()).toBe(3);
        expect(ids(await store.snapshots.list())).toEqual(['s5', 's4', 's3']);
        // A record older than everything kept is itself the oldest, so it goes.
        await store.snapshots.insert(snapshot('ancient', T0 - 1000));
        expect(ids(await store.snapshots.list())).toEqual(['s5', 's4', 's3']);
      });

      it('keeps 100 per collection by default', async () => {
        const store = await open();
        for (let index = 0; index < 105; index++)
          await store.snapshots.insert(snapshot(`s${index}`, T0 + index));
        expect(await store.snapshots.count()).toBe(100);
        const oldest = (await store.snapshots.list({ limit: 1, offset: 99 }))[0];
        expect(oldest?.id).toBe('s5');
      });

      it('rejects a limit or offset that is not a non-negative integer with code invalid_input', async () => {
        const store = await open();
        for (const page of [
          { limit: -1 },
          { limit: 1.5 },
          { offset: -3 },
          { limit: '10' as unknown as number },
        ]) {
          const error = await expectCode(store.snapshots.list(page), 'invalid_input');
          expect(error.message).toMatch(/limit|offset/);
        }
      });
    });

    describe('anomalies', () => {
      it('round-trips anomalies exactly: tricky labels, null value, evidence of every kind', async () => {
        const store = await open();
        const first = anomaly('a1', {
          labels: TRICKY_LABELS,
          value: null,
          evidence: { mean: 0.1 + 0.2, stddev: 1e-300, label: 'naïve "quote"', flag: true, missing: null },
        });
        const second = anomaly('a2', {
          status: 'resolved',
          value: -123456.789e10,
          score: 0,
          severity: 'critical',
          evidence: {},
          endsAt: T0 + 60_000,
          updatedAt: T0 + 60_000,
          acknowledgedAt: T0 + 30_000,
          reason: 'multi\nline — reason with ✓',
        });
        await store.anomalies.insert([first, second]);
        expect(await store.anomalies.get('a1')).toEqual(first);
        expect(await store.anomalies.get('a2')).toEqual(second);
        expect(await store.anomalies.get('missing')).toBeNull();
      });

      it('inserts nothing and fails with code conflict when one id of a batch already exists', async () => {
        const store = await open();
        await store.anomalies.insert([anomaly('a1')]);
        await expectCode(
          store.anomalies.insert([anomaly('b1'), anomaly('a1', { fingerprint: 'other' })]),
          'conflict',
        );
        expect(await store.anomalies.get('b1')).toBeNull();
        await expectCode(
          store.anomalies.insert([anomaly('c1'), anomaly('c1', { fingerprint: 'c1-bis' })]),
          'conflict',
        );
        expect(await store.anomalies.get('c1')).toBeNull();
        expect(await store.anomalies.count()).toBe(1);
      });

      it('allows one firing anomaly per fingerprint', async () => {
        const store = await open();
        await store.anomalies.insert([anomaly('a1', { fingerprint: 'shared' })]);
        await expectCode(store.anomalies.insert([anomaly('a2', { fingerprint: 'shared' })]), 'conflict');
        await expectCode(
          store.anomalies.insert([
            anomaly('b1', { fingerprint: 'twice' }),
            anomaly('b2', { fingerprint: 'twice' }),
          ]),
          'conflict',
        );
        expect(await store.anomalies.count()).toBe(1);
        // Resolved anomalies of the same fingerprint are history and may be many.
        await store.anomalies.insert([
          anomaly('r1', { fingerprint: 'shared', status: 'resolved', endsAt: T0 + 1 }),
          anomaly('r2', { fingerprint: 'shared', status: 'resolved', endsAt: T0 + 2 }),
        ]);
        expect((await store.anomalies.findFiring('shared'))?.id).toBe('a1');
        await expectCode(store.anomalies.update('r1', { status: 'firing', endsAt: null }), 'conflict');
        expect((await store.anomalies.get('r1'))?.status).toBe('resolved');
      });

      it('updates fields in place, resolves, and lets the fingerprint fire again', async () => {
        const store = await open();
        await store.anomalies.insert([anomaly('a1', { fingerprint: 'cpu' })]);
        const updated = await store.anomalies.update('a1', {
          value: 99.25,
          score: 0.95,
          severity: 'critical',
          evidence: { threshold: 90, latest: 99.25 },
          updatedAt: T0 + 30_000,
        });
        const expected = anomaly('a1', {
          fingerprint: 'cpu',
          value: 99.25,
          score: 0.95,
          severity: 'critical',
          evidence: { threshold: 90, latest: 99.25 },
          updatedAt: T0 + 30_000,
        });
        expect(updated).toEqual(expected);
        expect(await store.anomalies.get('a1')).toEqual(expected);
        expect(await store.anomalies.findFiring('cpu')).toEqual(expected);

        const resolved = await store.anomalies.update('a1', {
          status: 'resolved',
          endsAt: T0 + 60_000,
          updatedAt: T0 + 60_000,
          value: null,
        });
        expect(resolved).toMatchObject({ status: 'resolved', endsAt: T0 + 60_000, value: null });
        expect(await store.anomalies.findFiring('cpu')).toBeNull();

        await store.anomalies.insert([anomaly('a2', { fingerprint: 'cpu', startsAt: T0 + 90_000 })]);
        expect((await store.anomalies.findFiring('cpu'))?.id).toBe('a2');
        expect(await store.anomalies.update('missing', { value: 1 })).toBeNull();
        expect(await store.anomalies.findFiring('never-seen')).toBeNull();
      });

      it('ignores fields outside the patch (id, fingerprint) and undefined values', async () => {
        const store = await open();
        const original = anomaly('a1');
        await store.anomalies.insert([original]);
        const hostile = {
          reason: 'changed',
          id: 'hijack',
          fingerprint: 'other',
          value: undefined,
        } as AnomalyPatch;
        const updated = await store.anomalies.update('a1', hostile);
        expect(updated).toEqual({ ...original, reason: 'changed' });
        expect(await store.anomalies.get('hijack')).toBeNull();
        expect(await store.anomalies.get('a1')).toEqual({ ...original, reason: 'changed' });
      });

      it('lists newest first by startsAt and filters by status, severity, since and target', async () => {
        const store = await open();
        await store.anomalies.insert([
          anomaly('a1', { startsAt: T0 + 1000, target: 'prod', severity: 'low' }),
          anomaly('a2', { startsAt: T0 + 2000, target: 'staging', severity: 'high', status: 'resolved' }),
          anomaly('a3', { startsAt: T0 + 3000, target: 'prod', severity: 'high' }),
          anomaly('a4', { startsAt: T0 + 3000, target: 'prod', severity: 'critical', status: 'resolved' }),
          anomaly('a5', { startsAt: T0 + 5000, target: 'staging', severity: 'high' }),
          anomaly('a6', { startsAt: T0 - 5000, target: 'prod', severity: 'medium', status: 'resolved' }),
        ]);
        const list = async (query: Parameters<Store['anomalies']['list']>[0]) =>
          ids(await store.anomalies.list(query));
        expect(await list({})).toEqual(['a5', 'a4', 'a3', 'a2', 'a1', 'a6']);
        expect(await list({ status: 'firing' })).toEqual(['a5', 'a3', 'a1']);
        expect(await list({ status: 'resolved' })).toEqual(['a4', 'a2', 'a6']);
        expect(await list({ severity: 'high' })).toEqual(['a5', 'a3', 'a2']);
        expect(await list({ since: T0 + 3000 })).toEqual(['a5', 'a4', 'a3']);
        expect(await list({ target: 'staging' })).toEqual(['a5', 'a2']);
        expect(await list({ target: 'prod', status: 'firing', severity: 'high' })).toEqual(['a3']);
        expect(await list({ target: 'nowhere' })).toEqual([]);
        expect(await list({ limit: 2, offset: 2 })).toEqual(['a3', 'a2']);
        expect(await list({ status: 'resolved', limit: 1, offset: 1 })).toEqual(['a2']);
        expect(await store.anomalies.count()).toBe(6);
        expect(await store.anomalies.count({ status: 'firing' })).toBe(3);
        expect(await store.anomalies.count({ target: 'prod', since: T0 })).toBe(3);
        expect(await store.anomalies.count({ severity: 'critical', status: 'firing' })).toBe(0);
      });

      it('rejects filters that are not plain values with code invalid_input', async () => {
        const store = await open();
        await store.anomalies.insert([anomaly('a1')]);
        const hostile = { $ne: null } as unknown as string;
        await expectCode(store.anomalies.get(hostile), 'invalid_input');
        await expectCode(store.anomalies.findFiring(hostile), 'invalid_input');
        await expectCode(store.anomalies.list({ target: hostile }), 'invalid_input');
        await expectCode(store.anomalies.list({ status: 'bogus' as 'firing' }), 'invalid_input');
        await expectCode(store.anomalies.list({ status: hostile as 'firing' }), 'invalid_input');
        await expectCode(store.anomalies.count({ severity: 'urgent' as 'high' }), 'invalid_input');
        await expectCode(store.anomalies.list({ since: { $gt: 0 } as unknown as number }), 'invalid_input');
        await expectCode(store.anomalies.list({ limit: -5 }), 'invalid_input');
      });

      it('keeps at most maxDocs, deleting the oldest resolved first and never a firing one', async () => {
        const store = await open({ maxDocs: 5 });
        const batch = Array.from({ length: 8 }, (_, index) =>
          anomaly(`a${index + 1}`, {
            startsAt: T0 + index + 1,
            status: index < 2 ? 'firing' : 'resolved',
            endsAt: index < 2 ? null : T0 + 100,
          }),
        );
        await store.anomalies.insert(batch);
        // a1, a2 fire (and are the oldest): kept. Of the resolved a3..a8 the three oldest go.
        expect(ids(await store.anomalies.list())).toEqual(['a8', 'a7', 'a6', 'a2', 'a1']);

        const firing = Array.from({ length: 7 }, (_, index) =>
          anomaly(`f${index}`, { startsAt: T0 + 50 + index }),
        );
        await store.anomalies.insert(firing);
        // Over the limit with only firing anomalies left: all of them stay.
        expect(await store.anomalies.count()).toBe(9);
        expect(await store.anomalies.count({ status: 'resolved' })).toBe(0);
      });
    });

    describe('rca', () => {
      it('round-trips and finds the newest RCA of an anomaly', async () => {
        const store = await open();
        const older = rca('r1', { anomalyId: 'x', createdAt: T0 + 1 });
        const newer = rca('r2', {
          anomalyId: 'x',
          createdAt: T0 + 2,
          source: 'fallback',
          provider: null,
          model: null,
          usage: null,
          fallbackReason: 'LLM timed out after 10000 ms',
        });
        await store.rca.insert(newer);
        await store.rca.insert(older);
        await store.rca.insert(rca('r3', { anomalyId: 'y', createdAt: T0 + 3 }));
        expect(await store.rca.getByAnomaly('x')).toEqual(newer);
        expect(await store.rca.getByAnomaly('nothing')).toBeNull();
        expect(ids(await store.rca.list())).toEqual(['r3', 'r2', 'r1']);
        expect(await store.rca.count()).toBe(3);
      });

      it('finds the latest RCA of a fingerprint created at or after since', async () => {
        const store = await open();
        await store.rca.insert(rca('r1', { fingerprint: 'fp', createdAt: T0 + 10 }));
        await store.rca.insert(rca('r2', { fingerprint: 'fp', createdAt: T0 + 20 }));
        await store.rca.insert(rca('r3', { fingerprint: 'other', createdAt: T0 + 30 }));
        expect((await store.rca.findLatestByFingerprint('fp'))?.id).toBe('r2');
        expect((await store.rca.findLatestByFingerprint('fp', T0 + 20))?.id).toBe('r2');
        expect(await store.rca.findLatestByFingerprint('fp', T0 + 21)).toBeNull();
        expect(await store.rca.findLatestByFingerprint('unknown')).toBeNull();
      });

      it('fails with code conflict on a duplicate id and keeps at most maxDocs', async () => {
        const store = await open({ maxDocs: 2 });
        await store.rca.insert(rca('r1', { createdAt: T0 + 1 }));
        await expectCode(store.rca.insert(rca('r1', { createdAt: T0 + 9 })), 'conflict');
        await store.rca.insert(rca('r2', { createdAt: T0 + 2 }));
        await store.rca.insert(rca('r3', { createdAt: T0 + 3 }));
        expect(ids(await store.rca.list())).toEqual(['r3', 'r2']);
        expect(await store.rca.count()).toBe(2);
      });
    });

    describe('targets', () => {
      it('creates, reads and lists targets by name, filtered by enabled', async () => {
        const store = await open();
        const withAuth = target('t1', 'zeta', {
          auth: { type: 'basic', username: 'admin', password: 'p@ss "word" ✓' },
          selectors: ['{__name__=~"node_.+"}'],
        });
        await store.targets.create(withAuth);
        await store.targets.create(
          target('t2', 'alpha', { enabled: false, auth: { type: 'bearer', token: 'tok' } }),
        );
        await store.targets.create(target('t3', 'mid', { selectors: [] }));
        expect(await store.targets.get('t1')).toEqual(withAuth);
        expect(await store.targets.get('missing')).toBeNull();
        expect((await store.targets.list()).map((item) => item.name)).toEqual(['alpha', 'mid', 'zeta']);
        expect((await store.targets.list({ enabled: true })).map((item) => item.name)).toEqual([
          'mid',
          'zeta',
        ]);
        expect((await store.targets.list({ enabled: false })).map((item) => item.name)).toEqual(['alpha']);
      });

      it('fails with code conflict on a taken id or name', async () => {
        const store = await open();
        await store.targets.create(target('t1', 'prod'));
        await expectCode(store.targets.create(target('t1', 'other')), 'conflict');
        await expectCode(store.targets.create(target('t2', 'prod')), 'conflict');
        expect(await store.targets.list()).toHaveLength(1);
      });

      it('updates fields, refuses a taken name and never changes id or createdAt', async () => {
        const store = await open();
        await store.targets.create(target('t1', 'prod'));
        await store.targets.create(target('t2', 'staging'));
        const updated = await store.targets.update('t1', {
          url: 'https://prom.internal:9443',
          enabled: false,
          updatedAt: T0 + 5,
          ...({ id: 'hijack', createdAt: 1 } as object),
        });
        expect(updated).toEqual(
          target('t1', 'prod', { url: 'https://prom.internal:9443', enabled: false, updatedAt: T0 + 5 }),
        );
        await expectCode(store.targets.update('t1', { name: 'staging' }), 'conflict');
        expect((await store.targets.get('t1'))?.name).toBe('prod');
        expect((await store.targets.update('t1', { name: 'production' }))?.name).toBe('production');
        expect((await store.targets.list()).map((item) => item.name)).toEqual(['production', 'staging']);
        // The old name is free again.
        await store.targets.create(target('t3', 'prod'));
        expect(await store.targets.update('missing', { enabled: true })).toBeNull();
        expect(await store.targets.get('hijack')).toBeNull();
      });

      it('deletes and reports whether the target existed', async () => {
        const store = await open();
        await store.targets.create(target('t1', 'prod'));
        expect(await store.targets.delete('t1')).toBe(true);
        expect(await store.targets.delete('t1')).toBe(false);
        expect(await store.targets.get('t1')).toBeNull();
        expect(await store.targets.list()).toEqual([]);
      });
    });

    describe('email config', () => {
      it('is null until set, then returns the latest configuration', async () => {
        const store = await open();
        expect(await store.emailConfig.get()).toBeNull();
        const first: EmailConfig = {
          enabled: true,
          recipients: ['ops@example.com', 'sre+alerts@example.org'],
          updatedAt: T0,
        };
        await store.emailConfig.set(first);
        expect(await store.emailConfig.get()).toEqual(first);
        const second: EmailConfig = { enabled: false, recipients: [], updatedAt: T0 + 1 };
        await store.emailConfig.set(second);
        expect(await store.emailConfig.get()).toEqual(second);
      });
    });

    describe('chat sessions', () => {
      it('creates, reads, appends with summed usage and lists by updatedAt', async () => {
        const store = await open();
        const first = chatSession('c1', T0 + 1, {
          usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
        });
        await store.chatSessions.create(first);
        await store.chatSessions.create(chatSession('c2', T0 + 2));
        expect(await store.chatSessions.get('c1')).toEqual(first);
        expect(ids(await store.chatSessions.list())).toEqual(['c2', 'c1']);

        const reply = message('Here is CPU usage for server1.', T0 + 10, 'assistant');
        const followUp = message('and memory?', T0 + 11);
        const appended = await store.chatSessions.append(
          'c1',
          [reply, followUp],
          { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
          T0 + 11,
        );
        const expected: ChatSession = {
          ...first,
          messages: [...first.messages, reply, followUp],
          usage: { promptTokens: 11, completionTokens: 7, totalTokens: 18 },
          updatedAt: T0 + 11,
        };
        expect(appended).toEqual(expected);
        expect(await store.chatSessions.get('c1')).toEqual(expected);
        expect(ids(await store.chatSessions.list())).toEqual(['c1', 'c2']);
        expect(ids(await store.chatSessions.list({ limit: 1, offset: 1 }))).toEqual(['c2']);
        expect(
          await store.chatSessions.append(
            'missing',
            [followUp],
            { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
            T0,
          ),
        ).toBeNull();
        expect(await store.chatSessions.count()).toBe(2);
      });

      it('deletes, fails with code conflict on a duplicate id and keeps at most maxDocs', async () => {
        const store = await open({ maxDocs: 2 });
        await store.chatSessions.create(chatSession('c1', T0 + 1));
        await expectCode(store.chatSessions.create(chatSession('c1', T0 + 5)), 'conflict');
        await store.chatSessions.create(chatSession('c2', T0 + 2));
        await store.chatSessions.create(chatSession('c3', T0 + 3));
        expect(ids(await store.chatSessions.list())).toEqual(['c3', 'c2']);
        expect(await store.chatSessions.delete('c2')).toBe(true);
        expect(await store.chatSessions.delete('c2')).toBe(false);
        expect(await store.chatSessions.get('c2')).toBeNull();
        expect(await store.chatSessions.count()).toBe(1);
      });

      it('applies every one of many concurrent appends', async () => {
        const store = await open();
        await store.chatSessions.create(chatSession('c1', T0, { messages: [] }));
        const appends = Array.from({ length: 20 }, (_, index) =>
          store.chatSessions.append(
            'c1',
            [message(`message ${index}`, T0 + index)],
            { promptTokens: 2, completionTokens: 1, totalTokens: 3 },
            T0 + index,
          ),
        );
        await Promise.all(appends);
        const session = await store.chatSessions.get('c1');
        expect(session?.messages.map((item) => item.content).sort()).toEqual(
          Array.from({ length: 20 }, (_, index) => `message ${index}`).sort(),
        );
        expect(session?.usage).toEqual({ promptTokens: 40, completionTokens: 20, totalTokens: 60 });
      });
    });

    describe('prompt history', () => {
      it('round-trips, lists newest first, filters by session and keeps at most maxDocs', async () => {
        const store = await open({ maxDocs: 3 });
        const failed = promptEntry('p1', T0 + 1, {
          success: false,
          promql: null,
          error: 'unknown metric "foo_bar"',
          translator: null,
          usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
          sessionId: 'c1',
        });
        await store.promptHistory.insert(failed);
        await store.promptHistory.insert(promptEntry('p2', T0 + 2, { sessionId: 'c1' }));
        await store.promptHistory.insert(promptEntry('p3', T0 + 3));
        expect((await store.promptHistory.list({ limit: 1, offset: 2 }))[0]).toEqual(failed);
        expect(ids(await store.promptHistory.list())).toEqual(['p3', 'p2', 'p1']);
        expect(ids(await store.promptHistory.list({ sessionId: 'c1' }))).toEqual(['p2', 'p1']);
        expect(ids(await store.promptHistory.list({ sessionId: 'c1', limit: 1 }))).toEqual(['p2']);
        await expectCode(store.promptHistory.insert(promptEntry('p3', T0 + 9)), 'conflict');
        await store.promptHistory.insert(promptEntry('p4', T0 + 4));
        expect(ids(await store.promptHistory.list())).toEqual(['p4', 'p3', 'p2']);
        expect(await store.promptHistory.count()).toBe(3);
      });
    });

    describe('silences', () => {
      it('lists by endsAt, filters active ones (startsAt inclusive, endsAt exclusive) and deletes', async () => {
        const store = await open();
        const early = silence('s1', T0, T0 + 100);
        await store.silences.create(silence('s2', T0 + 50, T0 + 200, { comment: '', createdBy: '' }));
        await store.silences.create(early);
        await store.silences.create(silence('s3', T0 + 300, T0 + 400));
        expect(await store.silences.get('s1')).toEqual(early);
        expect(ids(await store.silences.list())).toEqual(['s1', 's2', 's3']);
        expect(ids(await store.silences.list({ activeAt: T0 }))).toEqual(['s1']);
        expect(ids(await store.silences.list({ activeAt: T0 + 99 }))).toEqual(['s1', 's2']);
        expect(ids(await store.silences.list({ activeAt: T0 + 100 }))).toEqual(['s2']);
        expect(ids(await store.silences.list({ activeAt: T0 + 250 }))).toEqual([]);
        await expectCode(store.silences.create(silence('s1', T0, T0 + 1)), 'conflict');
        expect(await store.silences.delete('s1')).toBe(true);
        expect(await store.silences.delete('s1')).toBe(false);
        expect(await store.silences.get('s1')).toBeNull();
      });
    });

    describe('outbox', () => {
      it('enqueues, round-trips and deduplicates by dedupeKey whatever the status', async () => {
        const store = await open();
        const original = notification('n1');
        expect(await store.outbox.enqueue(original)).toBe(true);
        expect(await store.outbox.get('n1')).toEqual(original);
        expect(await store.outbox.enqueue(notification('n2', { dedupeKey: original.dedupeKey }))).toBe(false);
        expect(await store.outbox.get('n2')).toBeNull();
        await store.outbox.claim({ now: T0, limit: 10, leaseMs: 1000 });
        await store.outbox.complete('n1', T0 + 5);
        expect(await store.outbox.enqueue(notification('n3', { dedupeKey: original.dedupeKey }))).toBe(false);
        await expectCode(store.outbox.enqueue(notification('n1', { dedupeKey: 'fresh' })), 'conflict');
        expect(await store.outbox.count()).toBe(1);
      });

      it('claims only due notifications, oldest nextAttemptAt first, up to limit', async () => {
        const store = await open();
        await store.outbox.enqueue(notification('n1', { nextAttemptAt: T0 + 100 }));
        await store.outbox.enqueue(notification('n2', { nextAttemptAt: T0 + 50 }));
        await store.outbox.enqueue(notification('n3', { nextAttemptAt: T0 + 300 }));
        await store.outbox.enqueue(notification('n0', { nextAttemptAt: T0 + 100 }));
        await store.outbox.enqueue(notification('n4', { nextAttemptAt: T0 + 150 }));

        const first = await store.outbox.claim({ now: T0 + 200, limit: 3, leaseMs: 1000 });
        expect(ids(first)).toEqual(['n2', 'n0', 'n1']);
        for (const claimed of first) {
          expect(claimed).toMatchObject({
            status: 'in_flight',
            leaseUntil: T0 + 1200,
            attempts: 1,
            updatedAt: T0 + 200,
          });
          expect(await store.outbox.get(claimed.id)).toEqual(claimed);
        }
        // n4 is due but was over the limit; n3 is not due yet; the claimed ones are leased.
        expect(ids(await store.outbox.claim({ now: T0 + 200, limit: 10, leaseMs: 1000 }))).toEqual(['n4']);
        expect(ids(await store.outbox.claim({ now: T0 + 299, limit: 10, leaseMs: 1000 }))).toEqual([]);
        expect(ids(await store.outbox.claim({ now: T0 + 300, limit: 10, leaseMs: 1000 }))).toEqual(['n3']);
        expect(await store.outbox.claim({ now: T0 + 300, limit: 0, leaseMs: 1000 })).toEqual([]);
        expect(await store.outbox.count({ status: 'in_flight' })).toBe(5);
        expect(await store.outbox.count({ status: 'pending' })).toBe(0);
      });

      it('re-claims an in-flight notification once its lease expired, with attempts + 1', async () => {
        const store = await open();
        await store.outbox.enqueue(notification('n1', { nextAttemptAt: T0 }));
        await store.outbox.claim({ now: T0 + 200, limit: 10, leaseMs: 1000 });
        expect(await store.outbox.claim({ now: T0 + 1199, limit: 10, leaseMs: 1000 })).toEqual([]);
        const reclaimed = await store.outbox.claim({ now: T0 + 1200, limit: 10, leaseMs: 500 });
        expect(reclaimed).toHaveLength(1);
        expect(reclaimed[0]).toMatchObject({
          id: 'n1',
          status: 'in_flight',
          attempts: 2,
          leaseUntil: T0 + 1700,
        });
      });

      it('completes: delivered, lease cleared, never claimed again, and later calls change nothing', async () => {
        const store = await open();
        await store.outbox.enqueue(notification('n1'));
        await store.outbox.claim({ now: T0, limit: 1, leaseMs: 1000 });
        await store.outbox.complete('n1', T0 + 10);
        const delivered = await store.outbox.get('n1');
        expect(delivered).toMatchObject({
          status: 'delivered',
          deliveredAt: T0 + 10,
          leaseUntil: null,
          attempts: 1,
          updatedAt: T0 + 10,
        });
        expect(await store.outbox.claim({ now: T0 + 1_000_000, limit: 10, leaseMs: 1000 })).toEqual([]);
        await store.outbox.retry('n1', { nextAttemptAt: T0, error: 'late worker', at: T0 + 20 });
        await store.outbox.fail('n1', { error: 'late worker', at: T0 + 20 });
        await store.outbox.complete('n1', T0 + 30);
        expect(await store.outbox.get('n1')).toEqual(delivered);
      });

      it('retries: back to pending with the error, claimable again at nextAttemptAt', async () => {
        const store = await open();
        await store.outbox.enqueue(notification('n1'));
        await store.outbox.claim({ now: T0, limit: 1, leaseMs: 60_000 });
        await store.outbox.retry('n1', {
          nextAttemptAt: T0 + 5000,
          error: 'SMTP 421 try again later',
          at: T0 + 10,
        });
        expect(await store.outbox.get('n1')).toMatchObject({
          status: 'pending',
          nextAttemptAt: T0 + 5000,
          lastError: 'SMTP 421 try again later',
          leaseUntil: null,
          attempts: 1,
          updatedAt: T0 + 10,
        });
        expect(await store.outbox.claim({ now: T0 + 4999, limit: 10, leaseMs: 1000 })).toEqual([]);
        const again = await store.outbox.claim({ now: T0 + 5000, limit: 10, leaseMs: 1000 });
        expect(again[0]).toMatchObject({
          id: 'n1',
          attempts: 2,
          status: 'in_flight',
          lastError: 'SMTP 421 try again later',
        });
      });

      it('fails: failed with the reason, never claimed again', async () => {
        const store = await open();
        await store.outbox.enqueue(notification('n1'));
        await store.outbox.claim({ now: T0, limit: 1, leaseMs: 1000 });
        await store.outbox.fail('n1', { error: 'webhook answered 410 Gone', at: T0 + 7 });
        expect(await store.outbox.get('n1')).toMatchObject({
          status: 'failed',
          lastError: 'webhook answered 410 Gone',
          leaseUntil: null,
          deliveredAt: null,
          updatedAt: T0 + 7,
        });
        expect(await store.outbox.claim({ now: T0 + 1_000_000, limit: 10, leaseMs: 1000 })).toEqual([]);
      });

      it('fails with code not_found when completing, retrying or failing an unknown notification', async () => {
        const store = await open();
        await expectCode(store.outbox.complete('missing', T0), 'not_found');
        await expectCode(
          store.outbox.retry('missing', { nextAttemptAt: T0, error: 'x', at: T0 }),
          'not_found',
        );
        await expectCode(store.outbox.fail('missing', { error: 'x', at: T0 }), 'not_found');
        expect(await store.outbox.get('missing')).toBeNull();
      });

      it('lists newest first by createdAt and counts by status', async () => {
        const store = await open();
        for (let index = 1; index <= 4; index++) {
          await store.outbox.enqueue(
            notification(`n${index}`, { createdAt: T0 + index, nextAttemptAt: T0 + index }),
          );
        }
        await store.outbox.claim({ now: T0 + 2, limit: 10, leaseMs: 1000 });
        await store.outbox.complete('n1', T0 + 10);
        expect(ids(await store.outbox.list())).toEqual(['n4', 'n3', 'n2', 'n1']);
        expect(ids(await store.outbox.list({ status: 'pending' }))).toEqual(['n4', 'n3']);
        expect(ids(await store.outbox.list({ status: 'pending', limit: 1, offset: 1 }))).toEqual(['n3']);
        expect(ids(await store.outbox.list({ status: 'in_flight' }))).toEqual(['n2']);
        expect(await store.outbox.count()).toBe(4);
        expect(await store.outbox.count({ status: 'delivered' })).toBe(1);
        expect(await store.outbox.count({ status: 'failed' })).toBe(0);
        await expectCode(
          store.outbox.list({ status: { $ne: 'x' } as unknown as 'pending' }),
          'invalid_input',
        );
      });

      it('keeps every undelivered notification and at most maxDocs in all, deleting the oldest finished first', async () => {
        const store = await open({ maxDocs: 2 });
        for (let index = 1; index <= 5; index++) {
          await store.outbox.enqueue(notification(`n${index}`, { createdAt: T0 + index }));
        }
        expect(await store.outbox.count({ status: 'pending' })).toBe(5);
        await store.outbox.claim({ now: T0, limit: 10, leaseMs: 1000 });
        await store.outbox.complete('n2', T0 + 10);
        await store.outbox.fail('n4', { error: 'gone', at: T0 + 10 });
        // Still over the limit, but everything left is in flight.
        expect(ids(await store.outbox.list())).toEqual(['n5', 'n3', 'n1']);
        await store.outbox.complete('n1', T0 + 11);
        await store.outbox.complete('n3', T0 + 12);
        await store.outbox.complete('n5', T0 + 13);
        expect(ids(await store.outbox.list())).toEqual(['n5', 'n3']);
        await store.outbox.enqueue(notification('n6', { createdAt: T0 + 6 }));
        expect(ids(await store.outbox.list())).toEqual(['n6', 'n5']);
      });

      it('never hands the same notification to two concurrent claims', async () => {
        const store = await open({ maxDocs: Number.POSITIVE_INFINITY });
        for (let index = 0; index < 50; index++) {
          await store.outbox.enqueue(
            notification(`n${String(index).padStart(2, '0')}`, { nextAttemptAt: T0 + index }),
          );
        }
        const claims = await Promise.all(
          Array.from({ length: 4 }, () => store.outbox.claim({ now: T0 + 1000, limit: 20, leaseMs: 60_000 })),
        );
        const claimed = claims.flatMap(ids);
        expect(claimed).toHaveLength(50);
        expect(new Set(claimed).size).toBe(50);
        for (const batch of claims) {
          const times = batch.map((item) => item.nextAttemptAt);
          expect(times).toEqual([...times].sort((a, b) => a - b));
        }
        const all = await store.outbox.list({ limit: 100 });
        expect(all.every((item) => item.status === 'in_flight' && item.attempts === 1)).toBe(true);
      });
    });

    describe('concurrent writers', () => {
      it('lands every one of many parallel inserts', async () => {
        const store = await open({ maxDocs: Number.POSITIVE_INFINITY });
        const singles = Array.from({ length: 100 }, (_, index) =>
          store.anomalies.insert([anomaly(`single-${index}`, { startsAt: T0 + index })]),
        );
        const batches = Array.from({ length: 20 }, (_, batch) =>
          store.anomalies.insert(
            Array.from({ length: 5 }, (_, index) =>
              anomaly(`batch-${batch}-${index}`, {
                startsAt: T0 + batch,
                status: 'resolved',
                endsAt: T0 + 500,
              }),
            ),
          ),
        );
        const others = Array.from({ length: 30 }, (_, index) => [
          store.snapshots.insert(snapshot(`snapshot-${index}`, T0 + index)),
          store.rca.insert(rca(`rca-${index}`, { createdAt: T0 + index })),
          store.promptHistory.insert(promptEntry(`prompt-${index}`, T0 + index)),
          store.outbox.enqueue(notification(`note-${index}`)),
        ]).flat();
        await Promise.all([...singles, ...batches, ...others]);
        expect(await store.anomalies.count()).toBe(200);
        expect(await store.anomalies.count({ status: 'firing' })).toBe(100);
        expect((await store.anomalies.list({ limit: 200 })).map((item) => item.id).sort()).toEqual(
          [
            ...Array.from({ length: 100 }, (_, index) => `single-${index}`),
            ...Array.from({ length: 100 }, (_, index) => `batch-${Math.floor(index / 5)}-${index % 5}`),
          ].sort(),
        );
        expect(await store.snapshots.count()).toBe(30);
        expect(await store.rca.count()).toBe(30);
        expect(await store.promptHistory.count()).toBe(30);
        expect(await store.outbox.count()).toBe(30);
      });
    });

    describe('copies', () => {
      it('stores copies of what it is given and returns copies of what it stores', async () => {
        const store = await open();
        const input = anomaly('a1', { labels: { job: 'node' }, evidence: { threshold: 90 } });
        await store.anomalies.insert([input]);
        (input.labels as Record<string, string>)['job'] = 'mutated';
        input.evidence['threshold'] = 1;
        input.reason = 'mutated';

        const read = await store.anomalies.get('a1');
        expect(read?.labels).toEqual({ job: 'node' });
        (read!.labels as Record<string, string>)['job'] = 'mutated again';
        read!.evidence['threshold'] = 2;
        const listed = await store.anomalies.list();
        (listed[0]!.labels as Record<string, string>)['extra'] = 'x';
        const again = await store.anomalies.get('a1');
        expect(again).toEqual(anomaly('a1', { labels: { job: 'node' }, evidence: { threshold: 90 } }));

        const session = chatSession('c1', T0);
        await store.chatSessions.create(session);
        session.messages.push(message('sneaky', T0));
        const appendedMessages = [message('hello', T0 + 1)];
        const appended = await store.chatSessions.append(
          'c1',
          appendedMessages,
          { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
          T0 + 1,
        );
        appendedMessages[0]!.content = 'mutated';
        appended!.messages.length = 0;
        expect((await store.chatSessions.get('c1'))?.messages.map((item) => item.content)).toEqual([
          'show CPU usage for server1',
          'hello',
        ]);

        await store.targets.create(target('t1', 'prod'));
        (await store.targets.list())[0]!.selectors.push('mutated');
        expect((await store.targets.get('t1'))?.selectors).toEqual(['up', '{job="node"}']);

        const config: EmailConfig = { enabled: true, recipients: ['ops@example.com'], updatedAt: T0 };
        await store.emailConfig.set(config);
        config.recipients.push('intruder@example.com');
        (await store.emailConfig.get())!.recipients.push('intruder@example.com');
        expect((await store.emailConfig.get())?.recipients).toEqual(['ops@example.com']);

        await store.outbox.enqueue(notification('n1'));
        const [claimed] = await store.outbox.claim({ now: T0, limit: 1, leaseMs: 1000 });
        claimed!.payload.alerts.length = 0;
        expect((await store.outbox.get('n1'))?.payload.alerts).toHaveLength(2);
      });
    });
  });
}
