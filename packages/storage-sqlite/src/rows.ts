import {
  type Anomaly,
  anomalySchema,
  type ChatSession,
  chatSessionSchema,
  type EmailConfig,
  emailConfigSchema,
  type MetricSnapshot,
  metricSnapshotSchema,
  type Notification,
  notificationSchema,
  type PromptHistoryEntry,
  parseStoredRecord,
  promptHistoryEntrySchema,
  type Rca,
  rcaSchema,
  type Silence,
  type StoredRecordSchema,
  silenceSchema,
  type Target,
  targetSchema,
} from '@promptheus/core';

/**
 * Conversion between records and table rows. Scalars get their own columns (so they can be
 * filtered, ordered and indexed); open-ended parts (labels, evidence, payloads, messages) are JSON
 * text. Rows read back are checked against the record's schema, so a damaged row is reported
 * instead of flowing into the application.
 */

type Parameter = string | number | null;

const json = (value: unknown): string => JSON.stringify(value);
const jsonOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
const flag = (value: boolean): number => (value ? 1 : 0);

/** Thrown when a stored row does not parse back into a valid record. */
export class InvalidRowError extends Error {
  constructor(
    readonly table: string,
    readonly id: unknown,
    reason: string,
  ) {
    super(`row ${String(id)} of table ${table} is not a valid record: ${reason}`);
    this.name = 'InvalidRowError';
  }
}

function parse<Output>(
  schema: StoredRecordSchema<Output>,
  table: string,
  id: unknown,
  build: () => unknown,
): Output {
  let candidate: unknown;
  try {
    candidate = build();
  } catch (error) {
    throw new InvalidRowError(table, id, error instanceof Error ? error.message : String(error));
  }
  return parseStoredRecord(schema, candidate, (problem) => new InvalidRowError(table, id, problem));
}

const fromJson = (text: unknown): unknown => (text === null ? null : JSON.parse(String(text)));

export type Row = Record<string, unknown>;

// Snapshots ---------------------------------------------------------------------------------------

export const SNAPSHOT_COLUMNS = 'id, timestamp, count, metrics, targets, errors';

export function snapshotParameters(snapshot: MetricSnapshot): Parameter[] {
  return [
    snapshot.id,
    snapshot.timestamp,
    snapshot.count,
    json(snapshot.metrics),
    json(snapshot.targets),
    json(snapshot.errors),
  ];
}

export function snapshotFromRow(row: Row): MetricSnapshot {
  return parse(metricSnapshotSchema, 'snapshots', row.id, () => ({
    id: row.id,
    timestamp: row.timestamp,
    count: row.count,
    metrics: fromJson(row.metrics),
    targets: fromJson(row.targets),
    errors: fromJson(row.errors),
  }));
}

// Anomalies ---------------------------------------------------------------------------------------

export const ANOMALY_COLUMNS =
  'id, fingerprint, metric, labels, value, score, severity, reason, detector, target, status, evidence, starts_at, ends_at, updated_at, acknowledged_at';

export function anomalyParameters(anomaly: Anomaly): Parameter[] {
  return [
    anomaly.id,
    anomaly.fingerprint,
    anomaly.metric,
    json(anomaly.labels),
    anomaly.value,
    anomaly.score,
    anomaly.severity,
    anomaly.reason,
    anomaly.detector,
    anomaly.target,
    anomaly.status,
    json(anomaly.evidence ?? {}),
    anomaly.startsAt,
    anomaly.endsAt,
    anomaly.updatedAt,
    anomaly.acknowledgedAt ?? null,
  ];
}

export function anomalyFromRow(row: Row): Anomaly {
  return parse(anomalySchema, 'anomalies', row.id, () => ({
    id: row.id,
    fingerprint: row.fingerprint,
    metric: row.metric,
    labels: fromJson(row.labels),
    value: row.value,
    score: row.score,
    severity: row.severity,
    reason: row.reason,
    detector: row.detector,
    target: row.target,
    status: row.status,
    evidence: fromJson(row.evidence),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    updatedAt: row.updated_at,
    acknowledgedAt: row.acknowledged_at,
  }));
}

// RCA ---------------------------------------------------------------------------------------------

export const RCA_COLUMNS =
  'id, anomaly_id, fingerprint, summary, simplified, cause, fix, source, provider, model, usage, fallback_reason, created_at';

export function rcaParameters(rca: Rca): Parameter[] {
  return [
    rca.id,
    rca.anomalyId,
    rca.fingerprint,
    rca.summary,
    rca.simplified,
    rca.cause,
    rca.fix,
    rca.source,
    rca.provider ?? null,
    rca.model ?? null,
    jsonOrNull(rca.usage),
    rca.fallbackReason ?? null,
    rca.createdAt,
  ];
}

export function rcaFromRow(row: Row): Rca {
  return parse(rcaSchema, 'rca', row.id, () => ({
    id: row.id,
    anomalyId: row.anomaly_id,
    fingerprint: row.fingerprint,
    summary: row.summary,
    simplified: row.simplified,
    cause: row.cause,
    fix: row.fix,
    source: row.source,
    provider: row.provider,
    model: row.model,
    usage: fromJson(row.usage),
    fallbackReason: row.fallback_reason,
    createdAt: row.created_at,
  }));
}

// Targets -----------------------------------------------------------------------------------------

export const TARGET_COLUMNS = 'id, name, url, enabled, selectors, auth, created_at, updated_at';

export function targetParameters(target: Target): Parameter[] {
  return [
    target.id,
    target.name,
    target.url,
    flag(target.enabled),
    json(target.selectors),
    jsonOrNull(target.auth),
    target.createdAt,
    target.updatedAt,
  ];
}

export function targetFromRow(row: Row): Target {
  return parse(targetSchema, 'targets', row.id, () => ({
    id: row.id,
    name: row.name,
    url: row.url,
    enabled: row.enabled === 1,
    selectors: fromJson(row.selectors),
    auth: fromJson(row.auth),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

// Email config ------------------------------------------------------------------------------------

export function emailConfigParameters(config: EmailConfig): Parameter[] {
  return [flag(config.enabled), json(config.recipients), config.updatedAt];
}

export function emailConfigFromRow(row: Row): EmailConfig {
  return parse(emailConfigSchema, 'email_config', 1, () => ({
    enabled: row.enabled === 1,
    recipients: fromJson(row.recipients),
    updatedAt: row.updated_at,
  }));
}

// Chat sessions -----------------------------------------------------------------------------------

export const CHAT_SESSION_COLUMNS = 'id, title, messages, usage, created_at, updated_at';

export function chatSessionParameters(session: ChatSession): Parameter[] {
  return [
    session.id,
    session.title,
    json(session.messages),
    json(session.usage),
    session.createdAt,
    session.updatedAt,
  ];
}

export function chatSessionFromRow(row: Row): ChatSession {
  return parse(chatSessionSchema, 'chat_sessions', row.id, () => ({
    id: row.id,
    title: row.title,
    messages: fromJson(row.messages),
    usage: fromJson(row.usage),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

// Prompt history ----------------------------------------------------------------------------------

export const PROMPT_HISTORY_COLUMNS =
  'id, prompt, promql, intent, success, error, translator, latency_ms, usage, session_id, created_at';

export function promptHistoryParameters(entry: PromptHistoryEntry): Parameter[] {
  return [
    entry.id,
    entry.prompt,
    entry.promql,
    entry.intent,
    flag(entry.success),
    entry.error ?? null,
    entry.translator ?? null,
    entry.latencyMs,
    jsonOrNull(entry.usage),
    entry.sessionId ?? null,
    entry.createdAt,
  ];
}

export function promptHistoryFromRow(row: Row): PromptHistoryEntry {
  return parse(promptHistoryEntrySchema, 'prompt_history', row.id, () => ({
    id: row.id,
    prompt: row.prompt,
    promql: row.promql,
    intent: row.intent,
    success: row.success === 1,
    error: row.error,
    translator: row.translator,
    latencyMs: row.latency_ms,
    usage: fromJson(row.usage),
    sessionId: row.session_id,
    createdAt: row.created_at,
  }));
}

// Silences ----------------------------------------------------------------------------------------

export const SILENCE_COLUMNS = 'id, matchers, starts_at, ends_at, created_by, comment, created_at';

export function silenceParameters(silence: Silence): Parameter[] {
  return [
    silence.id,
    json(silence.matchers),
    silence.startsAt,
    silence.endsAt,
    silence.createdBy ?? '',
    silence.comment ?? '',
    silence.createdAt,
  ];
}

export function silenceFromRow(row: Row): Silence {
  return parse(silenceSchema, 'silences', row.id, () => ({
    id: row.id,
    matchers: fromJson(row.matchers),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: row.created_at,
  }));
}

// Outbox ------------------------------------------------------------------------------------------

export const NOTIFICATION_COLUMNS =
  'id, channel, dedupe_key, group_key, payload, status, attempts, next_attempt_at, lease_until, last_error, created_at, updated_at, delivered_at';

export function notificationParameters(notification: Notification): Parameter[] {
  return [
    notification.id,
    notification.channel,
    notification.dedupeKey,
    notification.groupKey,
    json(notification.payload),
    notification.status,
    notification.attempts,
    notification.nextAttemptAt,
    notification.leaseUntil,
    notification.lastError,
    notification.createdAt,
    notification.updatedAt,
    notification.deliveredAt,
  ];
}

export function notificationFromRow(row: Row): Notification {
  return parse(notificationSchema, 'outbox', row.id, () => ({
    id: row.id,
    channel: row.channel,
    dedupeKey: row.dedupe_key,
    groupKey: row.group_key,
    payload: fromJson(row.payload),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
  }));
}

/** `?, ?, ...` with one placeholder per column of a column list. */
export function placeholders(columns: string): string {
  return columns
    .split(',')
    .map(() => '?')
    .join(', ');
}
