import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { quietCounterPolicy } from './counters.js';
import { contractViolations, flagged, random, START, sample, stream } from './test-helpers.js';
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

  it('stays quiet on a flat line and on bounded noise', () => {
    const flat = stream(zScoreDetector(), Array(50).fill(42));
    expect(flagged(flat)).toEqual([]);
    expect(Math.max(...flat.scores)).toBe(0);
    const noise = random(7);
    const bounded = Array.from(
      { length: 2000 },
      (_, index) => (index % 2 === 0 ? 10 : 12) + noise.uniform() * 0.2,
    );
    expect(flagged(stream(zScoreDetector(), bounded))).toEqual([]);
  });

  it('does not judge a sample against a constant window by default (z is undefined there)', () => {
    // go_goroutines sits at 10, then moves to 11: no finding, score 0.
    const moved = stream(zScoreDetector(), [10, 10, 10, 10, 10, 11], { metric: 'go_goroutines' });
    expect(flagged(moved)).toEqual([]);
    expect(moved.scores).toEqual([0, 0, 0, 0, 0, 0]);
    // The new value joins the window, so from then on the series has a spread to be judged by:
    // a small move stays quiet, a jump far beyond it is reported.
    const after = stream(zScoreDetector(), [10, 10, 10, 10, 10, 11, 11, 10, 30]);
    expect(flagged(after)).toEqual([8]);
    expect(after.findings[8]!.evidence).toMatchObject({ mean: 10.25, window: 8 });
    expect(contractViolations(after)).toEqual([]);
  });

  it("flags any change after a constant window with constantWindow: 'flag'", () => {
    const detector = zScoreDetector({ constantWindow: 'flag' });
    const step = stream(detector, [...Array(10).fill(0), 3, 3]);
    expect(flagged(step)).toEqual([10]);
    expect(step.findings[10]!.reason).toBe('cpu_usage is 3; its last 10 values were all 0');
    expect(step.findings[10]!.evidence).toMatchObject({ mean: 0, stddev: 0, z: null, window: 10 });
    expect(step.findings[10]!.severity).toBe('high');
    expect(step.scores[10]).toBeGreaterThan(0.9);
    // An equal value after a constant window is still normal.
    expect(flagged(stream(zScoreDetector({ constantWindow: 'flag' }), Array(20).fill(7)))).toEqual([]);
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
    expect(() => zScoreDetector({ constantWindow: 'skip' as 'flag' })).toThrow(/option "constantWindow"/);
    expect(() => zScoreDetector({ counters: 'delta' as 'rate' })).toThrow(/option "counters"/);
    expect(() => zScoreDetector({ longRunSpread: 2 })).toThrow(/option "longRunSpread"/);
    expect(() => zScoreDetector({ metricHistory: -1 })).toThrow(/option "metricHistory"/);
  });
  describe('quiet options', () => {
    it('measures jitter against the long-run spread after a calm stretch (longRunSpread)', () => {
      const noise = random(21);
      // Noise with a standard deviation of 1; then ten unusually calm values; then an ordinary value.
      const values = Array.from({ length: 300 }, () => 100 + noise.gaussian());
      for (let index = 0; index < 10; index++) values.push(100 + noise.gaussian() * 0.05);
      values.push(101.8);
      const last = values.length - 1;
      expect(flagged(stream(zScoreDetector(), values))).toContain(last);
      const steady = stream(zScoreDetector({ longRunSpread: 0.02 }), values);
      expect(flagged(steady)).not.toContain(last);
      // A real spike still stands out against the long-run spread.
      const spiked = stream(zScoreDetector({ longRunSpread: 0.02 }), [...values.slice(0, last), 110]);
      expect(flagged(spiked)).toContain(last);
      expect(spiked.findings[last]!.evidence.stddev as number).toBeGreaterThan(0.5);
    });

    it('reports only jumps that are rare for their metric (metricHistory)', () => {
      // Twenty series of one metric that jump 50-fold now and then, like scrape durations on a
      // busy host, and one calm series of another metric.
      const noise = random(13);
      const batch = (tick: number, calmValue: number) => [
        ...Array.from({ length: 20 }, (_, series) =>
          sample(noise.uniform() < 0.03 ? 0.05 : 0.001 + noise.uniform() * 0.0002, {
            metric: 'collector_duration_seconds',
            seriesId: `collector-${series}`,
            timestamp: START + tick * 2000,
          }),
        ),
        sample(calmValue, { metric: 'queue_depth', seriesId: 'queue', timestamp: START + tick * 2000 }),
      ];
      const plain = zScoreDetector();
      const quiet = zScoreDetector({ metricHistory: 200 });
      let plainAlarms = 0;
      let quietAlarms = 0;
      for (let tick = 0; tick < 500; tick++) {
        const samples = batch(tick, 10 + (tick % 3));
        plainAlarms += plain.observe(samples).length;
        quietAlarms += quiet.observe(samples).length;
      }
      expect(plainAlarms).toBeGreaterThan(100);
      expect(quietAlarms).toBeLessThan(plainAlarms / 20);
      // A jump far beyond the metric's usual ones is still reported, with the metric's usual high.
      const scores = new Float64Array(21);
      const spike = batch(500, 10);
      spike[3] = sample(5, {
        metric: 'collector_duration_seconds',
        seriesId: 'collector-3',
        timestamp: START + 1e6,
      });
      spike[20] = sample(50, { metric: 'queue_depth', seriesId: 'queue', timestamp: START + 1e6 });
      const findings = quiet.observe(spike, { scores });
      const reported = findings.map((finding) => finding.sample.seriesId);
      expect(reported).toContain('collector-3');
      expect(reported).toContain('queue');
      const collector = findings.find((finding) => finding.sample.seriesId === 'collector-3')!;
      expect(collector.evidence.metricHighZ as number).toBeGreaterThan(10);
      expect(collector.score).toBe(scores[3]);
      expect(contractViolations({ scores: Array.from(scores), findings: [] })).toEqual([]);
    });

    it('judges a new metric by the threshold alone until it has a history', () => {
      // The monitor's spike: six ordinary values, then a jump.
      const detector = zScoreDetector({ metricHistory: 200, longRunSpread: 0.02 });
      const result = stream(detector, [10, 11, 12, 10, 11, 12, 50, 11]);
      expect(flagged(result)).toEqual([6]);
    });
  });

  describe('counters', () => {
    /** A counter scraped every second, growing by about 100 per second. */
    const counter = (length: number, seed = 5) => {
      const noise = random(seed);
      const values: number[] = [];
      let total = 5000;
      for (let index = 0; index < length; index++) {
        total += 100 + noise.gaussian() * 5;
        values.push(total);
      }
      return values;
    };

    it('judges the raw cumulative value by default, as the original service did', () => {
      // A counter that was idle and resumes at its usual pace: the raw value leaves its window.
      const values = [...Array(10).fill(1000), 1001, 1002, 1003, 1004, 1005, 1006, 1020];
      const raw = stream(zScoreDetector(), values, { metric: 'http_requests_total', stepMs: 1000 });
      expect(flagged(raw).length).toBeGreaterThan(0);
      expect(raw.findings[flagged(raw)[0]!]!.evidence.rate).toBeUndefined();
    });

    it("judges the per-second increase with counters: 'rate'", () => {
      const rate = () => zScoreDetector({ counters: 'rate' });
      const options = { metric: 'http_requests_total', stepMs: 1000 };
      // A counter idle for a while that resumes at 10 per second: the raw value leaves its window
      // tick after tick; its rate goes from a constant 0 to a steady 10 and nothing is reported.
      const resumes = [...Array(10).fill(1000), 1010, 1020, 1030, 1040, 1050, 1060, 1070, 1080];
      expect(flagged(stream(zScoreDetector(), resumes, options))).toEqual([11, 12, 13]);
      expect(flagged(stream(rate(), resumes, options))).toEqual([]);
      // Traffic stops: the raw value merely stays where it was, the rate drops to 0 and is reported.
      const values = Array.from({ length: 30 }, (_, index) => 5000 + 100 * index + (index % 2) * 4);
      const stops = [...values, values.at(-1)!];
      expect(flagged(stream(zScoreDetector(), stops, options))).toEqual([]);
      const stopped = stream(rate(), stops, options);
      expect(flagged(stopped)).toEqual([30]);
      expect(stopped.findings[30]!.reason).toMatch(
        /^http_requests_total increases by 0\/s, .* below its mean rate of/,
      );
      // A steady counter: its rate is as noisy as its increments, no more.
      const steady = stream(rate(), counter(2000), options);
      expect(flagged(steady).length / 2000).toBeLessThan(0.035);
      expect(contractViolations(steady)).toEqual([]);
    });

    it('reports a burst in the rate with the rate, the mean rate and the raw value', () => {
      const values = [1000, 1010, 1021, 1030, 1041, 1050, 1060, 1071, 1080, 1090, 1600];
      const detector = zScoreDetector({ counters: 'rate' });
      const result = stream(detector, values, { metric: 'http_requests_total', stepMs: 2000 });
      // The first sample only starts the rate: five rates are needed, so six samples.
      expect(result.scores.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(flagged(result)).toEqual([10]);
      const finding = result.findings[10]!;
      expect(finding.evidence).toMatchObject({ value: 1600, rate: 255, threshold: 3, window: 9 });
      expect(finding.evidence.meanRate as number).toBeCloseTo(5, 12);
      expect(finding.reason).toMatch(
        /^http_requests_total increases by 255\/s, \d+(\.\d+)? standard deviations above its mean rate of 5\/s over the last 9 intervals$/,
      );
      expect(finding.sample.value).toBe(1600);
    });

    it('treats a drop as a counter reset, like Prometheus', () => {
      // About 10 per second; the process restarts and the counter starts again from 0, reaching 9.
      const values = [1000, 1010, 1021, 1030, 1041, 1050, 1060, 1071, 1080, 1090, 9, 19, 30];
      const result = stream(zScoreDetector({ counters: 'rate' }), values, {
        metric: 'jobs_processed_total',
        stepMs: 1000,
      });
      expect(flagged(result)).toEqual([]);
      // A reset whose new value is far above the usual increase is a burst.
      const burst = stream(zScoreDetector({ counters: 'rate' }), [...values.slice(0, 10), 900], {
        metric: 'jobs_processed_total',
        stepMs: 1000,
      });
      expect(flagged(burst)).toEqual([10]);
      expect(burst.findings[10]!.evidence.rate).toBe(900);
    });

    it('skips samples whose timestamp did not move forward', () => {
      const detector = zScoreDetector({ counters: 'rate' });
      const scores = new Float64Array(1);
      const observe = (value: number, second: number) =>
        detector.observe([sample(value, { metric: 'x_total', timestamp: START + second * 1000 })], { scores })
          .length;
      for (let second = 0; second < 8; second++) observe(100 * second + (second % 2), second);
      // The same evaluation seen twice: no rate, no finding, no state change.
      expect(observe(700 + 1, 7)).toBe(0);
      expect(scores[0]).toBe(0);
      expect(observe(800, 8)).toBe(0);
      expect(observe(5000, 9)).toBe(1);
    });

    it("leaves counters out with counters: 'skip', and judges gauges in every mode", () => {
      const jump = [1, 2, 1, 2, 1, 2, 1, 2, 500];
      for (const counters of ['skip', 'rate', 'raw'] as const) {
        const detector = zScoreDetector({ counters });
        expect(flagged(stream(detector, jump, { metric: 'queue_depth', seriesId: 'gauge' }))).toEqual([8]);
      }
      const skipping = stream(zScoreDetector({ counters: 'skip' }), jump, { metric: 'errors_total' });
      expect(flagged(skipping)).toEqual([]);
      expect(Math.max(...skipping.scores)).toBe(0);
    });

    it('decides the mode of a series once, from a function of the metric name', () => {
      const calls: string[] = [];
      const detector = zScoreDetector({
        counters: (metric) => {
          calls.push(metric);
          return quietCounterPolicy(metric);
        },
      });
      const batch = (tick: number) => [
        sample(tick * 10 + (tick % 2), {
          metric: 'requests_total',
          seriesId: 'a',
          timestamp: START + tick * 1000,
        }),
        sample(tick, { metric: 'latency_bucket', seriesId: 'b', timestamp: START + tick * 1000 }),
        sample(tick % 2, { metric: 'queue_depth', seriesId: 'c', timestamp: START + tick * 1000 }),
      ];
      for (let tick = 0; tick < 20; tick++) detector.observe(batch(tick));
      expect(calls).toEqual(['requests_total', 'latency_bucket', 'queue_depth']);
      detector.forget!(['a']);
      detector.observe(batch(20));
      expect(calls).toEqual(['requests_total', 'latency_bucket', 'queue_depth', 'requests_total']);
      const bad = zScoreDetector({ counters: () => 'sometimes' as 'raw' });
      expect(() => bad.observe([sample(1)])).toThrow(/counters function returned "sometimes" for cpu_usage/);
    });
  });
});
