import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { contractViolations, flagged, random, sample, stream } from './test-helpers.js';
import { zScoreDetector } from './zscore.js';

describe('zScoreDetector', () => {
  it('has no opinion until the window holds minSamples values', () => {
    const result = stream(zScoreDetector(), [1, 2, 1, 2, 1, 50]);
    expect(result.scores.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(flagged(result)).toEqual([5]);
  });

  it('compares the sample with the window before adding it, using the population deviation', () => {
    // Window [1, 2, 3, 4, 5]: mean 3, population deviation √2. 7.5 → z = 4.5 / √2 = 3.18 (a sample
    // deviation √2.5 would give 2.85 and stay quiet).
    const detector = zScoreDetector();
    const result = stream(detector, [1, 2, 3, 4, 5, 7.5]);
    const finding = result.findings[5]!;
    expect(finding.evidence).toMatchObject({ mean: 3, window: 5, threshold: 3 });
    expect(finding.evidence.stddev as number).toBeCloseTo(Math.SQRT2, 12);
    expect(finding.evidence.z as number).toBeCloseTo(4.5 / Math.SQRT2, 12);
    expect(finding.severity).toBe('medium');
    expect(finding.reason).toBe(
      'cpu_usage is 7.5, 3.182 standard deviations above its mean of 3 over the last 5 values',
    );
    expect(flagged(stream(zScoreDetector(), [1, 2, 3, 4, 5, 7.2]))).toEqual([]);
  });

  it('keeps only the last `window` values', () => {
    // Ten wild values, then ten values alternating 10/11: only the latter form the window.
    const values = [
      0,
      100,
      0,
      100,
      0,
      100,
      0,
      100,
      0,
      100,
      ...Array.from({ length: 10 }, (_, index) => 10 + (index % 2)),
    ];
    const result = stream(zScoreDetector(), [...values, 14]);
    const finding = result.findings.at(-1)!;
    expect(finding.evidence).toMatchObject({ mean: 10.5, stddev: 0.5, z: 7, window: 10 });
    expect(finding.severity).toBe('high');
  });

  it('stays quiet on a flat line and on bounded noise, and flags a change after a constant window', () => {
    const flat = stream(zScoreDetector(), Array(50).fill(42));
    expect(flagged(flat)).toEqual([]);
    expect(Math.max(...flat.scores)).toBe(0);
    const noise = random(7);
    const bounded = Array.from(
      { length: 2000 },
      (_, index) => (index % 2 === 0 ? 10 : 12) + noise.uniform() * 0.2,
    );
    expect(flagged(stream(zScoreDetector(), bounded))).toEqual([]);
    const step = stream(zScoreDetector(), [...Array(10).fill(0), 3]);
    expect(step.findings[10]!.reason).toBe('cpu_usage is 3; its last 10 values were all 0');
    expect(step.findings[10]!.evidence.z).toBeNull();
    expect(contractViolations(step)).toEqual([]);
  });

  it('stays precise around 1e9 with tiny noise', () => {
    const noise = random(11);
    const values = Array.from({ length: 20_000 }, () => 1e9 + noise.gaussian() * 1e-3);
    const spikeAt = values.length;
    values.push(1e9 + 0.02);
    const result = stream(zScoreDetector(), values);
    const finding = result.findings[spikeAt]!;
    const window = values.slice(spikeAt - 10, spikeAt).map((value) => value - 1e9);
    const mean = window.reduce((sum, value) => sum + value, 0) / 10;
    const deviation = Math.sqrt(window.reduce((sum, value) => sum + (value - mean) ** 2, 0) / 10);
    const expected = (0.02 - mean) / deviation;
    expect(finding.evidence.z as number).toBeCloseTo(expected, 4);
    expect((finding.evidence.mean as number) - 1e9).toBeCloseTo(mean, 6);
    // With a 10-value window, z of Gaussian noise follows about 1.1 × Student's t with 9 degrees of
    // freedom: |z| > 3 for about 2.4% of samples. Lost precision would show as far more alarms.
    const rate = flagged(result).length / values.length;
    expect(rate).toBeGreaterThan(0.015);
    expect(rate).toBeLessThan(0.035);
  });

  it('scores every sample in [0, 1], monotone in |z|, never exactly 1', () => {
    const detector = zScoreDetector({ threshold: 3 });
    const base = [1, 2, 3, 4, 5];
    const scores = [3, 4, 6, 10, 100, 1e6, 1e300].map((offset) => {
      const result = stream(zScoreDetector(), [...base, 3 + offset * Math.SQRT2]);
      return result.scores[5]!;
    });
    for (let index = 1; index < scores.length; index++)
      expect(scores[index]!).toBeGreaterThan(scores[index - 1]!);
    expect(scores.at(-1)).toBeLessThan(1);
    expect(scores[0]).toBeCloseTo(0.5, 12);
    const noise = random(3);
    const result = stream(
      detector,
      Array.from({ length: 500 }, () => noise.gaussian() * 100),
    );
    expect(contractViolations(result)).toEqual([]);
  });

  it('keeps series apart, forgets them, and skips non-finite values', () => {
    const detector = zScoreDetector();
    const observe = (seriesId: string, value: number) =>
      detector.observe([sample(value, { seriesId })]).length;
    for (let index = 0; index < 10; index++) {
      observe('a', index % 2);
      observe('b', 1000 + (index % 2));
    }
    expect(observe('a', 10)).toBe(1);
    expect(observe('b', 1000.5)).toBe(0);
    const scores = new Float64Array(2);
    detector.observe(
      [sample(Number.NaN, { seriesId: 'b' }), sample(Number.POSITIVE_INFINITY, { seriesId: 'b' })],
      {
        scores,
      },
    );
    expect(Array.from(scores)).toEqual([0, 0]);
    expect(observe('b', 1000)).toBe(0);
    expect(observe('b', 5000)).toBe(1);
    detector.forget!(['b']);
    // The forgotten series starts over with five samples of warm-up.
    expect([5000, -5000, 5000, -5000, 5000].map((value) => observe('b', value))).toEqual([0, 0, 0, 0, 0]);
    expect(observe('b', 1e6)).toBe(1);
  });

  it('handles a batch of many series in one call', () => {
    const detector = zScoreDetector();
    const batch = (tick: number) =>
      Array.from({ length: 1000 }, (_, series) =>
        sample(tick === 10 && series === 500 ? 50 : series + (tick % 2), { seriesId: `s${series}` }),
      );
    for (let tick = 0; tick < 10; tick++) expect(detector.observe(batch(tick))).toEqual([]);
    const findings = detector.observe(batch(10));
    expect(findings.map((finding) => finding.sample.seriesId)).toEqual(['s500']);
  });

  it('honours severity and include options', () => {
    const detector = zScoreDetector({
      severity: 'critical',
      include: (candidate) => candidate.metric !== 'ignored',
    });
    const values = [1, 2, 1, 2, 1, 2, 50];
    expect(stream(detector, values).findings[6]!.severity).toBe('critical');
    expect(flagged(stream(detector, values, { metric: 'ignored' }))).toEqual([]);
  });

  it('rejects invalid options with a config error naming the option', () => {
    expect(() => zScoreDetector({ window: 1 })).toThrow(/option "window"/);
    expect(() => zScoreDetector({ window: 5, minSamples: 6 })).toThrow(
      /option "minSamples" must not exceed window \(5\)/,
    );
    expect(() => zScoreDetector({ threshold: 0 })).toThrow(/option "threshold"/);
    expect(() => zScoreDetector({ name: 'Z Score' })).toThrow(PromptheusError);
  });
});
