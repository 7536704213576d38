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
  SEVERITIES,
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

/** A value bound to a statement parameter. */
export type Parameter = string | number | null;

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

/**
 * Reads an anomaly from its column values in the order of {@link ANOMALY_COLUMNS} (a raw-mode
 * `SELECT ${ANOMALY_COLUMNS}`). A row as the store writes it takes the quick path: every column is
 * checked to hold what the anomaly schema asks for and the record is built directly. Anything else
 * goes through the schema ({@link parseAnomalyValues}), which reports a damaged row.
 */
export function anomalyFromValues(values: readonly unknown[]): Anomaly {
  return quickAnomaly(values) ?? parseAnomalyValues(values);
}

/**
 * Reads an anomaly from its column values through the anomaly schema: the full check, failing with
 * an {@link InvalidRowError} naming the table, the id and the first field that is wrong.
 */
export function parseAnomalyValues(values: readonly unknown[]): Anomaly {
  return parse(anomalySchema, 'anomalies', values[0], () => ({
    id: values[0],
    fingerprint: values[1],
    metric: values[2],
    labels: fromJson(values[3]),
    value: values[4],
    score: values[5],
    severity: values[6],
    reason: values[7],
    detector: values[8],
    target: values[9],
    status: values[10],
    evidence: fromJson(values[11]),
    startsAt: values[12],
    endsAt: values[13],
    updatedAt: values[14],
    acknowledgedAt: values[15],
  }));
}

const SEVERITY_VALUES: ReadonlySet<unknown> = new Set(SEVERITIES);
const isTimestamp = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** A JSON object of the column, or `undefined` when the column is not the JSON text of a plain object. */
function jsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || text.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Labels as the schema gives them back: an object of strings. `undefined` for anything else, and
 * for a `__proto__` key, which the schema would not keep as it is.
 */
function quickLabels(text: unknown): Anomaly['labels'] | undefined {
  const labels = jsonObject(text);
  if (labels === undefined) return undefined;
  for (const key in labels) {
    if (typeof labels[key] !== 'string' || key === '__proto__') return undefined;
  }
  return labels as Anomaly['labels'];
}

/** Evidence as the schema gives it back: an object of finite numbers, strings, booleans and nulls. */
function quickEvidence(text: unknown): Anomaly['evidence'] | undefined {
  const evidence = jsonObject(text);
  if (evidence === undefined) return undefined;
  for (const key in evidence) {
    const value = evidence[key];
    if (
      key === '__proto__' ||
      !(
        value === null ||
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      )
    ) {
      return undefined;
    }
  }
  return evidence as Anomaly['evidence'];
}

/**
 * The anomaly of a row that holds exactly what the schema accepts, built as the schema would build
 * it; `undefined` when any column is off, so that the schema reports it.
 */
function quickAnomaly(values: readonly unknown[]): Anomaly | undefined {
  const id = values[0];
  const fingerprint = values[1];
  const metric = values[2];
  const value = values[4];
  const score = values[5];
  const severity = values[6];
  const reason = values[7];
  const detector = values[8];
  const target = values[9];
  const status = values[10];
  const startsAt = values[12];
  const endsAt = values[13];
  const updatedAt = values[14];
  const acknowledgedAt = values[15];
  if (
    typeof id !== 'string' ||
    typeof fingerprint !== 'string' ||
    typeof metric !== 'string' ||
    (value !== null && !isFiniteNumber(value)) ||
    !isFiniteNumber(score) ||
    score < 0 ||
    score > 1 ||
    !SEVERITY_VALUES.has(severity) ||
    typeof reason !== 'string' ||
    typeof detector !== 'string' ||
    typeof target !== 'string' ||
    (status !== 'firing' && status !== 'resolved') ||
    !isTimestamp(startsAt) ||
    (endsAt !== null && !isTimestamp(endsAt)) ||
    !isTimestamp(updatedAt) ||
    (acknowledgedAt !== null && !isTimestamp(acknowledgedAt))
  ) {
    return undefined;
  }
  const labels = quickLabels(values[3]);
  if (labels === undefined) return undefined;
  const evidence = quickEvidence(values[11]);
  if (evidence === undefined) return undefined;
  return {
    id,
    fingerprint,
    metric,
    labels,
    value,
    score,
    severity: severity as Anomaly['severity'],
    reason,
    detector,
    target,
    status,
    evidence,
    startsAt,
    endsAt,
    updatedAt,
    acknowledgedAt,
  };
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
