import type { Sample } from '../model/sample.js';

/** Outcome of collecting one target in a {@link MetricsSource.collect} call. */
export interface TargetCollection {
  /** Target name. */
  readonly target: string;
  readonly ok: boolean;
  readonly sampleCount: number;
  readonly durationMs: number;
  /** Why the target failed; never contains credentials. */
  readonly error?: string;
  /** Failures in a row, including this one (0 when ok). */
  readonly consecutiveFailures?: number;
  /** While backing off after failures: the target is not queried again before this time (ms). */
  readonly retryAt?: number;
  /** True when the target was not queried in this collection because it is backing off. */
  readonly skipped?: boolean;
}

/** Everything one collection produced. A failing target is reported, never thrown. */
export interface Collection {
  /** When the collection started, in ms since the epoch. */
  readonly timestamp: number;
  /** Newest sample of every collected series, across all targets that answered. */
  readonly samples: readonly Sample[];
  /** One entry per target, in the order they were configured. */
  readonly targets: readonly TargetCollection[];
}

/** Options of `MetricsSource.collect`. */
export interface CollectOptions {
  /** Aborts the collection; targets still running are reported as failed. */
  readonly signal?: AbortSignal;
}

/**
 * Where the monitor gets samples from. The built-in implementation queries the Prometheus HTTP
 * API of one or more targets; anything that can produce newest-value samples can be a source.
 */
export interface MetricsSource {
  /** Short name for logs and status pages. */
  readonly name: string;
  /** Collects the newest sample of every series it watches. Resolves even when every target fails. */
  collect(options?: CollectOptions): Promise<Collection>;
}
