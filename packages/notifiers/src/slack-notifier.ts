import {
  type NotificationPayload,
  type Notifier,
  type NotifierSendOptions,
  type NotifierStatus,
  PromptheusError,
} from '@promptheus/core';
import {
  anomalyLink,
  escapeSlack,
  formatSeries,
  formatValue,
  kindLabel,
  notificationColor,
  notificationLink,
  rcaLines,
  safeLink,
  singleLine,
  TEST_MESSAGE,
  truncate,
} from './format.js';
import { type FetchFunction, httpError, parseHttpUrl, parseTimeout, postJson } from './http.js';

/** Options of {@link createSlackNotifier}. */
export interface SlackNotifierOptions {
  /**
   * The incoming-webhook URL (`https://hooks.slack.com/services/...`). It is a secret: it is never
   * logged, never put in an error and never returned by `status()`.
   */
  readonly webhookUrl: string;
  /** The `fetch` used to call Slack. @default globalThis.fetch */
  readonly fetch?: FetchFunction;
  /** Timeout of one delivery attempt, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Channel name used by the dispatcher. @default "slack" */
  readonly name?: string;
  /** Public URL of the Promptheus server, for per-anomaly links when a notification has none. */
  readonly serverUrl?: string;
  /** Most alerts listed in one message; the rest are counted. @default 10 */
  readonly maxAlerts?: number;
}

/** Slack limits: header text, section text and field text lengths. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

/** A Slack Block Kit block (only the shapes this notifier builds). */
export type SlackBlock = Readonly<Record<string, unknown>>;

/** The JSON body posted to the incoming webhook. */
export interface SlackMessage {
  /** Plain-text fallback shown in notifications and by clients without blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly attachments: ReadonlyArray<{ readonly color: string; readonly blocks: readonly SlackBlock[] }>;
}

const mrkdwn = (text: string, maxLength = SECTION_MAX) => ({
  type: 'mrkdwn',
  text: truncate(text, maxLength),
});

/**
 * Renders a notification as a Slack Block Kit message: a header with the title, then one
 * attachment coloured by severity (green when resolved) with each alert's series, severity, value,
 * detector and RCA, and a button linking back to the server. All text from anomalies is escaped.
 */
export function renderSlackMessage(
  payload: NotificationPayload,
  options: { readonly serverUrl?: string; readonly maxAlerts?: number } = {},
): SlackMessage {
  const maxAlerts = options.maxAlerts ?? 10;
  const icon =
    payload.kind === 'firing'
      ? ':rotating_light:'
      : payload.kind === 'resolved'
        ? ':white_check_mark:'
        : ':wave:';
  const title = singleLine(payload.title, 500);
  const header = {
    type: 'header',
    text: { type: 'plain_text', text: truncate(`${kindLabel(payload)}: ${title}`, HEADER_MAX), emoji: true },
  };
  const body: SlackBlock[] = [];
  if (payload.kind === 'test' && payload.alerts.length === 0) {
    body.push({ type: 'section', text: mrkdwn(TEST_MESSAGE) });
  }
  const shown = payload.alerts.slice(0, maxAlerts);
  shown.forEach(({ anomaly, rca }, index) => {
    if (index > 0) body.push({ type: 'divider' });
    const link = safeLink(anomalyLink(options.serverUrl, anomaly.id));
    const series = escapeSlack(singleLine(formatSeries(anomaly), 500));
    const heading = link ? `*<${link}|${series}>*` : `*${series}*`;
    body.push({
      type: 'section',
      text: mrkdwn(
        `${heading} on *${escapeSlack(singleLine(anomaly.target, 200))}*\n${escapeSlack(anomaly.reason)}`,
      ),
      fields: [
        mrkdwn(`*Severity*\n${anomaly.severity}`, FIELD_MAX),
        mrkdwn(`*Value*\n${formatValue(anomaly.value)}`, FIELD_MAX),
        mrkdwn(`*Detector*\n${escapeSlack(singleLine(anomaly.detector, 200))}`, FIELD_MAX),
        mrkdwn(
          `*${anomaly.endsAt === null ? 'Started' : 'Resolved'}*\n${new Date(anomaly.endsAt ?? anomaly.startsAt).toISOString()}`,
          FIELD_MAX,
        ),
      ],
    });
    const lines = rcaLines(rca);
    if (lines.length > 0) {
      body.push({
        type: 'section',
        text: mrkdwn(lines.map((line) => `*${line.label}:* ${escapeSlack(line.text)}`).join('\n')),
      });
    }
  });
  const hidden = payload.alerts.length - shown.length;
  if (hidden > 0) {
    body.push({ type: 'context', elements: [mrkdwn(`…and ${hidden} more alert${hidden === 1 ? '' : 's'}`)] });
  }
  const link = safeLink(notificationLink(payload, options.serverUrl));
  if (link) {
    body.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'View in Promptheus' },
          url: link,
          ...(payload.kind === 'firing' && payload.severity === 'critical' ? { style: 'danger' } : {}),
        },
      ],
    });
  }
  return {
    text: `${icon} ${kindLabel(payload)}: ${escapeSlack(title)}`,
    blocks: [header],
    attachments: [{ color: notificationColor(payload), blocks: body }],
  };
}

/**
 * Creates a notifier that posts to a Slack incoming webhook. One attempt per `send`; the
 * dispatcher retries. Slack's answer decides: 5xx, 429 and network failures are retryable; any
 * other 4xx (`invalid_payload`, `no_service`, `channel_is_archived`, ...) is not, and the error
 * carries Slack's reason.
 *
 * @example
 * ```ts
 * const slack = createSlackNotifier({ webhookUrl: process.env.SLACK_WEBHOOK_URL! });
 * const dispatcher = createAlertDispatcher({ store, notifiers: [slack] });
 * ```
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const webhookUrl = parseHttpUrl(options.webhookUrl, 'Slack webhookUrl (SLACK_WEBHOOK_URL)').href;
  const timeoutMs = parseTimeout(options.timeoutMs, 10_000, 'Slack timeoutMs');
  const fetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const renderOptions = {
    ...(options.serverUrl === undefined ? {} : { serverUrl: options.serverUrl }),
    ...(options.maxAlerts === undefined ? {} : { maxAlerts: options.maxAlerts }),
  };
  return {
    name: options.name ?? 'slack',
    async send(payload: NotificationPayload, sendOptions?: NotifierSendOptions): Promise<void> {
      const answer = await postJson({
        service: 'Slack webhook',
        url: webhookUrl,
        body: renderSlackMessage(payload, renderOptions),
        fetch: fetchFunction,
        timeoutMs,
        ...(sendOptions?.signal ? { signal: sendOptions.signal } : {}),
      });
      if (answer.status >= 200 && answer.status < 300) return;
      throw httpError('Slack webhook', answer);
    },
    async status(): Promise<NotifierStatus> {
      return { enabled: true, configured: true, detail: 'incoming webhook configured' };
    },
  };
}

/** Environment variables read by {@link slackNotifierFromEnv}. */
export interface SlackEnv {
  /** `true` enables Slack alerts. */
  readonly SLACK_ENABLED?: string | undefined;
  /** The incoming-webhook URL (a secret). */
  readonly SLACK_WEBHOOK_URL?: string | undefined;
}

/**
 * The Slack notifier as the environment configures it. Slack is enabled only when
 * `SLACK_ENABLED=true` and `SLACK_WEBHOOK_URL` is set; otherwise the returned notifier reports
 * `enabled: false` from `status()` (with what to set) and refuses to send, so status and test
 * endpoints work the same either way. Fails with code `config` when Slack is enabled and the URL is
 * not a valid http(s) URL.
 *
 * @example
 * ```ts
 * const slack = slackNotifierFromEnv(process.env, { serverUrl: 'https://promptheus.example.com' });
 * console.log(await slack.status?.()); // { enabled: false, configured: false, detail: 'Slack is disabled: ...' }
 * ```
 */
export function slackNotifierFromEnv(
  env: SlackEnv,
  options: Omit<SlackNotifierOptions, 'webhookUrl'> = {},
): Notifier {
  const enabled = (env.SLACK_ENABLED ?? '').trim().toLowerCase() === 'true';
  const url = (env.SLACK_WEBHOOK_URL ?? '').trim();
  if (enabled && url !== '') return createSlackNotifier({ ...options, webhookUrl: url });
  const detail = enabled
    ? 'Slack is disabled: SLACK_ENABLED is true but SLACK_WEBHOOK_URL is not set'
    : 'Slack is disabled: set SLACK_ENABLED=true and SLACK_WEBHOOK_URL to enable it';
  return createDisabledNotifier(options.name ?? 'slack', { enabled: false, configured: url !== '', detail });
}

/** A notifier that is switched off: reports its status and refuses to send with the status' reason. */
export function createDisabledNotifier(name: string, status: NotifierStatus): Notifier {
  return {
    name,
    async send() {
      throw new PromptheusError('notification', status.detail ?? `${name} notifications are disabled`, {
        retryable: false,
        details: { reason: 'disabled' },
      });
    },
    async status() {
      return status;
    },
  };
}
