import type { Anomaly, Labels, NotificationPayload, Rca, Severity } from '@promptheus/core';

/** Colour of each severity in Slack attachments and email headings (hex, with `#`). */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  low: '#1e88e5',
  medium: '#fbc02d',
  high: '#f57c00',
  critical: '#d32f2f',
};

/** Colour of resolved notifications. */
export const RESOLVED_COLOR = '#2e7d32';

/** Colour of test notifications. */
export const TEST_COLOR = '#757575';

/** The colour a notification is shown with: by severity while firing, green when resolved, grey for tests. */
export function notificationColor(payload: Pick<NotificationPayload, 'kind' | 'severity'>): string {
  if (payload.kind === 'resolved') return RESOLVED_COLOR;
  if (payload.kind === 'test') return TEST_COLOR;
  return SEVERITY_COLORS[payload.severity];
}

const htmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEscapes[character] ?? character);
}

/** Escapes text for Slack `mrkdwn` (`&`, `<`, `>` are control characters there). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Every C0 control character (CR and LF included), DEL, the C1 controls and the Unicode line and
// paragraph separators: none of them may reach a mail header or a one-line title.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Makes text safe for a single line (an email subject or header, a Slack header): every control
 * character, CR and LF included, becomes a space, runs of spaces collapse, and the result is cut to
 * `maxLength` characters with an ellipsis.
 */
export function singleLine(text: string, maxLength = 200): string {
  const flattened = text.replace(controlCharacters, ' ').replace(/ {2,}/g, ' ').trim();
  return truncate(flattened, maxLength);
}

/** Cuts text to `maxLength` characters, ending with `…` when it was cut. */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  return text.slice(0, Math.max(0, maxLength - 1)) + '…';
}

/** A sample value as people read it: up to 4 significant decimals, `n/a` when there is none. */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(1);
  return String(Number(value.toPrecision(4)));
}

/** A label set in PromQL selector style, sorted by name: `{instance="a:9100", job="node"}`. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name] ?? '')}`).join(', ')}}`;
}

/** The series of an anomaly as `metric{labels}`. */
export function formatSeries(anomaly: Pick<Anomaly, 'metric' | 'labels'>): string {
  return anomaly.metric + formatLabels(anomaly.labels);
}

/** A timestamp (ms) as an ISO-8601 string in UTC. */
export function formatTime(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

/** Joins a server base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** Link to one anomaly on the server, when a public server URL is known. */
export function anomalyLink(serverUrl: string | undefined, anomalyId: string): string | null {
  if (!serverUrl) return null;
  return joinUrl(serverUrl, `anomalies/${encodeURIComponent(anomalyId)}`);
}

/** The main link of a notification: its own `url`, else the single anomaly's page, else null. */
export function notificationLink(payload: NotificationPayload, serverUrl: string | undefined): string | null {
  if (payload.url) return payload.url;
  const [first] = payload.alerts;
  if (payload.alerts.length === 1 && first) return anomalyLink(serverUrl, first.anomaly.id);
  return serverUrl ?? null;
}

/** The RCA lines of an alert, in the order people read them, skipping what is absent. */
export function rcaLines(rca: Rca | null): ReadonlyArray<{ readonly label: string; readonly text: string }> {
  if (!rca) return [];
  return [
    { label: 'Summary', text: rca.summary },
    { label: 'In plain words', text: rca.simplified },
    { label: 'Likely cause', text: rca.cause },
    { label: 'Suggested fix', text: rca.fix },
  ];
}

/** The heading of a notification: `FIRING`, `RESOLVED` or `TEST`. */
export function kindLabel(payload: Pick<NotificationPayload, 'kind'>): string {
  return payload.kind.toUpperCase();
}

/** The text of a test notification. */
export const TEST_MESSAGE =
  'This is a test notification from Promptheus. If you can read it, this channel is set up correctly.';

/** Only http(s) URLs may become links; anything else (`javascript:`, `data:`) is dropped. */
export function safeLink(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
