import type { Detector, DetectorFinding } from '../contracts/detector.js';
import type { PromptheusEvents, TickSummary } from '../contracts/events.js';
import type { Collection, MetricsSource, TargetCollection } from '../contracts/metrics-source.js';
import type { Store } from '../contracts/store.js';
import { errorMessage, PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { MetricSnapshot, SnapshotMetric } from '../model/metric-snapshot.js';
import type { Rca } from '../model/rca.js';
import { type Sample, seriesId } from '../model/sample.js';
import type { Analyst } from '../rca/analyst.js';
import { createEmitter, type Emitter } from '../util/emitter.js';
import { createId } from '../util/id.js';
import { anomalyFingerprint } from './fingerprint.js';

/** One fired or resolved anomaly handed to the dispatcher. */
export interface MonitorAlert {
  readonly anomaly: Anomaly;
  readonly rca: Rca | null;
  readonly kind: 'firing' | 'resolved';
}

/**
 * What the monitor needs from an alert dispatcher. `createAlertDispatcher` fits: the monitor hands
 * it all alerts of a tick in one `notifyMany` call (so they can be grouped), or calls `notify` per
 * alert when `notifyMany` is absent.
 */
export interface MonitorDispatcher {
  /** Notifies about one fired or resolved anomaly. */
  notify(anomaly: Anomaly, rca: Rca | null, kind: 'firing' | 'resolved'): Promise<unknown>;
  /** Notifies about all alerts of one tick at once, so they can be grouped. */
  notifyMany?(alerts: readonly MonitorAlert[]): Promise<unknown>;
}

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** Where samples come from, e.g. `createPrometheusSource(...)`. */
  readonly source: MetricsSource;
  /** Detectors that observe every tick's samples, e.g. `defaultDetectors()`. */
  readonly detectors: readonly Detector[];
  /** Where snapshots, anomalies and analyses are kept (retention is the store's job). */
  readonly store: Store;
  /** Writes a root-cause analysis of each newly fired anomaly; absent means no analysis. */
  readonly analyst?: Analyst | null;
  /** Receives fired and resolved anomalies; absent means no notifications. */
  readonly dispatcher?: MonitorDispatcher | null;
  /** Seconds between the starts of two ticks when running with `start()`. @default 30 */
  readonly interval?: number;
  /** Where events are emitted. @default a new emitter, available as `monitor.events` */
  readonly events?: Emitter<PromptheusEvents>;
  /** How many series each stored snapshot keeps (spread evenly over the collected ones). @default 50 */
  readonly snapshotSampleSize?: number;
  /** Analyses running at the same time. @default 4 */
  readonly analysisConcurrency?: number;
  /**
   * Longest time a tick waits for root-cause analyses, in ms. Analyses still waiting for the LLM
   * then store the deterministic fallback, so a slow LLM never holds up monitoring.
   * @default 20000
   */
  readonly analysisBudgetMs?: number;
  /**
   * A firing anomaly whose series is no longer collected (while its target answers) resolves
   * after this many ticks without the series.
   * @default 3
   */
  readonly resolveMissingAfterTicks?: number;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

/** Collection health of one target, as the monitor saw it. */
export interface MonitorTargetState {
  readonly ok: boolean;
  /** Ticks in a row the target failed (0 when ok). */
  readonly consecutiveErrors: number;
  readonly lastError: string | null;
  /** When the target started failing; null when ok. */
  readonly downSince: number | null;
  /** While backing off: the target is not queried before this time (ms). */
  readonly retryAt: number | null;
  readonly lastSuccessAt: number | null;
}

/** What `monitor.state()` reports. */
export interface MonitorState {
  /** Whether `start()` was called and `stop()` not since. */
  readonly running: boolean;
  /** Whether a tick is running now. */
  readonly ticking: boolean;
  /** Ticks run so far. */
  readonly ticks: number;
  readonly lastTick: TickSummary | null;
  /** Anomalies firing now. */
  readonly firing: number;
  /** Health of every target seen so far, by name. */
  readonly targets: Readonly<Record<string, MonitorTargetState>>;
}

/** The watch loop. */
export interface Monitor {
  /** Events of every step (`tick:start`, `tick:complete`, `anomaly:fired`, ...). */
  readonly events: Emitter<PromptheusEvents>;
  /** Runs a tick now and then every `interval` seconds. Calling it twice is harmless. */
  start(): void;
  /** Stops the loop and waits for the running tick to finish. */
  stop(): Promise<void>;
  /** Runs one tick now; a call while a tick runs shares that tick. Never rejects. */
  tick(): Promise<TickSummary>;
  /** Running state, tick count, the last tick's summary and every target's health. */
  state(): MonitorState;
}

interface ActiveAnomaly {
  anomaly: Anomaly;
  seriesId: string;
  /** Ticks in a row the series was missing while its target answered. */
  missingTicks: number;
}

interface Fired {
  readonly anomaly: Anomaly;
  rca: Rca | null;
}

type Failure = { readonly phase: string; readonly source: string; readonly error: string };

const FIRING_PAGE = 500;

/**
 * Creates the monitor: every tick it collects samples, stores a sampled snapshot, lets every
 * detector observe the batch, turns findings into fingerprinted anomalies with a firing → resolved
 * lifecycle (one record while an anomaly keeps firing, picked up again after a restart), asks the
 * analyst for a root-cause analysis of new ones and hands fired and resolved anomalies to the
 * dispatcher. Targets that fail in a tick never fire or resolve anything. Nothing throws out of a
 * tick: failures are reported in the tick summary and through the `error` event.
 *
 * @example
 * ```ts
 * const monitor = createMonitor({
 *   source: createPrometheusSource({ targets: [{ name: 'prod', url: 'http://prometheus:9090' }] }),
 *   detectors: defaultDetectors(),
 *   store: createMemoryStore(),
 *   analyst: createAnalyst({ llm: null, store }),
 *   interval: 30,
 * });
 * monitor.events.on('anomaly:fired', ({ anomaly }) => console.log(anomaly.reason));
 * monitor.start();
 * ```
 */
export function createMonitor(options: MonitorOptions): Monitor {
  const { source, store } = options;
  const detectors = [...options.detectors];
  const analyst = options.analyst ?? null;
  const dispatcher = options.dispatcher ?? null;
  const interval = options.interval ?? 30;
  if (!Number.isFinite(interval) || interval <= 0) {
    throw new PromptheusError(
      'config',
      `createMonitor: interval must be a positive number of seconds (MONITOR_INTERVAL), got ${interval}`,
    );
  }
  const snapshotSampleSize = nonNegativeInteger('snapshotSampleSize', options.snapshotSampleSize ?? 50);
  const analysisConcurrency = Math.max(
    1,
    nonNegativeInteger('analysisConcurrency', options.analysisConcurrency ?? 4),
  );
  const analysisBudgetMs = nonNegativeInteger('analysisBudgetMs', options.analysisBudgetMs ?? 20_000);
  const resolveMissingAfterTicks = Math.max(
    1,
    nonNegativeInteger('resolveMissingAfterTicks', options.resolveMissingAfterTicks ?? 3),
  );
  const names = new Set<string>();
  for (const detector of detectors) {
    if (names.has(detector.name)) {
      throw new PromptheusError(
        'config',
        `createMonitor: two detectors are named "${detector.name}"; detector names must be unique`,
      );
    }
    names.add(detector.name);
  }
  const clock = options.clock ?? Date.now;
  const events = options.events ?? createEmitter<PromptheusEvents>();

  const active = new Map<string, ActiveAnomaly>();
  const targets = new Map<string, MonitorTargetState>();
  let loadedFiring = false;
  let ticks = 0;
  let running = false;
  let current: Promise<TickSummary> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastTick: TickSummary | null = null;
  /** Series ids seen at the last forget sweep, per target, and in collection order. */
  let sweepSeries = new Map<string, Set<string>>();
  let sweepOrder: string[] = [];

  const reportError = (sourceName: string, error: unknown) =>
    events.emit('error', { source: sourceName, error });

  const loadFiring = async () => {
    for (let offset = 0; ; offset += FIRING_PAGE) {
      const page = await store.anomalies.list({ status: 'firing', limit: FIRING_PAGE, offset });
      for (const anomaly of page) {
        if (!active.has(anomaly.fingerprint)) {
          active.set(anomaly.fingerprint, {
            anomaly,
            seriesId: seriesId(anomaly.metric, anomaly.labels, anomaly.target),
            missingTicks: 0,
          });
        }
      }
      if (page.length < FIRING_PAGE) break;
    }
  };

  const updateTargets = (
    collection: Collection,
    now: number,
    errors: Array<{ target: string; error: string }>,
  ) => {
    const failed = new Set<string>();
    const ok = new Set<string>();
    for (const result of collection.targets) {
      const previous = targets.get(result.target);
      if (result.ok) {
        ok.add(result.target);
        if (previous && !previous.ok) {
          events.emit('source:recovered', {
            target: result.target,
            downForMs: Math.max(0, now - (previous.downSince ?? now)),
          });
        }
        targets.set(result.target, {
          ok: true,
          consecutiveErrors: 0,
          lastError: previous?.lastError ?? null,
          downSince: null,
          retryAt: null,
          lastSuccessAt: now,
        });
        continue;
      }
      failed.add(result.target);
      const message = targetError(result, previous);
      errors.push({ target: result.target, error: message });
      const consecutiveErrors = result.consecutiveFailures ?? (previous?.consecutiveErrors ?? 0) + 1;
      const retryAt = result.retryAt ?? null;
      targets.set(result.target, {
        ok: false,
        consecutiveErrors,
        lastError: result.skipped ? (previous?.lastError ?? message) : message,
        downSince: previous?.downSince ?? now,
        retryAt,
        lastSuccessAt: previous?.lastSuccessAt ?? null,
      });
      if (!result.skipped) {
        events.emit('source:error', {
          target: result.target,
          error: message,
          consecutiveFailures: consecutiveErrors,
          retryAt: retryAt ?? now,
        });
      }
    }
    return { failed, ok };
  };

  const runTick = async (): Promise<TickSummary> => {
    const tick = ++ticks;
    const startedAt = clock();
    const tickStarted = performance.now();
    const phases: Record<string, number> = {};
    const failures: Failure[] = [];
    const errors: Array<{ target: string; error: string }> = [];
    const fail = (phase: string, sourceName: string, error: unknown) => {
      failures.push({ phase, source: sourceName, error: errorMessage(error) });
      reportError(`monitor:${phase}:${sourceName}`, error);
    };
    let phaseStarted = performance.now();
    const endPhase = (name: string) => {
      const now = performance.now();
      phases[name] = (phases[name] ?? 0) + (now - phaseStarted);
      phaseStarted = now;
    };
    let fired: Fired[] = [];
    let resolved: Anomaly[] = [];
    let sampleCount = 0;
    events.emit('tick:start', { tick, startedAt });

    try {
      // Firing anomalies of an earlier run are picked up by fingerprint before anything fires.
      if (!loadedFiring) {
        try {
          await loadFiring();
          loadedFiring = true;
        } catch (error) {
          fail('load', 'store', error);
        }
        endPhase('load');
      }

      let collection: Collection | null = null;
      try {
        collection = await source.collect();
      } catch (error) {
        fail('collect', source.name, error);
      }
      endPhase('collect');
      const now = clock();
      const samples = collection?.samples ?? [];
      sampleCount = samples.length;
      const health = collection
        ? updateTargets(collection, now, errors)
        : { failed: new Set<string>(), ok: new Set<string>() };

      if (collection) {
        try {
          await store.snapshots.insert(buildSnapshot(collection, now, snapshotSampleSize, errors));
        } catch (error) {
          fail('snapshot', 'store', error);
        }
        endPhase('snapshot');
      }

      const findingsByDetector = new Map<string, readonly DetectorFinding[]>();
      if (collection) {
        for (const detector of detectors) {
          const detectStarted = performance.now();
          try {
            findingsByDetector.set(detector.name, detector.observe(samples));
          } catch (error) {
            fail('detect', detector.name, error);
          }
          phases[`detect:${detector.name}`] = performance.now() - detectStarted;
        }
        endPhase('detect');
      }

      // Only a successful collection and a fully loaded set of firing anomalies decide lifecycles:
      // otherwise missing data would look like recovery, and a restart would duplicate anomalies.
      if (collection && loadedFiring) {
        const lifecycle = await applyFindings(samples, findingsByDetector, health, now, fail);
        fired = lifecycle.fired;
        resolved = lifecycle.resolved;
        endPhase('anomalies');
      }

      if (fired.length > 0 && analyst) {
        await analyseAll(analyst, fired, samples, fail);
        endPhase('analyse');
      }

      if (dispatcher && (fired.length > 0 || resolved.length > 0)) {
        const alerts: MonitorAlert[] = fired.map((entry) => ({
          anomaly: entry.anomaly,
          rca: entry.rca,
          kind: 'firing',
        }));
        for (const anomaly of resolved) {
          let rca: Rca | null = null;
          try {
            rca = await store.rca.getByAnomaly(anomaly.id);
          } catch (error) {
            fail('dispatch', 'store', error);
          }
          alerts.push({ anomaly, rca, kind: 'resolved' });
        }
        await dispatchAll(dispatcher, alerts, fail);
        endPhase('dispatch');
      }

      if (collection && tick % 10 === 0) {
        forgetVanishedSeries(samples, health.ok, fail);
        endPhase('forget');
      }
    } catch (error) {
      fail('tick', 'monitor', error);
    }

    const summary: TickSummary = {
      tick,
      startedAt,
      durationMs: performance.now() - tickStarted,
      samples: sampleCount,
      fired: fired.length,
      resolved: resolved.length,
      errors,
      phases,
      firing: active.size,
      failures,
    };
    lastTick = summary;
    events.emit('tick:complete', summary);
    return summary;
  };

  const applyFindings = async (
    samples: readonly Sample[],
    findingsByDetector: ReadonlyMap<string, readonly DetectorFinding[]>,
    health: { failed: ReadonlySet<string>; ok: ReadonlySet<string> },
    now: number,
    fail: (phase: string, source: string, error: unknown) => void,
  ) => {
    const reported = new Set<string>();
    const newAnomalies: Array<{ anomaly: Anomaly; seriesId: string }> = [];
    const updates: ActiveAnomaly[] = [];
    for (const [detectorName, findings] of findingsByDetector) {
      for (const finding of findings) {
        const { sample } = finding;
        if (health.failed.has(sample.target)) continue;
        const fingerprint = anomalyFingerprint(detectorName, sample.target, sample.metric, sample.labels);
        if (reported.has(fingerprint)) continue;
        reported.add(fingerprint);
        const value = Number.isFinite(sample.value) ? sample.value : null;
        const score = clampScore(finding.score);
        const existing = active.get(fingerprint);
        if (existing) {
          existing.missingTicks = 0;
          existing.anomaly = {
            ...existing.anomaly,
            value,
            score,
            severity: finding.severity,
            reason: finding.reason,
            evidence: { ...finding.evidence },
            updatedAt: now,
          };
          updates.push(existing);
          continue;
        }
        newAnomalies.push({
          seriesId: sample.seriesId,
          anomaly: {
            id: createId(now),
            fingerprint,
            metric: sample.metric,
            labels: { ...sample.labels },
            value,
            score,
            severity: finding.severity,
            reason: finding.reason,
            detector: detectorName,
            target: sample.target,
            status: 'firing',
            evidence: { ...finding.evidence },
            startsAt: now,
            endsAt: null,
            updatedAt: now,
            acknowledgedAt: null,
          },
        });
      }
    }

    const fired: Fired[] = [];
    if (newAnomalies.length > 0) {
      try {
        await store.anomalies.insert(newAnomalies.map((entry) => entry.anomaly));
        for (const entry of newAnomalies) {
          active.set(entry.anomaly.fingerprint, {
            anomaly: entry.anomaly,
            seriesId: entry.seriesId,
            missingTicks: 0,
          });
          fired.push({ anomaly: entry.anomaly, rca: null });
          events.emit('anomaly:fired', { anomaly: entry.anomaly });
        }
      } catch (error) {
        // Not recorded, so not fired: the next tick tries again.
        fail('anomalies', 'store', error);
      }
    }

    await forEachLimited(updates, 8, async (entry) => {
      const { anomaly } = entry;
      try {
        const stored = await store.anomalies.update(anomaly.id, {
          value: anomaly.value,
          score: anomaly.score,
          severity: anomaly.severity,
          reason: anomaly.reason,
          evidence: anomaly.evidence,
          updatedAt: anomaly.updatedAt,
        });
        if (stored) entry.anomaly = stored;
        else active.delete(anomaly.fingerprint); // deleted by someone else: fires again next tick
      } catch (error) {
        fail('anomalies', 'store', error);
      }
    });

    // Anomalies not reported this tick: resolve when the detector saw the series and judged it
    // normal; wait when the data is missing; never touch series of a target that failed.
    const failedDetectors = new Set(
      detectors.map((detector) => detector.name).filter((name) => !findingsByDetector.has(name)),
    );
    const candidates: ActiveAnomaly[] = [];
    for (const entry of active.values()) {
      if (reported.has(entry.anomaly.fingerprint)) continue;
      if (health.failed.has(entry.anomaly.target)) continue;
      if (failedDetectors.has(entry.anomaly.detector)) continue;
      candidates.push(entry);
    }
    const toResolve: Array<{ entry: ActiveAnomaly; missing: boolean }> = [];
    if (candidates.length > 0) {
      const bySeries = new Map<string, ActiveAnomaly[]>();
      for (const entry of candidates) {
        const list = bySeries.get(entry.seriesId);
        if (list) list.push(entry);
        else bySeries.set(entry.seriesId, [entry]);
      }
      const present = new Set<ActiveAnomaly>();
      for (const sample of samples) {
        const entries = bySeries.get(sample.seriesId);
        if (entries) for (const entry of entries) present.add(entry);
      }
      for (const entry of candidates) {
        if (present.has(entry)) {
          toResolve.push({ entry, missing: false });
          continue;
        }
        entry.missingTicks++;
        if (entry.missingTicks >= resolveMissingAfterTicks) toResolve.push({ entry, missing: true });
      }
    }

    const resolved: Anomaly[] = [];
    await forEachLimited(toResolve, 8, async ({ entry, missing }) => {
      const { anomaly } = entry;
      try {
        const stored = await store.anomalies.update(anomaly.id, {
          status: 'resolved',
          endsAt: now,
          updatedAt: now,
          ...(missing ? { evidence: { ...anomaly.evidence, resolution: 'series no longer collected' } } : {}),
        });
        active.delete(anomaly.fingerprint);
        const final: Anomaly = stored ?? { ...anomaly, status: 'resolved', endsAt: now, updatedAt: now };
        resolved.push(final);
        events.emit('anomaly:resolved', { anomaly: final });
      } catch (error) {
        fail('anomalies', 'store', error);
      }
    });
    return { fired, resolved };
  };

  const analyseAll = async (
    chosen: Analyst,
    fired: readonly Fired[],
    samples: readonly Sample[],
    fail: (phase: string, source: string, error: unknown) => void,
  ) => {
    const budget = new AbortController();
    const timer = setTimeout(
      () =>
        budget.abort(
          new PromptheusError('timeout', `the tick's analysis budget of ${analysisBudgetMs} ms was used up`, {
            retryable: true,
          }),
        ),
      analysisBudgetMs,
    );
    const firing = [...active.values()].map((entry) => entry.anomaly);
    try {
      await forEachLimited(fired, analysisConcurrency, async (entry) => {
        try {
          entry.rca = await chosen.analyse(entry.anomaly, { samples, firing, signal: budget.signal });
          events.emit('rca:ready', { rca: entry.rca, anomaly: entry.anomaly });
        } catch (error) {
          fail('analyse', 'analyst', error);
        }
      });
    } finally {
      clearTimeout(timer);
    }
  };

  /** Drops detector state of series that vanished from targets that answered (every tenth tick). */
  const forgetVanishedSeries = (
    samples: readonly Sample[],
    okTargets: ReadonlySet<string>,
    fail: (phase: string, source: string, error: unknown) => void,
  ) => {
    // Steady state: the same series in the same order as at the last sweep, so nothing vanished.
    if (sweepOrder.length === samples.length && sweepOrder.length > 0) {
      let same = true;
      for (let index = 0; index < samples.length; index++) {
        if (samples[index]!.seriesId !== sweepOrder[index]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    sweepOrder = samples.map((sample) => sample.seriesId);
    const seen = new Map<string, Set<string>>();
    for (const sample of samples) {
      let set = seen.get(sample.target);
      if (!set) {
        set = new Set();
        seen.set(sample.target, set);
      }
      set.add(sample.seriesId);
    }
    const gone: string[] = [];
    for (const [target, previous] of sweepSeries) {
      if (!okTargets.has(target)) {
        if (!seen.has(target)) seen.set(target, previous); // keep until the target answers again
        continue;
      }
      const now = seen.get(target);
      for (const id of previous) if (!now?.has(id)) gone.push(id);
    }
    sweepSeries = seen;
    if (gone.length === 0) return;
    for (const detector of detectors) {
      try {
        detector.forget?.(gone);
      } catch (error) {
        fail('forget', detector.name, error);
      }
    }
  };

  const tick = (): Promise<TickSummary> => {
    if (current) return current;
    current = runTick().finally(() => {
      current = null;
    });
    return current;
  };

  const schedule = (delayMs: number) => {
    timer = setTimeout(async () => {
      timer = null;
      const started = performance.now();
      await tick();
      if (running) schedule(Math.max(0, interval * 1000 - (performance.now() - started)));
    }, delayMs);
  };

  return {
    events,
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (current) await current;
    },
    tick,
    state() {
      return {
        running,
        ticking: current !== null,
        ticks,
        lastTick,
        firing: active.size,
        targets: Object.fromEntries(targets),
      };
    },
  };
}

async function dispatchAll(
  dispatcher: MonitorDispatcher,
  alerts: readonly MonitorAlert[],
  fail: (phase: string, source: string, error: unknown) => void,
): Promise<void> {
  if (dispatcher.notifyMany) {
    try {
      await dispatcher.notifyMany(alerts);
    } catch (error) {
      fail('dispatch', 'dispatcher', error);
    }
    return;
  }
  for (const alert of alerts) {
    try {
      await dispatcher.notify(alert.anomaly, alert.rca, alert.kind);
    } catch (error) {
      fail('dispatch', 'dispatcher', error);
    }
  }
}

function targetError(result: TargetCollection, previous: MonitorTargetState | undefined): string {
  if (result.skipped) {
    const until = result.retryAt ? ` until ${new Date(result.retryAt).toISOString()}` : '';
    const last = previous?.lastError ? ` (last error: ${previous.lastError})` : '';
    return `not queried: backing off${until} after ${result.consecutiveFailures ?? previous?.consecutiveErrors ?? 1} failures${last}`;
  }
  return result.error ?? 'collection failed';
}

function buildSnapshot(
  collection: Collection,
  now: number,
  size: number,
  errors: ReadonlyArray<{ target: string; error: string }>,
): MetricSnapshot {
  const { samples } = collection;
  const metrics: SnapshotMetric[] = [];
  const take = Math.min(size, samples.length);
  const step = take > 0 ? samples.length / take : 0;
  for (let index = 0; index < take; index++) {
    const sample = samples[Math.floor(index * step)]!;
    metrics.push({
      metric: sample.metric,
      labels: { ...sample.labels },
      value: Number.isFinite(sample.value) ? sample.value : null,
    });
  }
  return {
    id: createId(now),
    timestamp: now,
    count: samples.length,
    metrics,
    targets: collection.targets.filter((target) => target.ok).map((target) => target.target),
    errors: errors.map((entry) => `${entry.target}: ${entry.error}`),
  };
}

function clampScore(score: number): number {
  if (Number.isNaN(score)) return 1;
  return Math.min(1, Math.max(0, score));
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new PromptheusError('config', `createMonitor: ${name} must be a number >= 0, got ${value}`);
  }
  return Math.floor(value);
}
