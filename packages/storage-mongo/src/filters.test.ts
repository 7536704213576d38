import { PromptheusError } from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import {
  anomalyListQuery,
  byId,
  claimableFilter,
  firingByFingerprint,
  newestFirst,
  outboxFilter,
  promptHistoryFilter,
  rcaByAnomaly,
  rcaByFingerprint,
  silencesFilter,
  targetsFilter,
  unfinishedById,
} from './filters.js';

/** Values a request body could carry to turn a filter into an operator. */
const HOSTILE: readonly unknown[] = [{ $ne: null }, { $gt: '' }, { $where: 'sleep(1000)' }, ['a', 'b'], null];

function expectInvalid(build: () => unknown, field: string) {
  let caught: unknown;
  try {
    build();
  } catch (error) {
    caught = error;
  }
  expect(
    PromptheusError.hasCode(caught, 'invalid_input'),
    `expected invalid_input, got ${String(caught)}`,
  ).toBe(true);
  expect((caught as PromptheusError).message).toContain(field);
}

describe('MongoDB filters', () => {
  it('build equality filters from plain strings', () => {
    expect(byId('a1')).toEqual({ _id: 'a1' });
    expect(byId('{"$ne": null}')).toEqual({ _id: '{"$ne": null}' });
    expect(firingByFingerprint('fp')).toEqual({ fingerprint: 'fp', status: 'firing' });
    expect(rcaByAnomaly('a1')).toEqual({ anomalyId: 'a1' });
    expect(promptHistoryFilter('s1')).toEqual({ sessionId: 's1' });
    expect(promptHistoryFilter(undefined)).toEqual({});
    expect(unfinishedById('n1')).toEqual({ _id: 'n1', status: { $in: ['pending', 'in_flight'] } });
  });

  it('reject objects, arrays and null wherever a string is expected', () => {
    for (const value of HOSTILE) {
      expectInvalid(() => byId(value), 'id');
      expectInvalid(() => firingByFingerprint(value), 'fingerprint');
      expectInvalid(() => rcaByAnomaly(value), 'anomalyId');
      expectInvalid(() => rcaByFingerprint(value, undefined), 'fingerprint');
      expectInvalid(() => promptHistoryFilter(value), 'sessionId');
      expectInvalid(() => unfinishedById(value), 'id');
      expectInvalid(() => anomalyListQuery({ target: value as string }), 'target');
    }
  });

  it('build the anomaly list query from checked values only', () => {
    expect(anomalyListQuery(undefined)).toEqual({
      filter: {},
      window: { sort: { startsAt: -1, _id: -1 }, skip: 0, limit: 20 },
    });
    expect(
      anomalyListQuery({
        status: 'firing',
        severity: 'critical',
        since: 1000,
        target: 'prod',
        limit: 5,
        offset: 10,
      }),
    ).toEqual({
      filter: { status: 'firing', severity: 'critical', startsAt: { $gte: 1000 }, target: 'prod' },
      window: { sort: { startsAt: -1, _id: -1 }, skip: 10, limit: 5 },
    });
    for (const value of HOSTILE) {
      expectInvalid(() => anomalyListQuery({ status: value as 'firing' }), 'status');
      expectInvalid(() => anomalyListQuery({ severity: value as 'low' }), 'severity');
      expectInvalid(() => anomalyListQuery({ since: value as number }), 'since');
      expectInvalid(() => anomalyListQuery({ limit: value as number }), 'limit');
      expectInvalid(() => anomalyListQuery({ offset: value as number }), 'offset');
    }
    expectInvalid(() => anomalyListQuery({ status: 'burning' as 'firing' }), 'status');
    expectInvalid(() => anomalyListQuery({ since: -1 }), 'since');
  });

  it('check numbers, booleans and statuses', () => {
    expect(rcaByFingerprint('fp', 5)).toEqual({ fingerprint: 'fp', createdAt: { $gte: 5 } });
    expect(rcaByFingerprint('fp', undefined)).toEqual({ fingerprint: 'fp' });
    expect(silencesFilter(10)).toEqual({ startsAt: { $lte: 10 }, endsAt: { $gt: 10 } });
    expect(silencesFilter(undefined)).toEqual({});
    expect(targetsFilter(true)).toEqual({ enabled: true });
    expect(targetsFilter(undefined)).toEqual({});
    expect(outboxFilter('pending')).toEqual({ status: 'pending' });
    expect(newestFirst('createdAt', { limit: 3, offset: 1 })).toEqual({
      sort: { createdAt: -1, _id: -1 },
      skip: 1,
      limit: 3,
    });
    for (const value of [...HOSTILE, '5', Number.NaN, Number.POSITIVE_INFINITY]) {
      expectInvalid(() => rcaByFingerprint('fp', value), 'since');
      expectInvalid(() => silencesFilter(value), 'activeAt');
    }
    for (const value of [...HOSTILE, 'true', 1]) expectInvalid(() => targetsFilter(value), 'enabled');
    for (const value of [...HOSTILE, 'sent']) expectInvalid(() => outboxFilter(value), 'status');
  });

  it('build the claim filter: due pending ones and expired leases', () => {
    expect(claimableFilter({ now: 100, limit: 5, leaseMs: 30 })).toEqual({
      filter: {
        $or: [
          { status: 'pending', nextAttemptAt: { $lte: 100 } },
          { status: 'in_flight', leaseUntil: { $lte: 100 } },
        ],
      },
      now: 100,
      limit: 5,
      leaseMs: 30,
    });
    for (const value of HOSTILE) {
      expectInvalid(() => claimableFilter({ now: value as number, limit: 5, leaseMs: 30 }), 'now');
      expectInvalid(() => claimableFilter({ now: 1, limit: value as number, leaseMs: 30 }), 'limit');
      expectInvalid(() => claimableFilter({ now: 1, limit: 5, leaseMs: value as number }), 'leaseMs');
    }
  });
});
