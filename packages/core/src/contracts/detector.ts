import type { Evidence } from '../model/anomaly.js';
import type { Severity } from '../model/common.js';
import type { Sample } from '../model/sample.js';

/** A detector's verdict that one sample is anomalous. */
export interface DetectorFinding {
  /** The anomalous sample. */
  readonly sample: Sample;
  /** Anomaly score in [0, 1]; the same value written to `scores` for this sample. */
  readonly score: number;
  readonly severity: Severity;
  /** One sentence a person understands, e.g. `cpu_usage is 93.1, above 80`. */
  readonly reason: string;
  /** Numbers behind the verdict (threshold, mean, z, ...), shown in the RCA and alerts. */
  readonly evidence: Evidence;
}

/** Options of `Detector.observe`. */
export interface DetectorObserveOptions {
  /**
   * When given, the detector writes the anomaly score in [0, 1] of `samples[i]` into `scores[i]`,
   * for every sample (0 when it has no opinion yet). Used to rank and combine detectors and to
   * run benchmarks; the monitor passes it only when someone listens.
   */
  readonly scores?: Float64Array;
}

/**
 * Watches series sample by sample and reports the anomalous ones.
 *
 * Detectors are streaming and stateful: they see each series' samples in time order (one call per
 * monitor tick with the newest sample of every series) and keep whatever per-series state they
 * need, keyed by `sample.seriesId`. A detector should return a finding for every observed sample
 * that is anomalous (not only the first one), so the monitor can tell firing from resolved.
 *
 * @example A detector in ten lines
 * ```ts
 * const negative: Detector = {
 *   name: 'negative-values',
 *   observe(samples, options) {
 *     const findings: DetectorFinding[] = [];
 *     samples.forEach((sample, index) => {
 *       const score = sample.value < 0 ? 1 : 0;
 *       if (options?.scores) options.scores[index] = score;
 *       if (score === 1) findings.push({ sample, score, severity: 'medium', reason: `${sample.metric} is negative`, evidence: { value: sample.value } });
 *     });
 *     return findings;
 *   },
 * };
 * ```
 */
export interface Detector {
  /** Unique name: lowercase letters, digits and dashes (e.g. `zscore`, `threshold`). */
  readonly name: string;
  /** Observes one batch (the samples of one tick, at most one per series) and returns the anomalous ones. */
  observe(samples: readonly Sample[], options?: DetectorObserveOptions): readonly DetectorFinding[];
  /** Drops the state of series that no longer exist, to bound memory. */
  forget?(seriesIds: Iterable<string>): void;
}
