import {
  type Anomaly,
  anomalySchema,
  type Notification,
  notificationSchema,
  PromptheusError,
  targetSchema,
} from '@promptheus/core';
import { describe, expect, it } from 'vitest';
import {
  COLLECTIONS,
  EMAIL_CONFIG_ID,
  emailConfigToDocument,
  fromDocument,
  toDocument,
} from './documents.js';

const anomaly: Anomaly = {
  id: 'a1',
  fingerprint: 'fp',
  metric: 'node_cpu',
  labels: { instance: 'db-1:9100', quote: '"x" \\ y', unicode: '日本 🔥' },
  value: null,
  score: 0.75,
  severity: 'high',
  reason: 'above threshold',
  detector: 'threshold',
  target: 'prod',
  status: 'firing',
  evidence: { threshold: 90, note: 'n', flag: false, missing: null },
  startsAt: 1_700_000_000_000,
  endsAt: null,
  updatedAt: 1_700_000_000_000,
  acknowledgedAt: null,
};

const notification: Notification = {
  id: 'n1',
  channel: 'slack',
  dedupeKey: 'k',
  groupKey: 'g',
  payload: {
    kind: 'firing',
    title: 't',
    severity: 'high',
    alerts: [{ anomaly, rca: null }],
    url: 'https://promptheus.example/anomalies/a1',
    createdAt: 1,
  },
  status: 'pending',
  attempts: 0,
  nextAttemptAt: 1,
  leaseUntil: null,
  lastError: null,
  createdAt: 1,
  updatedAt: 1,
  deliveredAt: null,
};

describe('MongoDB documents', () => {
  it('store the record id as _id and nothing else changes', () => {
    const document = toDocument(anomaly);
    expect(document._id).toBe('a1');
    expect('id' in document).toBe(false);
    const { _id, ...rest } = document;
    const { id, ...fields } = anomaly;
    expect(rest).toEqual(fields);
    expect(_id).toBe(id);
  });

  it('copy the record, so later changes to it do not reach the document', () => {
    const record = structuredClone(anomaly);
    const document = toDocument(record);
    (record.labels as Record<string, string>).instance = 'changed';
    record.evidence.threshold = 1;
    expect((document.labels as Record<string, string>).instance).toBe('db-1:9100');
    expect((document.evidence as Record<string, unknown>).threshold).toBe(90);
  });

  it('round-trip records exactly through their schema', () => {
    expect(fromDocument(anomalySchema, COLLECTIONS.anomalies.name, toDocument(anomaly))).toEqual(anomaly);
    expect(fromDocument(notificationSchema, COLLECTIONS.outbox.name, toDocument(notification))).toEqual(
      notification,
    );
    const config = { enabled: true, recipients: ['ops@example.com'], updatedAt: 5 };
    const document = emailConfigToDocument(config);
    expect(document._id).toBe(EMAIL_CONFIG_ID);
    expect(fromDocument(COLLECTIONS.emailConfig.schema, 'email_config', document, { withId: false })).toEqual(
      config,
    );
  });

  it('fill defaults of fields older documents lack and drop unknown fields', () => {
    const { acknowledgedAt: _acknowledged, evidence: _evidence, ...older } = toDocument(anomaly);
    const parsed = fromDocument(anomalySchema, 'anomalies', { ...older, legacyField: 'x' });
    expect(parsed).toEqual({ ...anomaly, evidence: {}, acknowledgedAt: null });
    expect('legacyField' in parsed).toBe(false);
  });

  it('report a document that is not a valid record as a storage error naming collection, id and field', () => {
    let caught: unknown;
    try {
      fromDocument(targetSchema, 'targets', { _id: 't1', name: 'prod', url: 'ftp://nope' });
    } catch (error) {
      caught = error;
    }
    expect(PromptheusError.hasCode(caught, 'storage')).toBe(true);
    const message = (caught as PromptheusError).message;
    expect(message).toContain('targets');
    expect(message).toContain('t1');
    expect(message).toContain('url');
  });
});
