import {
  type Anomaly,
  type NotificationPayload,
  type Notifier,
  type NotifierSendOptions,
  type NotifierStatus,
  PromptheusError,
  type Rca,
  stableHash,
} from '@promptheus/core';
import { anomalyLink, formatValue, safeLink } from './format.js';
import { type FetchFunction, httpError, parseHttpUrl, parseTimeout, postJson } from './http.js';

/** Options of {@link createWebhookNotifier}. */
export interface WebhookNotifierOptions {
  /** Where to POST. Treated as a secret (it often carries a token): never logged or put in errors. */
  readonly url: string;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`. Never logged or put in errors. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` used for the request. @default globalThis.fetch */
  readonly fetch?: FetchFunction;
  /** Timeout of one delivery attempt, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Channel name used by the dispatcher, and the payload's `receiver`. @default "webhook" */
  readonly name?: string;
  /** Public URL of the Promptheus server: the payload's `externalURL` and each alert's `generatorURL`. */
  readonly serverUrl?: string;
}

/** One alert of a {@link WebhookMessage}, shaped like Alertmanager's. */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  /** `alertname` (the metric), the series labels, `target`, `severity` and `detector`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly cause: string;
    readonly fix: string;
    readonly reason: string;
    readonly value: string;
  };
  /** ISO-8601. */
  readonly startsAt: string;
  /** ISO-8601; `0001-01-01T00:00:00Z` while firing, as Alertmanager sends it. */
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
  /** Id of the anomaly in Promptheus. */
  readonly anomalyId: string;
}

/** The JSON body the webhook notifier posts: Alertmanager's webhook payload (version 4) plus `kind` and `title`. */
export interface WebhookMessage {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: 0;
  readonly status: 'firing' | 'resolved';
  /** `firing`, `resolved` or `test` (a test message has `status: "firing"` and no alerts). */
  readonly kind: NotificationPayload['kind'];
  readonly receiver: string;
  readonly title: string;
  readonly severity: NotificationPayload['severity'];
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function alertLabels(anomaly: Anomaly): Record<string, string> {
  return {
    alertname: anomaly.metric,
    ...anomaly.labels,
    target: anomaly.target,
    severity: anomaly.severity,
    detector: anomaly.detector,
  };
}

function webhookAlert(anomaly: Anomaly, rca: Rca | null, serverUrl: string | undefined): WebhookAlert {
  return {
    status: anomaly.status,
    labels: alertLabels(anomaly),
    annotations: {
      summary: rca?.summary ?? anomaly.reason,
      description: rca?.simplified ?? anomaly.reason,
      cause: rca?.cause ?? '',
      fix: rca?.fix ?? '',
      reason: anomaly.reason,
      value: formatValue(anomaly.value),
    },
    startsAt: new Date(anomaly.startsAt).toISOString(),
    endsAt: anomaly.endsAt === null ? ZERO_TIME : new Date(anomaly.endsAt).toISOString(),
    generatorURL: anomalyLink(serverUrl, anomaly.id) ?? '',
    fingerprint: anomaly.fingerprint,
    anomalyId: anomaly.id,
  };
}

/** The entries every record has with the same value. */
function common(records: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  const [first, ...rest] = records;
  if (!first) return {};
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((record) => record[name] === value)) result[name] = value;
  }
  return result;
}

/**
 * Builds the webhook body for a notification, in the shape of Alertmanager's webhook payload
 * (`version: "4"`), so receivers written for Alertmanager can read it.
 */
export function renderWebhookMessage(
  payload: NotificationPayload,
  options: { readonly receiver: string; readonly groupKey?: string; readonly serverUrl?: string },
): WebhookMessage {
  const alerts = payload.alerts.map(({ anomaly, rca }) => webhookAlert(anomaly, rca, options.serverUrl));
  const commonLabels = common(alerts.map((alert) => alert.labels));
  const groupLabels: Record<string, string> = {};
  for (const name of ['target', 'alertname']) {
    const value = commonLabels[name];
    if (value !== undefined) groupLabels[name] = value;
  }
  return {
    version: '4',
    groupKey:
      options.groupKey ??
      `{}:{${Object.entries(groupLabels)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join(',')}}`,
    truncatedAlerts: 0,
    status: payload.kind === 'resolved' ? 'resolved' : 'firing',
    kind: payload.kind,
    receiver: options.receiver,
    title: payload.title,
    severity: payload.severity,
    groupLabels,
    commonLabels,
    commonAnnotations: common(alerts.map((alert) => ({ ...alert.annotations }))),
    externalURL: options.serverUrl ?? safeLink(payload.url) ?? '',
    alerts,
  };
}

/**
 * Creates a notifier that POSTs each notification as JSON (Alertmanager's webhook shape) to a URL
 * of your choice, for anything without a dedicated notifier. The request carries an
 * `Idempotency-Key` header (the same for every attempt of one outbox notification) so receivers can
 * drop the duplicates that at-least-once delivery may cause. 2xx is success; 408, 429, 5xx and
 * network failures are retryable; any other status is not.
 *
 * @example
 * ```ts
 * const webhook = createWebhookNotifier({
 *   url: 'https://ops.example.com/hooks/promptheus',
 *   headers: { authorization: `Bearer ${process.env.HOOK_TOKEN}` },
 * });
 * ```
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): Notifier {
  const url = parseHttpUrl(options.url, 'webhook url').href;
  const timeoutMs = parseTimeout(options.timeoutMs, 10_000, 'webhook timeoutMs');
  const headers = { ...options.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      throw new PromptheusError(
        'config',
        `webhook header "${name.replace(/[^\x20-\x7e]/g, '?')}" is not a valid header`,
      );
    }
  }
  const fetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const name = options.name ?? 'webhook';
  return {
    name,
    async send(payload: NotificationPayload, sendOptions?: NotifierSendOptions): Promise<void> {
      const body = renderWebhookMessage(payload, {
        receiver: name,
        ...(sendOptions?.groupKey === undefined ? {} : { groupKey: sendOptions.groupKey }),
        ...(options.serverUrl === undefined ? {} : { serverUrl: options.serverUrl }),
      });
      const idempotencyKey =
        sendOptions?.notificationId ??
        stableHash(
          payload.kind,
          String(payload.createdAt),
          ...payload.alerts.map((alert) => alert.anomaly.id),
        );
      const answer = await postJson({
        service: `${name} webhook`,
        url,
        body,
        headers: { ...headers, 'idempotency-key': idempotencyKey },
        fetch: fetchFunction,
        timeoutMs,
        ...(sendOptions?.signal ? { signal: sendOptions.signal } : {}),
      });
      if (answer.status >= 200 && answer.status < 300) return;
      throw httpError(`${name} webhook`, answer);
    },
    async status(): Promise<NotifierStatus> {
      return { enabled: true, configured: true, detail: 'webhook URL configured' };
    },
  };
}
