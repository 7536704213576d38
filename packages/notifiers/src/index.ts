/**
 * Email (nodemailer), Slack and webhook notifiers for Promptheus. Each is a `Notifier`: it makes
 * one delivery attempt and throws a retryable or permanent `PromptheusError`; the alert dispatcher
 * in `@promptheus/core` groups, dedupes, retries and keeps the durable outbox.
 *
 * @packageDocumentation
 * @module @promptheus/notifiers
 */
export {
  createEmailNotifier,
  type EmailMessage,
  type EmailNotifierCommonOptions,
  type EmailNotifierOptions,
  type EmailRecipientsSource,
  type EmailTransport,
  emailNotifierFromEnv,
  type RenderedEmail,
  renderEmail,
  type SmtpEnv,
  type SmtpOptions,
  smtpError,
} from './email-notifier.js';
export {
  escapeHtml,
  escapeSlack,
  formatLabels,
  formatValue,
  notificationColor,
  SEVERITY_COLORS,
  singleLine,
} from './format.js';
export type { FetchFunction } from './http.js';
export {
  createDisabledNotifier,
  createSlackNotifier,
  renderSlackMessage,
  type SlackBlock,
  type SlackEnv,
  type SlackMessage,
  type SlackNotifierOptions,
  slackNotifierFromEnv,
} from './slack-notifier.js';
export {
  createWebhookNotifier,
  renderWebhookMessage,
  type WebhookAlert,
  type WebhookMessage,
  type WebhookNotifierOptions,
} from './webhook-notifier.js';
