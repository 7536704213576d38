import type { Collection, MetricsSource, TargetCollection } from '../contracts/metrics-source.js';
import { errorMessage, PromptheusError } from '../errors.js';
import type { Sample } from '../model/sample.js';
import type { TargetAuth } from '../model/target.js';
import { deadline } from '../util/abort.js';
import { type Connection, createConnection } from './http.js';
import type { ResponseContext } from './response.js';
import { createVectorDecoder, type VectorDecoder } from './vector-samples.js';

/** The selector that matches every series. */
export const ALL_SERIES_SELECTOR = '{__name__=~".+"}';

/** One Prometheus server the source collects from. A stored `Target` fits as is. */
export interface PrometheusSourceTarget {
  /** Unique short name; becomes the `target` of every sample and part of its series id. */
  readonly name: string;
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090`. */
  readonly url: string;
  /** Bearer or basic authentication. Never logged or reported. */
  readonly auth?: TargetAuth | null;
  /** Extra headers (e.g. `X-Scope-OrgID`). Never logged or reported. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Series selectors to collect; empty or missing means the source's `selectors`. */
  readonly selectors?: readonly string[];
  /** Deadline of this target's queries in ms. @default the source's `timeoutMs` */
  readonly timeoutMs?: number;
  /** Disabled targets are left out. @default true */
  readonly enabled?: boolean;
  /** Ask this target for gzip-compressed answers. @default the source's `compression` */
  readonly compression?: boolean;
}

/** How long a failing target is left alone: `initialMs × factor^(failures − 1)`, capped, with jitter. */
export interface TargetBackoffOptions {
  /** Pause after the first failure. @default 1000 */
  readonly initialMs?: number;
  /** Growth per further failure. @default 2 */
  readonly factor?: number;
  /** Longest pause. @default 60000 */
  readonly maxMs?: number;
  /** Random spread, as a fraction of the pause (0.2 = ±20 %). @default 0.2 */
  readonly jitter?: number;
}

/** Options of {@link createPrometheusSource}. */
export interface PrometheusSourceOptions {
  /**
   * The targets, or a function returning the current list (called on every collection; the
   * monitor passes the enabled targets from the store, else `PROMETHEUS_URL`).
   */
  readonly targets:
    | readonly PrometheusSourceTarget[]
    | (() => readonly PrometheusSourceTarget[] | Promise<readonly PrometheusSourceTarget[]>);
  /** Name of the source in logs and status pages. @default 'prometheus' */
  readonly name?: string;
  /** Selectors for targets that do not name their own. @default ['{__name__=~".+"}'] */
  readonly selectors?: readonly string[];
  /** Deadline of each target's queries in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Backoff of failing targets; `false` queries them on every collection. @default {} (1 s → ×2 → 60 s, ±20 %) */
  readonly backoff?: TargetBackoffOptions | false;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Ask targets for gzip-compressed answers. Off by default: for the large answers a collection
   * gets, decompressing costs more CPU than decoding; turn it on for targets behind a slow link.
   * @default false
   */
  readonly compression?: boolean;
  /** Clock in ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

interface TargetState {
  /** Fingerprint of the connection settings; a change resets connection, decoders and backoff. */
  key: string;
  connection: Connection | undefined;
  configError: string | undefined;
  decoders: Map<string, VectorDecoder>;
  consecutiveFailures: number;
  retryAt: number;
  lastError: string | undefined;
}

function redact(message: string, secrets: readonly string[]): string {
  let safe = message;
  for (const secret of secrets) if (secret.length >= 3) safe = safe.split(secret).join('[redacted]');
  return safe;
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new PromptheusError('config', `${option} must be a positive number`);
  }
  return value;
}

/**
 * Creates a {@link MetricsSource} that collects the newest sample of every series matching the
 * configured selectors from one or more Prometheus servers.
 *
 * Targets are queried concurrently, one instant query per selector, evaluated at Prometheus's
 * current time: a sample's `timestamp` is that evaluation time (its value is the newest one
 * within Prometheus's lookback window, 5 minutes by default). A failing target never
 * fails the collection: it is reported in `Collection.targets` (the error never contains
 * credentials) and left alone for a growing pause (`retryAt`, `skipped`). Each sample carries
 * `target` = the target's name and `seriesId = seriesId(metric, labels, target)`.
 *
 * Answers are decoded by a fast scanner that remembers the series of earlier answers, so the
 * steady state (the same series every tick) costs a fraction of `JSON.parse`; anything unusual
 * falls back to the safe parser with full validation.
 *
 * @example
 * ```ts
 * const source = createPrometheusSource({
 *   targets: [
 *     { name: 'main', url: 'http://prometheus:9090' },
 *     { name: 'edge', url: 'https://edge.example.com/prometheus', auth: { type: 'bearer', token }, selectors: ['up', 'node_load1'] },
 *   ],
 * });
 * const { samples, targets } = await source.collect();
 * for (const target of targets) if (!target.ok) console.warn(target.target, target.error);
 * ```
 */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricsSource {
  if (typeof options !== 'object' || options === null) {
    throw new PromptheusError('config', 'createPrometheusSource needs options with targets');
  }
  const { targets } = options;
  if (typeof targets !== 'function' && !Array.isArray(targets)) {
    throw new PromptheusError(
      'config',
      'PrometheusSourceOptions.targets must be an array of targets or a function',
    );
  }
  const defaultSelectors = options.selectors?.length ? [...options.selectors] : [ALL_SERIES_SELECTOR];
  for (const selector of defaultSelectors) {
    if (typeof selector !== 'string' || selector.trim() === '') {
      throw new PromptheusError(
        'config',
        'PrometheusSourceOptions.selectors must be non-empty PromQL selectors',
      );
    }
  }
  const timeoutMs = positive(options.timeoutMs, 10_000, 'PrometheusSourceOptions.timeoutMs');
  const backoff =
    options.backoff === false
      ? undefined
      : {
          initialMs: positive(options.backoff?.initialMs, 1000, 'backoff.initialMs'),
          factor: positive(options.backoff?.factor, 2, 'backoff.factor'),
          maxMs: positive(options.backoff?.maxMs, 60_000, 'backoff.maxMs'),
          jitter: Math.min(1, Math.max(0, options.backoff?.jitter ?? 0.2)),
        };
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const states = new Map<string, TargetState>();
  let lastTargets: readonly PrometheusSourceTarget[] | undefined;

  function stateFor(target: PrometheusSourceTarget): TargetState {
    const compression = target.compression ?? options.compression ?? false;
    const key = JSON.stringify([
      target.url,
      target.auth ?? null,
      target.headers ?? null,
      target.timeoutMs ?? null,
      compression,
    ]);
    let state = states.get(target.name);
    if (state && state.key === key) return state;
    let connection: Connection | undefined;
    let configError: string | undefined;
    try {
      connection = createConnection(
        {
          url: target.url,
          auth: target.auth,
          headers: target.headers,
          timeoutMs: target.timeoutMs ?? timeoutMs,
          fetch: options.fetch,
          compression,
        },
        `target ${target.name}`,
      );
    } catch (error) {
      configError = errorMessage(error);
    }
    state = {
      key,
      connection,
      configError,
      decoders: new Map(),
      consecutiveFailures: 0,
      retryAt: 0,
      lastError: undefined,
    };
    states.set(target.name, state);
    return state;
  }

  async function collectTarget(
    target: PrometheusSourceTarget,
    state: TargetState,
    signal: AbortSignal | undefined,
  ): Promise<{ report: TargetCollection; samples: Sample[] }> {
    const started = now();
    const connection = state.connection!;
    const selectors = target.selectors?.length ? target.selectors : defaultSelectors;
    const answers = await Promise.all(
      selectors.map(async (selector) => {
        const answer = await connection.send({
          endpoint: '/api/v1/query',
          params: [['query', selector]],
          signal,
        });
        let decoder = state.decoders.get(selector);
        if (!decoder) {
          decoder = createVectorDecoder({ target: target.name });
          state.decoders.set(selector, decoder);
        }
        const context: ResponseContext = {
          url: connection.url,
          endpoint: '/api/v1/query',
          status: answer.status,
          secrets: connection.secrets,
        };
        return decoder.decode(answer.text, context).samples;
      }),
    );
    let samples: Sample[];
    if (answers.length === 1) samples = answers[0]!;
    else {
      // A series matched by several selectors is reported once.
      const seen = new Set<string>();
      samples = [];
      for (const batch of answers) {
        for (const sample of batch) {
          if (seen.has(sample.seriesId)) continue;
          seen.add(sample.seriesId);
          samples.push(sample);
        }
      }
    }
    return {
      samples,
      report: {
        target: target.name,
        ok: true,
        sampleCount: samples.length,
        durationMs: Math.max(0, now() - started),
        consecutiveFailures: 0,
      },
    };
  }

  function failure(
    target: PrometheusSourceTarget,
    state: TargetState,
    message: string,
    started: number,
    count: boolean,
  ): TargetCollection {
    const at = now();
    if (count) {
      state.consecutiveFailures++;
      state.lastError = message;
      if (backoff) {
        const pause = Math.min(
          backoff.maxMs,
          backoff.initialMs * backoff.factor ** (state.consecutiveFailures - 1),
        );
        state.retryAt = at + Math.round(pause * (1 + backoff.jitter * (2 * random() - 1)));
      }
    }
    return {
      target: target.name,
      ok: false,
      sampleCount: 0,
      durationMs: Math.max(0, at - started),
      error: message,
      consecutiveFailures: state.consecutiveFailures,
      ...(backoff && state.consecutiveFailures > 0 ? { retryAt: state.retryAt } : {}),
    };
  }

  async function resolveTargets(): Promise<{ list: readonly PrometheusSourceTarget[]; error?: string }> {
    if (typeof targets !== 'function') return { list: targets };
    try {
      const list = await targets();
      if (!Array.isArray(list))
        throw new PromptheusError('config', 'the targets function must return an array');
      lastTargets = list;
      return { list };
    } catch (error) {
      return { list: lastTargets ?? [], error: `could not list the targets: ${errorMessage(error)}` };
    }
  }

  return {
    name: options.name ?? 'prometheus',

    async collect(collectOptions = {}) {
      const timestamp = now();
      const { list, error: listError } = await resolveTargets();
      const enabled = list.filter((target) => target && target.enabled !== false);
      const names = new Set<string>();
      const collected: Sample[][] = [];
      const reports = await Promise.all(
        enabled.map(async (target, index): Promise<TargetCollection> => {
          const name = typeof target.name === 'string' && target.name !== '' ? target.name : '(unnamed)';
          if (name === '(unnamed)' || names.has(name)) {
            return {
              target: name,
              ok: false,
              sampleCount: 0,
              durationMs: 0,
              error: name === '(unnamed)' ? 'target has no name' : `duplicate target name "${name}"`,
            };
          }
          names.add(name);
          const state = stateFor(target);
          if (state.configError !== undefined) {
            return { target: name, ok: false, sampleCount: 0, durationMs: 0, error: state.configError };
          }
          const started = now();
          if (backoff && state.consecutiveFailures > 0 && started < state.retryAt) {
            return {
              target: name,
              ok: false,
              sampleCount: 0,
              durationMs: 0,
              error: state.lastError,
              consecutiveFailures: state.consecutiveFailures,
              retryAt: state.retryAt,
              skipped: true,
            };
          }
          const { signal, dispose } = deadline(`collecting target ${name}`, undefined, collectOptions.signal);
          try {
            const result = await collectTarget(target, state, signal);
            collected[index] = result.samples;
            state.consecutiveFailures = 0;
            state.retryAt = 0;
            state.lastError = undefined;
            return result.report;
          } catch (error) {
            const aborted = PromptheusError.hasCode(error, 'aborted');
            const message = redact(errorMessage(error), state.connection?.secrets ?? []);
            return failure(target, state, message, started, !aborted);
          } finally {
            dispose();
          }
        }),
      );
      // Forget targets that are gone.
      for (const name of states.keys()) if (!names.has(name)) states.delete(name);
      if (listError !== undefined) {
        reports.push({ target: 'targets', ok: false, sampleCount: 0, durationMs: 0, error: listError });
      }
      // Samples in the order the targets are configured.
      const batches = collected.filter((batch) => batch !== undefined);
      const samples = batches.length === 1 ? batches[0]! : batches.flat();
      return { timestamp, samples, targets: reports } satisfies Collection;
    },
  };
}
