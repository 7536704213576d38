import { afterEach, describe, expect, it } from 'vitest';
import type { Detector, DetectorFinding } from '../contracts/detector.js';
import type { PromptheusEvents, TickSummary } from '../contracts/events.js';
import type { Collection, MetricsSource, TargetCollection } from '../contracts/metrics-source.js';
import type { Store } from '../contracts/store.js';
import { PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { Rca } from '../model/rca.js';
import { type Sample, seriesId } from '../model/sample.js';
import { createAnalyst } from '../rca/analyst.js';
import { createMemoryStore } from '../store/memory-store.js';
import { createMockLlmProvider } from '../testing/mock-llm-provider.js';
import { createEmitter } from '../util/emitter.js';
import { anomalyFingerprint } from './fingerprint.js';
import { createMonitor, type Monitor, type MonitorOptions } from './monitor.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** A source whose next collection the test sets: values per target, or a failure per target. */
function createScriptedSource() {
  const values = new Map<
    string,
    Map<string, { metric: string; labels: Record<string, string>; value: number }>
  >();
  const failing = new Map<string, string>();
  let collecting = 0;
  let maxConcurrent = 0;
  let delayMs = 0;
  let collects = 0;
  const source: MetricsSource & {
    set(target: string, metric: string, labels: Record<string, string>, value: number): void;
    remove(target: string, metric: string, labels: Record<string, string>): void;
    fail(target: string, error: string | null): void;
    delay(ms: number): void;
    readonly maxConcurrent: number;
    readonly collects: number;
  } = {
    name: 'scripted',
    set(target, metric, labels, value) {
      let series = values.get(target);
      if (!series) {
        series = new Map();
        values.set(target, series);
      }
      series.set(seriesId(metric, labels, target), { metric, labels, value });
    },
    remove(target, metric, labels) {
      values.get(target)?.delete(seriesId(metric, labels, target));
    },
    fail(target, error) {
      if (error === null) failing.delete(target);
      else failing.set(target, error);
    },
    delay(ms) {
      delayMs = ms;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    get collects() {
      return collects;
    },
    async collect(): Promise<Collection> {
      collects++;
      collecting++;
      maxConcurrent = Math.max(maxConcurrent, collecting);
      try {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const samples: Sample[] = [];
        const targets: TargetCollection[] = [];
        for (const [target, series] of values) {
          const error = failing.get(target);
          if (error) {
            targets.push({
              target,
              ok: false,
              sampleCount: 0,
              durationMs: 1,
              error,
              consecutiveFailures: 1,
              retryAt: T0,
            });
            continue;
          }
          for (const [id, entry] of series) {
            samples.push({ seriesId: id, ...entry, timestamp: T0, target });
          }
          targets.push({ target, ok: true, sampleCount: series.size, durationMs: 1 });
        }
        return { timestamp: T0, samples, targets };
      } finally {
        collecting--;
      }
    },
  };
  return source;
}

/** Flags every sample above 50. */
function overFifty(name = 'over-fifty'): Detector {
  return {
    name,
    observe(samples) {
      const findings: DetectorFinding[] = [];
      for (const sample of samples) {
        if (sample.value > 50) {
          findings.push({
            sample,
            score: Math.min(1, sample.value / 100),
            severity: 'high',
            reason: `${sample.metric} is ${sample.value}, above 50`,
            evidence: { value: sample.value, threshold: 50, operator: '>' },
          });
        }
      }
      return findings;
    },
  };
}

function recordingDispatcher() {
  const sent: Array<{ anomaly: Anomaly; rca: Rca | null; kind: 'firing' | 'resolved' }> = [];
  return {
    sent,
    async notify(anomaly: Anomaly, rca: Rca | null, kind: 'firing' | 'resolved') {
      sent.push({ anomaly, rca, kind });
    },
  };
}

function recordEvents() {
  const events = createEmitter<PromptheusEvents>();
  const seen: Array<[keyof PromptheusEvents, unknown]> = [];
  events.onAny((name, payload) => seen.push([name, payload]));
  const named = <Name extends keyof PromptheusEvents>(name: Name) =>
    seen.filter(([event]) => event === name).map(([, payload]) => payload as PromptheusEvents[Name]);
  return { events, seen, named };
}

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((monitor) => monitor.stop()));
});

function build(options: Partial<MonitorOptions> & { store?: Store } = {}) {
  const store = options.store ?? createMemoryStore({ maxDocs: 1000 });
  const source = createScriptedSource();
  const dispatcher = recordingDispatcher();
  const recorder = recordEvents();
  let now = T0;
  const clock = () => now;
  const monitor = createMonitor({
    source,
    detectors: [overFifty()],
    store,
    analyst: createAnalyst({ store, clock }),
    dispatcher,
    events: recorder.events,
    clock,
    ...options,
  });
  monitors.push(monitor);
  return {
    monitor,
    store,
    source,
    dispatcher,
    recorder,
    advance(ms: number) {
      now += ms;
    },
  };
}

const web1 = { instance: 'web-1', job: 'node' };

describe('createMonitor', () => {
  it('fires one anomaly, keeps it one record while it fires, and resolves it when the value returns', async () => {
    const { monitor, store, source, dispatcher, recorder, advance } = build();
    source.set('prod', 'cpu_usage', web1, 20);
    source.set('prod', 'memory_usage', web1, 30);

    let summary = await monitor.tick();
    expect(summary).toMatchObject({ tick: 1, samples: 2, fired: 0, resolved: 0, errors: [], failures: [] });

    source.set('prod', 'cpu_usage', web1, 93);
    advance(30_000);
    summary = await monitor.tick();
    expect(summary).toMatchObject({ fired: 1, resolved: 0, firing: 1 });
    const [fired] = await store.anomalies.list({ status: 'firing' });
    expect(fired).toMatchObject({
      metric: 'cpu_usage',
      labels: web1,
      value: 93,
      detector: 'over-fifty',
      target: 'prod',
      status: 'firing',
      startsAt: T0 + 30_000,
      fingerprint: anomalyFingerprint('over-fifty', 'prod', 'cpu_usage', web1),
    });

    source.set('prod', 'cpu_usage', web1, 97);
    advance(30_000);
    summary = await monitor.tick();
    expect(summary).toMatchObject({ fired: 0, resolved: 0, firing: 1 });
    expect(await store.anomalies.count()).toBe(1);
    expect(await store.anomalies.get(fired!.id)).toMatchObject({
      value: 97,
      updatedAt: T0 + 60_000,
      startsAt: T0 + 30_000,
    });

    source.set('prod', 'cpu_usage', web1, 25);
    advance(30_000);
    summary = await monitor.tick();
    expect(summary).toMatchObject({ fired: 0, resolved: 1, firing: 0 });
    expect(await store.anomalies.get(fired!.id)).toMatchObject({ status: 'resolved', endsAt: T0 + 90_000 });
    expect(await store.anomalies.count()).toBe(1);

    // One analysis (the fallback: no LLM configured), one firing and one resolved notification.
    expect(await store.rca.count()).toBe(1);
    const rca = await store.rca.getByAnomaly(fired!.id);
    expect(rca).toMatchObject({ source: 'fallback', fallbackReason: 'LLM not configured' });
    expect(dispatcher.sent.map((entry) => [entry.kind, entry.anomaly.id, entry.rca?.id])).toEqual([
      ['firing', fired!.id, rca!.id],
      ['resolved', fired!.id, rca!.id],
    ]);
    expect(recorder.named('anomaly:fired')).toHaveLength(1);
    expect(recorder.named('anomaly:resolved')).toHaveLength(1);
    expect(recorder.named('rca:ready')).toEqual([
      { rca, anomaly: expect.objectContaining({ id: fired!.id }) },
    ]);
    const completes = recorder.named('tick:complete');
    expect(completes).toHaveLength(4);
    expect(Object.keys(completes[1]!.phases)).toEqual(
      expect.arrayContaining([
        'collect',
        'snapshot',
        'detect',
        'detect:over-fifty',
        'anomalies',
        'analyse',
        'dispatch',
      ]),
    );
    expect(recorder.named('tick:start').map((event) => event.tick)).toEqual([1, 2, 3, 4]);
  });

  it('stores a snapshot with the count and a bounded, evenly spread sample', async () => {
    const { monitor, store, source } = build({ snapshotSampleSize: 10 });
    for (let index = 0; index < 95; index++)
      source.set('prod', 'queue_depth', { queue: `q${index}` }, index % 7);
    source.set('prod', 'ratio', { kind: 'nan' }, Number.NaN);
    await monitor.tick();
    const [snapshot] = await store.snapshots.list();
    expect(snapshot).toMatchObject({ count: 96, targets: ['prod'], errors: [] });
    expect(snapshot!.metrics).toHaveLength(10);
    const queues = snapshot!.metrics.map((metric) => metric.labels.queue);
    expect(new Set(queues).size).toBe(10);
    expect(queues).toContain('q0');
    // Spread over the whole batch, not the first ten.
    expect(Math.max(...queues.map((queue) => Number(queue!.slice(1))))).toBeGreaterThanOrEqual(80);
    expect(snapshot!.metrics.every((metric) => metric.value !== undefined)).toBe(true);
  });

  it('never fires or resolves for a target that failed, records the error and recovers', async () => {
    const { monitor, store, source, recorder, dispatcher, advance } = build();
    source.set('prod', 'cpu_usage', web1, 93);
    source.set('staging', 'cpu_usage', web1, 10);
    await monitor.tick();
    expect(await store.anomalies.count({ status: 'firing' })).toBe(1);

    source.fail('prod', 'connect ECONNREFUSED 127.0.0.1:9090');
    source.set('staging', 'cpu_usage', web1, 88);
    advance(30_000);
    const summary = await monitor.tick();
    expect(summary.errors).toEqual([{ target: 'prod', error: 'connect ECONNREFUSED 127.0.0.1:9090' }]);
    expect(summary).toMatchObject({ fired: 1, resolved: 0, firing: 2 });
    expect(recorder.named('source:error')).toEqual([
      { target: 'prod', error: 'connect ECONNREFUSED 127.0.0.1:9090', consecutiveFailures: 1, retryAt: T0 },
    ]);
    expect(monitor.state().targets.prod).toMatchObject({ ok: false, consecutiveErrors: 1 });
    const [snapshot] = await store.snapshots.list({ limit: 1 });
    expect(snapshot).toMatchObject({
      targets: ['staging'],
      errors: ['prod: connect ECONNREFUSED 127.0.0.1:9090'],
    });

    source.fail('prod', null);
    source.set('prod', 'cpu_usage', web1, 20);
    const back = await monitor.tick();
    expect(back).toMatchObject({ errors: [], resolved: 1, firing: 1 });
    expect(recorder.named('source:recovered')).toHaveLength(1);
    expect(monitor.state().targets.prod).toMatchObject({ ok: true, consecutiveErrors: 0 });
    expect(dispatcher.sent.map((entry) => `${entry.kind}:${entry.anomaly.target}`)).toEqual([
      'firing:prod',
      'firing:staging',
      'resolved:prod',
    ]);
  });

  it('reports a throwing detector without crashing and keeps its anomalies as they were', async () => {
    let broken = false;
    const flaky: Detector = {
      name: 'flaky',
      observe(samples) {
        if (broken) throw new Error('window buffer corrupted');
        return overFifty('flaky').observe(samples);
      },
    };
    const { monitor, store, source, recorder } = build({ detectors: [flaky, overFifty()] });
    source.set('prod', 'cpu_usage', web1, 93);
    await monitor.tick();
    expect(await store.anomalies.count({ status: 'firing' })).toBe(2);

    broken = true;
    source.set('prod', 'cpu_usage', web1, 10);
    const summary = await monitor.tick();
    expect(summary.failures).toEqual([
      { phase: 'detect', source: 'flaky', error: 'window buffer corrupted' },
    ]);
    expect(summary.resolved).toBe(1);
    const firing = await store.anomalies.list({ status: 'firing' });
    expect(firing.map((anomaly) => anomaly.detector)).toEqual(['flaky']);
    expect(recorder.named('error')).toEqual([expect.objectContaining({ source: 'monitor:detect:flaky' })]);
  });

  it('does not fire when the store refuses the anomaly, and fires on the next tick', async () => {
    const store = createMemoryStore();
    const insert = store.anomalies.insert.bind(store.anomalies);
    let refuse = true;
    store.anomalies.insert = async (anomalies) => {
      if (refuse) throw new PromptheusError('storage', 'database is locked');
      return insert(anomalies);
    };
    const { monitor, source, dispatcher } = build({ store });
    source.set('prod', 'cpu_usage', web1, 93);
    const first = await monitor.tick();
    expect(first).toMatchObject({ fired: 0, firing: 0 });
    expect(first.failures).toEqual([{ phase: 'anomalies', source: 'store', error: 'database is locked' }]);
    refuse = false;
    const second = await monitor.tick();
    expect(second).toMatchObject({ fired: 1, firing: 1 });
    expect(dispatcher.sent).toHaveLength(1);
  });

  it('picks up firing anomalies from the store after a restart', async () => {
    const store = createMemoryStore();
    const first = build({ store });
    first.source.set('prod', 'cpu_usage', web1, 93);
    await first.monitor.tick();
    await first.monitor.stop();
    const [original] = await store.anomalies.list({ status: 'firing' });

    const second = build({ store });
    second.source.set('prod', 'cpu_usage', web1, 95);
    const summary = await second.monitor.tick();
    expect(summary).toMatchObject({ fired: 0, firing: 1 });
    expect(await store.anomalies.count()).toBe(1);
    expect(await store.anomalies.get(original!.id)).toMatchObject({ value: 95, status: 'firing' });
    expect(second.dispatcher.sent).toHaveLength(0);

    second.source.set('prod', 'cpu_usage', web1, 5);
    expect(await second.monitor.tick()).toMatchObject({ resolved: 1, firing: 0 });
    expect(second.dispatcher.sent.map((entry) => [entry.kind, entry.anomaly.id])).toEqual([
      ['resolved', original!.id],
    ]);
  });

  it('resolves an anomaly whose series stopped being collected after a few ticks', async () => {
    const { monitor, source, store } = build({ resolveMissingAfterTicks: 2 });
    source.set('prod', 'cpu_usage', web1, 93);
    source.set('prod', 'up', web1, 1);
    await monitor.tick();
    source.remove('prod', 'cpu_usage', web1);
    expect(await monitor.tick()).toMatchObject({ resolved: 0, firing: 1 });
    expect(await monitor.tick()).toMatchObject({ resolved: 1, firing: 0 });
    const [anomaly] = await store.anomalies.list();
    expect(anomaly!.evidence).toMatchObject({ resolution: 'series no longer collected' });
  });

  it('shares a running tick between concurrent calls: ticks never overlap', async () => {
    const { monitor, source } = build();
    source.set('prod', 'cpu_usage', web1, 10);
    source.delay(50);
    const [a, b, c] = await Promise.all([monitor.tick(), monitor.tick(), monitor.tick()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(source.collects).toBe(1);
    await monitor.tick();
    expect(source.collects).toBe(2);
    expect(source.maxConcurrent).toBe(1);
  });

  it('runs ticks on the interval until stopped, and stop waits for the running tick', async () => {
    const { monitor, source } = build({ interval: 0.02 });
    source.set('prod', 'cpu_usage', web1, 10);
    source.delay(30);
    const completed: TickSummary[] = [];
    monitor.events.on('tick:complete', (summary) => completed.push(summary));
    monitor.start();
    monitor.start();
    expect(monitor.state().running).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await monitor.stop();
    const count = completed.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(monitor.state()).toMatchObject({ running: false, ticking: false });
    expect(source.maxConcurrent).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(completed.length).toBe(count);
  });

  it('stores the fallback analysis when the LLM is slower than the tick budget', async () => {
    const store = createMemoryStore();
    const llm = createMockLlmProvider({ responses: [{ hang: true }] });
    const { monitor, source } = build({
      store,
      analyst: createAnalyst({ llm, store, timeoutMs: 30_000 }),
      analysisBudgetMs: 100,
    });
    source.set('prod', 'cpu_usage', web1, 93);
    const started = performance.now();
    const summary = await monitor.tick();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(summary.fired).toBe(1);
    const [rca] = await store.rca.list();
    expect(rca).toMatchObject({ source: 'fallback' });
    expect(rca!.fallbackReason).toMatch(/analysis budget of 100 ms/);
  });

  it('tells detectors to forget series that vanished', async () => {
    const forgotten: string[] = [];
    const detector: Detector = { ...overFifty(), forget: (ids) => forgotten.push(...ids) };
    const { monitor, source } = build({ detectors: [detector] });
    source.set('prod', 'queue_depth', { queue: 'a' }, 1);
    source.set('prod', 'queue_depth', { queue: 'b' }, 1);
    for (let tick = 0; tick < 10; tick++) await monitor.tick();
    source.remove('prod', 'queue_depth', { queue: 'b' });
    for (let tick = 0; tick < 10; tick++) await monitor.tick();
    expect(forgotten).toEqual([seriesId('queue_depth', { queue: 'b' }, 'prod')]);
  });

  it('rejects bad options with errors naming them', () => {
    const store = createMemoryStore();
    const source = createScriptedSource();
    expect(() => createMonitor({ source, store, detectors: [], interval: 0 })).toThrow(/interval/);
    expect(() => createMonitor({ source, store, detectors: [overFifty(), overFifty()] })).toThrow(/unique/);
  });
});

describe('anomalyFingerprint', () => {
  it('ignores label order and differs by detector, target, metric and labels', () => {
    const base = anomalyFingerprint('zscore', 'prod', 'cpu_usage', { a: '1', b: '2' });
    expect(anomalyFingerprint('zscore', 'prod', 'cpu_usage', { b: '2', a: '1' })).toBe(base);
    expect(anomalyFingerprint('threshold', 'prod', 'cpu_usage', { a: '1', b: '2' })).not.toBe(base);
    expect(anomalyFingerprint('zscore', 'dev', 'cpu_usage', { a: '1', b: '2' })).not.toBe(base);
    expect(anomalyFingerprint('zscore', 'prod', 'mem_usage', { a: '1', b: '2' })).not.toBe(base);
    expect(anomalyFingerprint('zscore', 'prod', 'cpu_usage', { a: '1', b: '3' })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
  });
});
