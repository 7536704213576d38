import type { NotificationPayload } from '../model/notification.js';

/** What the dispatcher passes to `Notifier.send` besides the notification. */
export interface NotifierSendOptions {
  /** Aborted when the dispatcher gives up on this attempt (timeout or shutdown). */
  readonly signal?: AbortSignal;
  /**
   * Id of the outbox notification being delivered: the same on every attempt, so a notifier can
   * pass it on as an idempotency key. Absent for test messages and direct calls.
   */
  readonly notificationId?: string;
  /** Group key of the notification (e.g. `{__name__="up",target="prod"}`), when the dispatcher sends it. */
  readonly groupKey?: string;
}

/** What a notifier says about its own configuration, with no secrets in it. */
export interface NotifierStatus {
  readonly enabled: boolean;
  /** Whether everything needed to deliver is configured (`"configured"`, never the URL or password). */
  readonly configured: boolean;
  readonly detail?: string;
}

/**
 * Delivers one notification to one channel. Retries, dedupe, grouping and silences live in the
 * dispatcher: a notifier makes one attempt and throws a `PromptheusError` with code `notification`
 * on failure, `retryable: true` when a later attempt may succeed (5xx, network), false otherwise.
 *
 * @example A notifier in ten lines
 * ```ts
 * const console: Notifier = {
 *   name: 'console',
 *   async send(notification) {
 *     for (const { anomaly, rca } of notification.alerts) {
 *       process.stdout.write(`${notification.kind} ${anomaly.metric}: ${rca?.summary ?? anomaly.reason}\n`);
 *     }
 *   },
 * };
 * ```
 */
export interface Notifier {
  /** Unique name of the channel (`email`, `slack`, `webhook`, ...). */
  readonly name: string;
  /** Delivers the notification once. */
  send(notification: NotificationPayload, options?: NotifierSendOptions): Promise<void>;
  /** Whether the notifier would deliver right now. Absent means always enabled. */
  status?(): Promise<NotifierStatus>;
}
