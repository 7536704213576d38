/** Helpers for the detector tests: samples, a seeded random source, and streaming a series. */
import type { Detector, DetectorFinding } from '../contracts/detector.js';
import type { Labels } from '../model/common.js';
import type { Sample } from '../model/sample.js';

export const START = Date.UTC(2024, 0, 1);

export function sample(
  value: number,
  options: { timestamp?: number; metric?: string; labels?: Labels; seriesId?: string } = {},
): Sample {
  const metric = options.metric ?? 'cpu_usage';
  const labels = options.labels ?? {};
  return {
    seriesId: options.seriesId ?? `${metric}${JSON.stringify(labels)}`,
    metric,
    labels,
    value,
    timestamp: options.timestamp ?? START,
    target: 'test',
  };
}

/** A deterministic pseudo-random source (mulberry32) with a Gaussian helper. */
export function random(seed: number): { uniform(): number; gaussian(): number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    gaussian: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}

export interface StreamResult {
  readonly scores: number[];
  /** Finding per sample index (undefined when none). */
  readonly findings: Array<DetectorFinding | undefined>;
}

/** Feeds `values` one sample per call (timestamps `stepMs` apart) and collects scores and findings. */
export function stream(
  detector: Detector,
  values: readonly number[],
  options: { stepMs?: number; start?: number; seriesId?: string; metric?: string } = {},
): StreamResult {
  const stepMs = options.stepMs ?? 60_000;
  const start = options.start ?? START;
  const scores: number[] = [];
  const findings: Array<DetectorFinding | undefined> = [];
  const buffer = new Float64Array(1);
  values.forEach((value, index) => {
    const found = detector.observe(
      [
        sample(value, {
          timestamp: start + index * stepMs,
          ...(options.seriesId ? { seriesId: options.seriesId } : {}),
          ...(options.metric ? { metric: options.metric } : {}),
        }),
      ],
      { scores: buffer },
    );
    scores.push(buffer[0]!);
    findings.push(found[0]);
  });
  return { scores, findings };
}

/** Indexes of the samples that got a finding. */
export function flagged(result: StreamResult): number[] {
  return result.findings.flatMap((finding, index) => (finding ? [index] : []));
}

/** Asserts the contract invariants: every score finite in [0, 1], findings carry the same score. */
export function contractViolations(result: StreamResult): string[] {
  const problems: string[] = [];
  result.scores.forEach((score, index) => {
    if (!(Number.isFinite(score) && score >= 0 && score <= 1)) problems.push(`score ${score} at ${index}`);
    const finding = result.findings[index];
    if (finding && finding.score !== score)
      problems.push(`finding score ${finding.score} != ${score} at ${index}`);
  });
  return problems;
}
