import { describe, expect, it } from 'vitest';
import type { Detector } from '../contracts/detector.js';
import { PromptheusError } from '../errors.js';
import { adaptiveDetector } from './adaptive.js';
import { rangeDetector } from './range.js';
import { seasonalDetector } from './seasonal.js';
import { contractViolations, flagged, random, sample, stream } from './test-helpers.js';
import { volatilityDetector } from './volatility.js';

const FIFTEEN_MINUTES = 15 * 60_000;
const PER_DAY = 96;

/** A daily wave sampled every 15 minutes with a little noise. */
function dailyWave(days: number, seed = 1): number[] {
  const noise = random(seed);
  return Array.from(
    { length: days * PER_DAY },
    (_, index) => 50 + 30 * Math.sin((2 * Math.PI * index) / PER_DAY) + noise.gaussian(),
  );
}

const all: Array<[string, () => Detector]> = [
  ['range', () => rangeDetector()],
  ['seasonal', () => seasonalDetector()],
  ['volatility', () => volatilityDetector()],
  ['adaptive', () => adaptiveDetector()],
];

describe.each(all)('%s detector', (name, create) => {
  it('is named, scores a flat line 0 and keeps the contract on noisy data', () => {
    const detector = create();
    expect(detector.name).toBe(name);
    const flat = stream(detector, Array(3000).fill(45), { stepMs: FIFTEEN_MINUTES });
    expect(Math.max(...flat.scores)).toBe(0);
    const noise = random(5);
    const noisy = stream(
      create(),
      Array.from({ length: 3000 }, () => noise.gaussian() * 1e6),
      { stepMs: FIFTEEN_MINUTES },
    );
    expect(contractViolations(noisy)).toEqual([]);
  });

  it('has no opinion during warm-up and after forget()', () => {
    const detector = create();
    const warmup = stream(detector, [...Array(49).fill(1), 1e9], { seriesId: 's' });
    expect(Math.max(...warmup.scores)).toBe(0);
    detector.forget!(['s']);
    expect(Math.max(...stream(detector, [1e12], { seriesId: 's' }).scores)).toBe(0);
  });

  it('skips non-finite values and survives gaps and timestamps that step backwards', () => {
    const detector = create();
    const scores = new Float64Array(3);
    const base = Date.UTC(2024, 0, 1);
    detector.observe(
      [
        sample(Number.NaN, { seriesId: 'x' }),
        sample(Number.NEGATIVE_INFINITY, { seriesId: 'y' }),
        sample(1, { seriesId: 'z' }),
      ],
      { scores },
    );
    expect(Array.from(scores)).toEqual([0, 0, 0]);
    const noise = random(9);
    const results: number[] = [];
    for (let index = 0; index < 2000; index++) {
      const jump = index === 500 ? 10 * 86_400_000 : index === 900 ? -7_200_000 : 0;
      const timestamp =
        base + index * 300_000 + (index >= 500 ? 10 * 86_400_000 : 0) + (index >= 900 ? jump : 0);
      detector.observe([sample(10 + noise.gaussian(), { seriesId: 'gappy', timestamp })], { scores });
      results.push(scores[0]!);
    }
    expect(results.every((score) => Number.isFinite(score) && score >= 0 && score < 1)).toBe(true);
  });
});

describe('range detector', () => {
  it('fires on a spike far beyond the recent range, in either direction, and not inside it', () => {
    const noise = random(2);
    const values = Array.from({ length: 1500 }, () => 100 + noise.gaussian() * 5);
    values[1200] = 180;
    values[1300] = 20;
    values[1400] = 112;
    const result = stream(rangeDetector(), values);
    expect(flagged(result)).toContain(1200);
    expect(flagged(result)).toContain(1300);
    expect(result.scores[1400]).toBe(0);
    const ranked = result.scores.map((score, index) => [score, index] as const).sort((a, b) => b[0] - a[0]);
    expect(ranked.slice(0, 2).map(([, index]) => index)).toEqual([1200, 1300]);
    expect(result.findings[1200]!.reason).toMatch(
      /^cpu_usage is 180, above its highest value \(11\d(\.\d+)?\) in the last \d+ samples$/,
    );
    expect(result.findings[1300]!.reason).toMatch(/below its lowest value/);
    expect(result.findings[1200]!.evidence).toMatchObject({ value: 180 });
  });

  it('finds a repeated spike of the same size less surprising', () => {
    const noise = random(3);
    const values = Array.from({ length: 1400 }, () => 100 + noise.gaussian() * 5);
    values[1200] = 200;
    values[1300] = 200;
    const result = stream(rangeDetector(), values);
    expect(result.scores[1200]).toBeGreaterThan(0.65);
    expect(result.scores[1300]).toBeLessThan(result.scores[1200]! - 0.05);
  });

  it('keeps series apart', () => {
    const detector = rangeDetector();
    const noise = random(4);
    for (let index = 0; index < 300; index++) {
      detector.observe([
        sample(10 + noise.gaussian(), { seriesId: 'small' }),
        sample(1e6 + noise.gaussian() * 1e4, { seriesId: 'large' }),
      ]);
    }
    const findings = detector.observe([
      sample(1000, { seriesId: 'small' }),
      sample(1000, { seriesId: 'large' }),
    ]);
    expect(findings.map((finding) => finding.sample.seriesId)).toEqual(['small', 'large']);
    expect(findings[1]!.reason).toMatch(/below its lowest/);
    expect(detector.observe([sample(1e6, { seriesId: 'large' })])).toEqual([]);
  });
});

describe('novelty detectors on counters', () => {
  /** A request counter scraped every 15 s: about 20 requests per second. */
  function requests(length: number, seed: number): number[] {
    const noise = random(seed);
    let total = 0;
    return Array.from({ length }, () => {
      total += 15 * (20 + noise.gaussian());
      return total;
    });
  }

  it('judge the rate of a counter by default and report a burst in it', () => {
    const values = requests(1200, 8);
    // From sample 1100 on, 200 extra requests per second for one interval.
    for (let index = 1100; index < values.length; index++) values[index]! += 3000;
    const result = stream(rangeDetector(), values, { metric: 'http_requests_total', stepMs: 15_000 });
    expect(flagged(result)).toEqual([1100]);
    expect(result.findings[1100]!.reason).toMatch(
      /^http_requests_total increases by 2\d\d(\.\d+)?\/s, above its highest rate \(2\d(\.\d+)?\/s\) in the last \d+ samples$/,
    );
    expect(result.findings[1100]!.evidence).toMatchObject({ value: values[1100] });
    expect(result.findings[1100]!.evidence.rate as number).toBeGreaterThan(200);
    // The raw cumulative value makes a new high on every sample: the burst is one more, missed.
    const raw = stream(rangeDetector({ counters: 'raw' }), values, {
      metric: 'http_requests_total',
      stepMs: 15_000,
    });
    expect(flagged(raw)).toEqual([]);
    expect(contractViolations(result)).toEqual([]);
  });

  it('keep no state for histogram buckets, and follow a policy function once per series', () => {
    const calls: string[] = [];
    const detector = adaptiveDetector({
      counters: (metric) => {
        calls.push(metric);
        return metric.startsWith('skip_') ? 'skip' : 'rate';
      },
    });
    const values = requests(300, 9);
    values[250] = values[249]! + 1e7;
    const buckets = stream(adaptiveDetector(), values, { metric: 'latency_seconds_bucket' });
    expect(Math.max(...buckets.scores)).toBe(0);
    const skipped = stream(detector, values, { metric: 'skip_this' });
    expect(Math.max(...skipped.scores)).toBe(0);
    const rated = stream(detector, values, { metric: 'jobs' });
    expect(flagged(rated)).toContain(250);
    expect(calls).toEqual(['skip_this', 'jobs']);
    expect(() => rangeDetector({ counters: 'delta' as 'rate' })).toThrow(/rangeDetector: option "counters"/);
  });
});

describe('seasonal detector', () => {
  it('flags a missing daily peak although every value is within the usual range', () => {
    const values = dailyWave(8);
    // On day 7 the morning peak (values up to 80) stays at the daily mean.
    const peakStart = 6 * PER_DAY + 10;
    for (let index = peakStart; index < peakStart + 30; index++)
      values[index] = 50 + (values[index]! - 50) * 0.1;
    const seasonal = stream(seasonalDetector(), values, { stepMs: FIFTEEN_MINUTES });
    const found = flagged(seasonal);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((index) => index >= peakStart && index < peakStart + 30)).toBe(true);
    expect(seasonal.findings[found[0]!]!.reason).toMatch(
      /^cpu_usage is \d+(\.\d+)?, below its usual \d+(\.\d+)? at this time of day$/,
    );
    const [, actual, usual] = /is ([\d.]+), below its usual ([\d.]+)/.exec(
      seasonal.findings[found[0]!]!.reason,
    )!;
    expect(Number(usual) - Number(actual)).toBeGreaterThan(5);
    const range = stream(rangeDetector(), values, { stepMs: FIFTEEN_MINUTES });
    expect(flagged(range)).toEqual([]);
  });

  it('judges nothing during the first day', () => {
    const result = stream(seasonalDetector({ minSamples: 10 }), dailyWave(1), { stepMs: FIFTEEN_MINUTES });
    expect(Math.max(...result.scores)).toBe(0);
  });
});

describe('volatility detector', () => {
  it('flags a burst of oscillation inside the usual range', () => {
    const noise = random(6);
    const values = Array.from({ length: 1500 }, () => 50 + noise.gaussian());
    for (let index = 1200; index < 1230; index++) values[index] = index % 2 === 0 ? 55 : 45;
    const result = stream(volatilityDetector(), values);
    const found = flagged(result);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!).toBeGreaterThanOrEqual(1200);
    expect(found[0]!).toBeLessThan(1212);
    expect(found.every((index) => index >= 1200 && index < 1245)).toBe(true);
    expect(result.findings[found[0]!]!.reason).toMatch(/^cpu_usage fluctuates unusually: mean deviation/);
  });
});

describe('adaptive detector', () => {
  it('stays quiet on Gaussian noise and on a clean daily wave', () => {
    const noise = random(8);
    const gaussian = stream(
      adaptiveDetector(),
      Array.from({ length: 4000 }, () => noise.gaussian()),
      {
        stepMs: 300_000,
      },
    );
    expect(flagged(gaussian)).toEqual([]);
    expect(flagged(stream(adaptiveDetector(), dailyWave(10), { stepMs: FIFTEEN_MINUTES }))).toEqual([]);
  });

  it('fires once at the start of a level shift and goes quiet as the new level becomes normal', () => {
    const noise = random(10);
    const values = Array.from({ length: 3000 }, (_, index) => (index < 2000 ? 20 : 60) + noise.gaussian());
    const result = stream(adaptiveDetector(), values, { stepMs: 300_000 });
    const found = flagged(result);
    expect(found[0]).toBe(2000);
    expect(found.every((index) => index < 2200)).toBe(true);
    expect(result.findings[2000]!.reason).toMatch(/above its highest value/);
    expect(result.findings[2000]!.evidence).toMatchObject({ value: values[2000], threshold: 0.62 });
  });

  it('reports every sample at or above its threshold with the score it wrote, and severity by score', () => {
    const noise = random(12);
    const values = Array.from({ length: 1500 }, () => noise.gaussian());
    values[1100] = 40;
    values[1101] = 45;
    const result = stream(
      adaptiveDetector({ threshold: 0.58, severity: (score) => (score > 0.7 ? 'high' : 'low') }),
      values,
    );
    expect(flagged(result)).toEqual(expect.arrayContaining([1100, 1101]));
    // Every sample scoring at or above the threshold has a finding, and no other sample has one.
    const mismatched = result.scores.filter(
      (score, index) => (result.findings[index] !== undefined) !== score >= 0.58,
    );
    expect(mismatched).toEqual([]);
    expect(result.findings[1100]!.severity).toBe('high');
    expect(result.findings[1101]!.severity).toBe('low');
    expect(contractViolations(result)).toEqual([]);
    // With the default threshold the second, less novel spike is below the line.
    expect(flagged(stream(adaptiveDetector(), values))).toEqual([1100]);
  });

  it('raises about one false alarm per 10,000 samples of Gaussian noise with default thresholds', () => {
    for (const create of [adaptiveDetector, rangeDetector, seasonalDetector, volatilityDetector]) {
      let alarms = 0;
      for (let seed = 100; seed < 110; seed++) {
        const noise = random(seed);
        alarms += flagged(
          stream(
            create(),
            Array.from({ length: 5000 }, () => noise.gaussian()),
            { stepMs: 300_000 },
          ),
        ).length;
      }
      expect(alarms, create.name).toBeLessThanOrEqual(15);
    }
  });

  it('rejects invalid options with a config error naming the option', () => {
    expect(() => adaptiveDetector({ history: 4 })).toThrow(/adaptiveDetector: option "history"/);
    expect(() => adaptiveDetector({ threshold: 1 })).toThrow(/option "threshold"/);
    expect(() => seasonalDetector({ buckets: 0 })).toThrow(/seasonalDetector: option "buckets"/);
    expect(() => volatilityDetector({ span: 0 })).toThrow(PromptheusError);
    expect(() => rangeDetector({ name: 'Range!' })).toThrow(/option "name"/);
  });
});
