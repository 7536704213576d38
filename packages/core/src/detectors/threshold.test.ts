import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { START, sample } from './test-helpers.js';
import { DEFAULT_THRESHOLD_RULES, type ThresholdRule, thresholdDetector } from './threshold.js';

const observeOne = (detector: ReturnType<typeof thresholdDetector>, value: number, options = {}) => {
  const scores = new Float64Array(1);
  const findings = detector.observe([sample(value, options)], { scores });
  return { score: scores[0]!, finding: findings[0] };
};

describe('thresholdDetector defaults', () => {
  it('ships the original six rules', () => {
    expect(
      DEFAULT_THRESHOLD_RULES.map((rule) => `${rule.metric} ${rule.op} ${rule.value} ${rule.severity}`),
    ).toEqual([
      'up < 1 critical',
      'cpu_usage > 80 high',
      'memory_usage > 80 high',
      'http_request_duration_seconds > 5 high',
      'errors_total > 10 high',
      'disk_usage > 90 critical',
    ]);
    expect(Object.isFrozen(DEFAULT_THRESHOLD_RULES)).toBe(true);
  });

  it('flags each default condition with its severity and a readable reason', () => {
    const detector = thresholdDetector();
    const batch = [
      sample(0, { metric: 'up', labels: { instance: 'a' } }),
      sample(93.1, { metric: 'cpu_usage' }),
      sample(81, { metric: 'memory_usage' }),
      sample(6.5, { metric: 'http_request_duration_seconds' }),
      sample(11, { metric: 'errors_total' }),
      sample(95, { metric: 'disk_usage' }),
      sample(1, { metric: 'up', labels: { instance: 'b' } }),
      sample(80, { metric: 'cpu_usage', labels: { core: '1' } }),
      sample(99, { metric: 'unrelated' }),
    ];
    const scores = new Float64Array(batch.length);
    const findings = detector.observe(batch, { scores });
    expect(findings.map((finding) => [finding.sample.metric, finding.severity])).toEqual([
      ['up', 'critical'],
      ['cpu_usage', 'high'],
      ['memory_usage', 'high'],
      ['http_request_duration_seconds', 'high'],
      ['errors_total', 'high'],
      ['disk_usage', 'critical'],
    ]);
    expect(findings[1]!.reason).toBe('cpu_usage is 93.1, above 80');
    expect(findings[0]!.reason).toBe('up is 0, below 1');
    expect(findings[1]!.evidence).toMatchObject({ value: 93.1, threshold: 80, op: '>' });
    // Normal samples score 0, anomalous ones at least 0.5; every finding carries its sample's score.
    expect(Array.from(scores.slice(6))).toEqual([0, 0, 0]);
    for (const [index, finding] of findings.entries()) {
      expect(scores[index]).toBeGreaterThan(0.5);
      expect(finding.score).toBe(scores[index]);
    }
  });

  it('scores grow with the distance past the threshold, stay below 1, and ignore non-finite values', () => {
    const detector = thresholdDetector();
    const values = [0, 50, 79.9, 80, 80.1, 90, 120, 160, 1e6, 1e300];
    const scores = values.map((value) => observeOne(detector, value).score);
    expect(scores.slice(0, 4)).toEqual([0, 0, 0, 0]);
    for (let index = 4; index < scores.length; index++)
      expect(scores[index]!).toBeGreaterThan(scores[index - 1]!);
    expect(scores[7]).toBeCloseTo(0.75, 12);
    expect(scores.at(-1)).toBeLessThan(1);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(observeOne(detector, value)).toEqual({ score: 0, finding: undefined });
    }
  });
});

describe('thresholdDetector rules', () => {
  const rule = (overrides: Partial<ThresholdRule>): ThresholdRule => ({
    metric: 'latency',
    op: '>',
    value: 10,
    severity: 'medium',
    ...overrides,
  });

  it('matches metric names exactly, by glob or by regular expression, and label matchers', () => {
    const detector = thresholdDetector({
      rules: [
        rule({ metric: 'node_*_bytes', severity: 'low' }),
        rule({ metric: /http_.*_seconds/, severity: 'high' }),
        rule({ metric: 'queue', labels: { env: 'prod', region: /^eu-/ } }),
      ],
    });
    const flaggedMetrics = (samples: ReturnType<typeof sample>[]) =>
      detector
        .observe(samples)
        .map((finding) => `${finding.sample.metric}${JSON.stringify(finding.sample.labels)}`);
    expect(
      flaggedMetrics([
        sample(11, { metric: 'node_memory_bytes' }),
        sample(11, { metric: 'node_bytes' }),
        sample(11, { metric: 'xnode_memory_bytes' }),
        sample(11, { metric: 'http_request_seconds' }),
        sample(11, { metric: 'http_request_seconds_total' }),
        sample(11, { metric: 'queue', labels: { env: 'prod', region: 'eu-west' } }),
        sample(11, { metric: 'queue', labels: { env: 'prod', region: 'us-east' } }),
        sample(11, { metric: 'queue', labels: { env: 'dev', region: 'eu-west' } }),
        sample(11, { metric: 'queue', labels: { region: 'eu-west' } }),
      ]),
    ).toEqual(['node_memory_bytes{}', 'http_request_seconds{}', 'queue{"env":"prod","region":"eu-west"}']);
  });

  it('supports every comparison', () => {
    const check = (op: ThresholdRule['op'], value: number) =>
      thresholdDetector({ rules: [rule({ op })] }).observe([sample(value, { metric: 'latency' })]).length ===
      1;
    expect([check('>', 10), check('>', 11)]).toEqual([false, true]);
    expect([check('>=', 9), check('>=', 10)]).toEqual([false, true]);
    expect([check('<', 10), check('<', 9)]).toEqual([false, true]);
    expect([check('<=', 11), check('<=', 10)]).toEqual([false, true]);
    expect([check('==', 11), check('==', 10)]).toEqual([false, true]);
    expect([check('!=', 10), check('!=', 10.5)]).toEqual([false, true]);
  });

  it('reports the most severe of several firing rules and the highest score', () => {
    const detector = thresholdDetector({
      rules: [rule({ value: 10, severity: 'medium' }), rule({ value: 50, severity: 'critical' })],
    });
    const scores = new Float64Array(1);
    const [finding] = detector.observe([sample(60, { metric: 'latency' })], { scores });
    expect(finding!.severity).toBe('critical');
    expect(finding!.score).toBe(scores[0]);
    // 60 is 5 scales past 10 but only 0.2 past 50: the sample keeps the higher score of the two.
    const steps = Math.log2(1 + 5);
    expect(scores[0]).toBeCloseTo(0.5 + (0.5 * steps) / (1 + steps), 12);
  });

  it('waits until the condition has held `for` seconds, by sample timestamps, per series', () => {
    const detector = thresholdDetector({ rules: [rule({ for: 120 })] });
    const at = (seconds: number, value: number, seriesId = 'a') =>
      detector.observe([sample(value, { metric: 'latency', timestamp: START + seconds * 1000, seriesId })])
        .length;
    expect([at(0, 20), at(60, 20), at(119, 20), at(120, 20), at(150, 20)]).toEqual([0, 0, 0, 1, 1]);
    // Dropping below resets the clock.
    expect([at(180, 5), at(200, 20), at(300, 20), at(320, 20)]).toEqual([0, 0, 0, 1]);
    // Another series has its own clock.
    expect(at(320, 20, 'b')).toBe(0);
    // A timestamp stepping backwards restarts the clock instead of firing early.
    const backwards = thresholdDetector({ rules: [rule({ for: 60 })] });
    const step = (seconds: number) =>
      backwards.observe([sample(20, { metric: 'latency', timestamp: START + seconds * 1000 })]).length;
    expect([step(1000), step(10), step(40), step(70)]).toEqual([0, 0, 0, 1]);
    const [finding] = detector.observe([
      sample(20, { metric: 'latency', timestamp: START + 400_000, seriesId: 'a' }),
    ]);
    expect(finding!.reason).toBe('latency is 20, above 10 for 3m20s');
  });

  it('keeps firing inside the hysteresis band and resolves below it', () => {
    const detector = thresholdDetector({ rules: [rule({ metric: 'cpu', value: 80, hysteresis: 5 })] });
    const scores = new Float64Array(1);
    const run = (value: number) => {
      const findings = detector.observe([sample(value, { metric: 'cpu' })], { scores });
      return { firing: findings.length === 1, score: scores[0]!, reason: findings[0]?.reason };
    };
    expect(run(78).firing).toBe(false);
    expect(run(85).firing).toBe(true);
    const band = run(77);
    expect(band.firing).toBe(true);
    expect(band.score).toBeGreaterThan(0);
    expect(band.score).toBeLessThan(0.5);
    expect(band.reason).toBe('cpu is 77, not yet back past 75 after crossing 80');
    expect(run(76).score).toBeLessThan(band.score);
    expect(run(75).firing).toBe(false);
    expect(run(78).firing).toBe(false);
  });

  it('forgets series state', () => {
    const detector = thresholdDetector({ rules: [rule({ for: 60 })] });
    const at = (seconds: number) =>
      detector.observe([sample(20, { metric: 'latency', timestamp: START + seconds * 1000, seriesId: 's' })])
        .length;
    expect([at(0), at(60)]).toEqual([0, 1]);
    detector.forget!(['s']);
    expect([at(90), at(120), at(150)]).toEqual([0, 0, 1]);
  });

  it('rejects invalid rules with a config error naming the field', () => {
    const attempt = (rules: unknown) => () => thresholdDetector({ rules: rules as ThresholdRule[] });
    expect(attempt([{ metric: 'x', op: '=>', value: 1, severity: 'high' }])).toThrow(/option "rules\.0\.op"/);
    expect(attempt([{ metric: 'x', op: '>', value: Number.NaN, severity: 'high' }])).toThrow(
      /rules\.0\.value/,
    );
    expect(attempt([{ metric: '', op: '>', value: 1, severity: 'high' }])).toThrow(/rules\.0\.metric/);
    expect(attempt([{ metric: 'x', op: '>', value: 1, severity: 'urgent' }])).toThrow(/rules\.0\.severity/);
    expect(attempt([{ metric: 'x', op: '>', value: 1, severity: 'high', for: -1 }])).toThrow(/rules\.0\.for/);
    try {
      thresholdDetector({ name: 'Bad Name' });
    } catch (error) {
      expect(PromptheusError.hasCode(error, 'config')).toBe(true);
    }
  });
});
