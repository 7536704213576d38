import type { Anomaly } from '../model/anomaly.js';
import { compareSeverity, type Severity } from '../model/common.js';
import type { NotificationKind, NotificationPayload } from '../model/notification.js';
import { anomalyAttribute } from './matchers.js';

/** Anomalies of the same target and alert name (metric) are grouped by default. */
export const DEFAULT_GROUP_BY: readonly string[] = Object.freeze(['target', '__name__']);

/**
 * The group key of an anomaly: the values of the `groupBy` attributes (labels or `__name__`,
 * `target`, `severity`, `detector`) in Prometheus selector form, sorted by name, e.g.
 * `{__name__="node_cpu_usage",target="prod"}`. Anomalies with the same key are sent together.
 */
export function groupKeyOf(
  anomaly: Pick<Anomaly, 'metric' | 'labels' | 'target' | 'severity' | 'detector'>,
  groupBy: readonly string[] = DEFAULT_GROUP_BY,
): string {
  const names = [...new Set(groupBy)].sort();
  return `{${names.map((name) => `${name}=${JSON.stringify(anomalyAttribute(anomaly, name))}`).join(',')}}`;
}

/** What makes one outbox notification unique. */
export interface DedupeKeyParts {
  readonly channel: string;
  readonly kind: NotificationKind;
  readonly anomaly: Pick<Anomaly, 'id' | 'fingerprint'>;
  /** For firing reminders: which repeat interval since the anomaly started (0 for the first message). */
  readonly repeat?: number;
}

/**
 * The dedupe key of the notification of one anomaly on one channel: channel, kind, fingerprint,
 * anomaly id and, for firing, the repeat number. Enqueuing the same key twice is a no-op, so a
 * repeated `notify` call never sends twice.
 */
export function dedupeKeyOf(parts: DedupeKeyParts): string {
  const base = `${parts.channel}|${parts.kind}|${parts.anomaly.fingerprint}|${parts.anomaly.id}`;
  return parts.kind === 'firing' ? `${base}|${parts.repeat ?? 0}` : base;
}

/** The most urgent severity among the alerts (`low` when there are none). */
export function highestSeverity(
  alerts: ReadonlyArray<{ readonly anomaly: Pick<Anomaly, 'severity'> }>,
): Severity {
  let highest: Severity = 'low';
  for (const { anomaly } of alerts) {
    if (compareSeverity(anomaly.severity, highest) > 0) highest = anomaly.severity;
  }
  return highest;
}

/**
 * The title of a notification: `[critical] node_cpu_usage on prod` for one alert,
 * `[high] 3 × node_cpu_usage on prod` for a group of one metric, `[high] 3 alerts on prod`
 * otherwise; `[resolved] …` when resolved.
 */
export function notificationTitle(
  kind: NotificationKind,
  alerts: ReadonlyArray<{ readonly anomaly: Pick<Anomaly, 'severity' | 'metric' | 'target'> }>,
): string {
  if (kind === 'test' && alerts.length === 0) return 'Promptheus test notification';
  const tag = kind === 'resolved' ? 'resolved' : highestSeverity(alerts);
  const metrics = new Set(alerts.map(({ anomaly }) => anomaly.metric));
  const targets = new Set(alerts.map(({ anomaly }) => anomaly.target));
  const where = targets.size === 1 ? ` on ${[...targets][0]}` : ` on ${targets.size} targets`;
  const [first] = alerts;
  if (alerts.length === 1 && first) return `[${tag}] ${first.anomaly.metric}${where}`;
  if (metrics.size === 1) return `[${tag}] ${alerts.length} × ${[...metrics][0]}${where}`;
  return `[${tag}] ${alerts.length} alerts${where}`;
}

/**
 * Merges payloads of the same kind and group into one message: alerts concatenated (one per
 * anomaly, the newest record of each), highest severity, title recomputed, earliest `createdAt`,
 * and the link kept only when every payload had the same one.
 */
export function mergePayloads(payloads: readonly NotificationPayload[]): NotificationPayload {
  const [first] = payloads;
  if (!first) throw new Error('mergePayloads needs at least one payload');
  if (payloads.length === 1) return first;
  const byAnomaly = new Map<string, NotificationPayload['alerts'][number]>();
  for (const payload of payloads) {
    for (const alert of payload.alerts) {
      const existing = byAnomaly.get(alert.anomaly.id);
      if (!existing || alert.anomaly.updatedAt >= existing.anomaly.updatedAt) {
        byAnomaly.set(alert.anomaly.id, { anomaly: alert.anomaly, rca: alert.rca ?? existing?.rca ?? null });
      }
    }
  }
  const alerts = [...byAnomaly.values()].sort(
    (a, b) =>
      compareSeverity(b.anomaly.severity, a.anomaly.severity) || a.anomaly.startsAt - b.anomaly.startsAt,
  );
  const urls = new Set(payloads.map((payload) => payload.url));
  return {
    kind: first.kind,
    title: notificationTitle(first.kind, alerts),
    severity: highestSeverity(alerts),
    alerts,
    url: urls.size === 1 ? first.url : null,
    createdAt: Math.min(...payloads.map((payload) => payload.createdAt)),
  };
}
