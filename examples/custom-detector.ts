/**
 * A custom detector in ten lines, run next to the built-in ones.
 *
 * Run: pnpm tsx examples/custom-detector.ts
 */
import { type Detector, type Sample, thresholdDetector, zScoreDetector } from '@promptheus/core';

// The detector: flags a series whose value moves by more than half since its previous sample.
const previous = new Map<string, number>();
const jump: Detector = {
  name: 'jump',
  observe: (samples, options) =>
    samples.flatMap((sample, index) => {
      const before = previous.get(sample.seriesId);
      previous.set(sample.seriesId, sample.value);
      const change = before ? Math.abs(sample.value - before) / Math.abs(before) : 0;
      const score = change / (1 + change); // in [0, 1), growing with the move
      if (options?.scores) options.scores[index] = score;
      const reason = `${sample.metric} moved ${Math.round(change * 100)}% since the last sample`;
      return change > 0.5
        ? [{ sample, score, severity: 'medium' as const, reason, evidence: { before: before ?? null } }]
        : [];
    }),
  forget(seriesIds) {
    for (const seriesId of seriesIds) previous.delete(seriesId);
  },
};

// Everything below feeds it twelve ticks of two CPU series, with the built-in detectors alongside.
const detectors = [thresholdDetector(), zScoreDetector(), jump];
for (let tick = 0; tick < 12; tick++) {
  const samples: Sample[] = ['web-1', 'web-2'].map((instance) => ({
    seriesId: `prod|cpu_usage{instance="${instance}"}`,
    metric: 'cpu_usage',
    labels: { instance },
    value: instance === 'web-2' && tick === 10 ? 95 : 40 + (tick % 3),
    timestamp: Date.UTC(2024, 0, 1) + tick * 30_000,
    target: 'prod',
  }));
  for (const detector of detectors) {
    for (const finding of detector.observe(samples)) {
      console.log(`tick ${tick} ${detector.name} ${finding.sample.labels.instance}: ${finding.reason}`);
    }
  }
}
