import type { Anomaly } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import { anomalyFromValues, anomalyParameters, InvalidRowError, parseAnomalyValues } from './rows.js';
import { anomalyFixture, T0 } from './test-fixtures.js';

/** A firing anomaly as the monitor writes it, with more evidence; fields can be overridden. */
const anomaly = (overrides: Partial<Anomaly> = {}): Anomaly =>
  anomalyFixture('a1', {
    status: 'firing',
    endsAt: null,
    updatedAt: T0,
    evidence: { zScore: 4.2, mean: 41.3 },
    ...overrides,
  });

/** What reading a row gives: the record, or the message of the error it throws. */
function outcome(read: () => Anomaly): { readonly record: Anomaly } | { readonly error: string } {
  try {
    return { record: read() };
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRowError);
    return { error: (error as Error).message };
  }
}

/** A small deterministic random generator, so every run checks the same rows. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('anomaly rows', () => {
  const valid: Anomaly[] = [
    anomaly(),
    anomaly({ value: null, score: 0, severity: 'low', evidence: {}, labels: {} }),
    anomaly({
      status: 'resolved',
      score: 1,
      severity: 'critical',
      endsAt: T0 + 60_000,
      acknowledgedAt: T0 + 5,
      labels: {
        path: 'C:\\data\\"quoted"',
        note: 'line\nbreak',
        unicode: 'ünïcödé 🔥',
        empty: '',
        '1': 'number-like key',
      },
      evidence: { text: 'above', flag: true, missing: null, negative: -0.5, big: 1e300 },
    }),
    anomaly({ value: -0, startsAt: 0, updatedAt: 0, reason: '' }),
  ];

  it('reads a row the store wrote exactly as the schema does, field order included', () => {
    for (const record of valid) {
      const values = anomalyParameters(record);
      const quick = anomalyFromValues(values);
      expect(quick).toStrictEqual(record);
      expect(quick).toStrictEqual(parseAnomalyValues(values));
      expect(JSON.stringify(quick)).toBe(JSON.stringify(parseAnomalyValues(values)));
    }
  });

  it.each([
    ['labels', 3, '{not json', /row a1 .*JSON/],
    ['labels', 3, '{"job":1}', /labels\.job/],
    ['labels', 3, '["node"]', /labels/],
    ['labels', 3, null, /labels/],
    ['value', 4, 'high', /value/],
    ['score', 5, 1.5, /score/],
    ['score', 5, Number.NaN, /score/],
    ['severity', 6, 'apocalyptic', /severity/],
    ['reason', 7, null, /reason/],
    ['status', 10, 'open', /status/],
    ['evidence', 11, '{"mean":{"nested":1}}', /evidence\.mean/],
    ['evidence', 11, '{"huge":1e400}', /evidence\.huge/],
    ['evidence', 11, 'null', /evidence/],
    ['startsAt', 12, -1, /startsAt/],
    ['startsAt', 12, 1.5, /startsAt/],
    ['endsAt', 13, 2 ** 53, /endsAt/],
    ['updatedAt', 14, BigInt(T0), /updatedAt/],
    ['acknowledgedAt', 15, 'yesterday', /acknowledgedAt/],
    ['id', 0, 42, /id/],
  ] as const)('reports a damaged %s column (%s) as the schema does', (_field, column, bad, message) => {
    const values: unknown[] = anomalyParameters(anomaly());
    values[column] = bad;
    const quick = outcome(() => anomalyFromValues(values));
    expect(quick).toEqual(outcome(() => parseAnomalyValues(values)));
    expect(quick).toHaveProperty('error', expect.stringMatching(message));
    expect(quick).toHaveProperty('error', expect.stringContaining('table anomalies'));
  });

  it('agrees with the schema on thousands of damaged rows', () => {
    const pool: unknown[] = [
      null,
      undefined,
      '',
      'x',
      'firing',
      'resolved',
      'high',
      'critical',
      0,
      -0,
      -1,
      0.5,
      1,
      1.5,
      T0,
      2 ** 53,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      true,
      BigInt(7),
      '{}',
      '[]',
      'null',
      '7',
      '{not json',
      '{"a":"b"}',
      '{"a":1}',
      '{"a":null}',
      '{"a":true}',
      '{"a":1e400}',
      '{"a":{}}',
      '{"a":[]}',
      '{"__proto__":"x","a":"b"}',
      '{"__proto__":1}',
      ' {"a":"b"}',
    ];
    const next = random(42);
    let accepted = 0;
    for (let round = 0; round < 5000; round++) {
      const values: unknown[] = anomalyParameters(valid[round % valid.length]!);
      const changes = 1 + Math.floor(next() * 3);
      for (let change = 0; change < changes; change++) {
        values[Math.floor(next() * values.length)] = pool[Math.floor(next() * pool.length)];
      }
      const quick = outcome(() => anomalyFromValues(values));
      expect(quick).toStrictEqual(outcome(() => parseAnomalyValues(values)));
      if ('record' in quick) accepted++;
    }
    // Both outcomes were exercised: some changed rows are still valid records, most are not.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(4000);
  });
});
