import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { Silence } from '../model/silence.js';
import { DEFAULT_RETRY_BACKOFF, resolveRetryBackoff, retryDelay } from './backoff.js';
import { dedupeKeyOf, groupKeyOf, highestSeverity, mergePayloads, notificationTitle } from './grouping.js';
import { anomalyAttribute, compileMatcher, findSilence, matchesAll } from './matchers.js';

const anomaly = (overrides: Partial<Anomaly> = {}): Anomaly => ({
  id: 'a1',
  fingerprint: 'f1',
  metric: 'http_requests_total',
  labels: { instance: 'web-1:9100', job: 'api', path: '/checkout' },
  value: 12,
  score: 0.9,
  severity: 'high',
  reason: 'rate is high',
  detector: 'zscore',
  target: 'prod',
  status: 'firing',
  evidence: {},
  startsAt: 1000,
  endsAt: null,
  updatedAt: 1000,
  acknowledgedAt: null,
  ...overrides,
});

describe('backoff', () => {
  it('grows by 1.5 from 500 ms and stops at 60 s without jitter', () => {
    const options = resolveRetryBackoff({ jitter: 0 });
    const delays = Array.from({ length: 20 }, (_, index) => retryDelay(index + 1, options));
    expect(delays.slice(0, 5)).toEqual([500, 750, 1125, 1688, 2531]);
    expect(Math.max(...delays)).toBe(60_000);
    expect(delays.at(-1)).toBe(60_000);
    for (let index = 1; index < delays.length; index++) {
      expect(delays[index]).toBeGreaterThanOrEqual(delays[index - 1] ?? 0);
    }
  });

  it('jitter keeps every delay within ±50 % of the base and under the cap', () => {
    const extremes = [0, 0.999999];
    for (let attempt = 1; attempt <= 30; attempt++) {
      const base = Math.min(60_000, 500 * 1.5 ** (attempt - 1));
      for (const value of extremes) {
        const delay = retryDelay(attempt, DEFAULT_RETRY_BACKOFF, () => value);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
        expect(delay).toBeLessThanOrEqual(Math.min(60_000, Math.ceil(base * 1.5)));
      }
    }
    const spread = new Set(Array.from({ length: 50 }, () => retryDelay(4, DEFAULT_RETRY_BACKOFF)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('rejects nonsense options with a config error naming the option', () => {
    for (const [options, name] of [
      [{ initialMs: -1 }, 'initialMs'],
      [{ multiplier: 0.5 }, 'multiplier'],
      [{ maxMs: 10, initialMs: 100 }, 'maxMs'],
      [{ jitter: 2 }, 'jitter'],
    ] as const) {
      try {
        resolveRetryBackoff(options);
        expect.unreachable();
      } catch (error) {
        expect(PromptheusError.hasCode(error, 'config')).toBe(true);
        expect(String(error)).toContain(name);
      }
    }
  });
});

describe('matchers', () => {
  it('reads labels and the special fields, absent labels as empty', () => {
    const subject = anomaly({ labels: { severity: 'label-value', job: 'api' } });
    expect(anomalyAttribute(subject, '__name__')).toBe('http_requests_total');
    expect(anomalyAttribute(subject, 'target')).toBe('prod');
    expect(anomalyAttribute(subject, 'severity')).toBe('high');
    expect(anomalyAttribute(subject, 'detector')).toBe('zscore');
    expect(anomalyAttribute(subject, 'job')).toBe('api');
    expect(anomalyAttribute(subject, 'missing')).toBe('');
  });

  it('has Prometheus semantics: =, !=, =~ and !~ with anchored regexes', () => {
    const subject = anomaly();
    const match = (name: string, value: string, isRegex: boolean, isEqual: boolean) =>
      compileMatcher({ name, value, isRegex, isEqual })(subject);
    expect(match('job', 'api', false, true)).toBe(true);
    expect(match('job', 'ap', false, true)).toBe(false);
    expect(match('job', 'api', false, false)).toBe(false);
    expect(match('instance', 'web-.*', true, true)).toBe(true);
    expect(match('instance', 'web', true, true)).toBe(false); // anchored: no substring match
    expect(match('instance', '.*:9100', true, true)).toBe(true);
    expect(match('instance', '1:9100', true, true)).toBe(false);
    expect(match('instance', 'web-.*', true, false)).toBe(false);
    expect(match('__name__', 'http_.*|grpc_.*', true, true)).toBe(true);
    expect(match('__name__', 'grpc_.*|http_requests', true, true)).toBe(false); // alternation is anchored too
    expect(match('missing', '', false, true)).toBe(true);
    expect(match('missing', '.+', true, false)).toBe(true);
    expect(match('severity', 'high|critical', true, true)).toBe(true);
    expect(match('target', 'staging', false, false)).toBe(true);
  });

  it('matchesAll needs every matcher; a bad regex is an invalid_input error', () => {
    const subject = anomaly();
    expect(
      matchesAll(
        [
          { name: 'job', value: 'api', isRegex: false, isEqual: true },
          { name: 'target', value: 'prod', isRegex: false, isEqual: true },
        ],
        subject,
      ),
    ).toBe(true);
    expect(
      matchesAll(
        [
          { name: 'job', value: 'api', isRegex: false, isEqual: true },
          { name: 'target', value: 'dev', isRegex: false, isEqual: true },
        ],
        subject,
      ),
    ).toBe(false);
    expect(() => compileMatcher({ name: 'job', value: '(unclosed', isRegex: true, isEqual: true })).toThrow(
      /not valid/,
    );
    try {
      compileMatcher({ name: 'job', value: '[', isRegex: true, isEqual: true });
    } catch (error) {
      expect(PromptheusError.hasCode(error, 'invalid_input')).toBe(true);
    }
  });

  it('findSilence honours the time window and skips silences with broken regexes', () => {
    const silence = (
      id: string,
      value: string,
      startsAt: number,
      endsAt: number,
      isRegex = false,
    ): Silence => ({
      id,
      matchers: [{ name: 'job', value, isRegex, isEqual: true }],
      startsAt,
      endsAt,
      createdBy: '',
      comment: '',
      createdAt: 0,
    });
    const invalid: string[] = [];
    const silences = [
      silence('broken', '(', 0, 10_000, true),
      silence('expired', 'api', 0, 500),
      silence('future', 'api', 5000, 10_000),
      silence('other', 'web', 0, 10_000),
      silence('active', 'a.i', 0, 2000, true),
    ];
    expect(findSilence(anomaly(), silences, 1000, (s) => invalid.push(s.id))?.id).toBe('active');
    expect(invalid).toEqual(['broken']);
    expect(findSilence(anomaly(), silences, 2000)).toBeNull(); // endsAt is exclusive
    expect(findSilence(anomaly(), silences, 6000)?.id).toBe('future');
  });
});

describe('grouping', () => {
  it('group keys: by target and metric by default, configurable, order-independent', () => {
    expect(groupKeyOf(anomaly())).toBe('{__name__="http_requests_total",target="prod"}');
    expect(groupKeyOf(anomaly({ labels: { instance: 'other' } }))).toBe(groupKeyOf(anomaly()));
    expect(groupKeyOf(anomaly({ target: 'dev' }))).not.toBe(groupKeyOf(anomaly()));
    expect(groupKeyOf(anomaly(), ['job', 'target'])).toBe(groupKeyOf(anomaly(), ['target', 'job']));
    expect(groupKeyOf(anomaly(), ['job'])).toBe('{job="api"}');
    expect(groupKeyOf(anomaly({ labels: { job: 'a",b="c' } }), ['job'])).toBe('{job="a\\",b=\\"c"}');
  });

  it('dedupe keys separate channel, kind, anomaly and repeat', () => {
    const base = { channel: 'email', kind: 'firing' as const, anomaly: anomaly() };
    const keys = new Set([
      dedupeKeyOf(base),
      dedupeKeyOf({ ...base, channel: 'slack' }),
      dedupeKeyOf({ ...base, kind: 'resolved' }),
      dedupeKeyOf({ ...base, anomaly: anomaly({ id: 'a2' }) }),
      dedupeKeyOf({ ...base, repeat: 1 }),
    ]);
    expect(keys.size).toBe(5);
    expect(dedupeKeyOf(base)).toBe(dedupeKeyOf({ ...base, repeat: 0 }));
  });

  it('titles and merged payloads', () => {
    expect(notificationTitle('firing', [{ anomaly: anomaly() }])).toBe('[high] http_requests_total on prod');
    expect(notificationTitle('resolved', [{ anomaly: anomaly() }])).toBe(
      '[resolved] http_requests_total on prod',
    );
    expect(
      notificationTitle('firing', [{ anomaly: anomaly() }, { anomaly: anomaly({ severity: 'critical' }) }]),
    ).toBe('[critical] 2 × http_requests_total on prod');
    expect(
      notificationTitle('firing', [
        { anomaly: anomaly() },
        { anomaly: anomaly({ metric: 'up', target: 'dev' }) },
      ]),
    ).toBe('[high] 2 alerts on 2 targets');
    expect(highestSeverity([])).toBe('low');

    const payload = (id: string, severity: Anomaly['severity'], createdAt: number) => ({
      kind: 'firing' as const,
      title: 'x',
      severity,
      alerts: [{ anomaly: anomaly({ id, severity }), rca: null }],
      url: `http://x/anomalies/${id}`,
      createdAt,
    });
    const merged = mergePayloads([
      payload('a1', 'low', 20),
      payload('a2', 'critical', 10),
      payload('a1', 'low', 30),
    ]);
    expect(merged.alerts.map((alert) => alert.anomaly.id)).toEqual(['a2', 'a1']);
    expect(merged.severity).toBe('critical');
    expect(merged.title).toBe('[critical] 2 × http_requests_total on prod');
    expect(merged.createdAt).toBe(10);
    expect(merged.url).toBeNull();
  });
});
