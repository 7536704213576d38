import type { Notifier, NotifierSendOptions, NotifierStatus } from '../contracts/notifier.js';
import { PromptheusError } from '../errors.js';
import type { NotificationPayload } from '../model/notification.js';

/** How a {@link RecordingNotifier} fails its next sends. */
export interface RecordingNotifierFailure {
  /** How many of the next sends fail. */
  readonly times: number;
  /** Whether the failures are retryable (like a 5xx) or permanent (like a 400). @default true */
  readonly retryable?: boolean;
  /** The error message. @default "recording notifier failed on purpose" */
  readonly message?: string;
}

/** Options of {@link createRecordingNotifier}. */
export interface RecordingNotifierOptions {
  /** Channel name. @default "recording" */
  readonly name?: string;
  /** Fail the first sends: a count (retryable failures) or a description. @default 0 */
  readonly fail?: number | RecordingNotifierFailure;
  /** What `status().enabled` says; a disabled notifier gets nothing from the dispatcher. @default true */
  readonly enabled?: boolean;
  /** Wait this long in every send, in ms (honours the abort signal). @default 0 */
  readonly delayMs?: number;
}

/** One call to `send`, successful or not. */
export interface RecordedAttempt {
  readonly payload: NotificationPayload;
  readonly options: Omit<NotifierSendOptions, 'signal'>;
  readonly ok: boolean;
  readonly error?: string;
}

/** A notifier for tests that records what it was sent and fails on command. */
export interface RecordingNotifier extends Notifier {
  /** Payloads delivered successfully, oldest first. */
  readonly sent: readonly NotificationPayload[];
  /** Every call to `send`, failed ones included. */
  readonly attempts: readonly RecordedAttempt[];
  /** Makes the next `times` sends fail. */
  failNext(failure: RecordingNotifierFailure): void;
  /** Switches what `status()` reports. */
  setEnabled(enabled: boolean): void;
  /** Forgets what was recorded. */
  clear(): void;
  status(): Promise<NotifierStatus>;
}

/**
 * Creates a notifier that records every notification, for testing code that alerts. It can be
 * told to fail its next sends with retryable or permanent `PromptheusError`s, like a real channel
 * answering 5xx or 400.
 *
 * @example
 * ```ts
 * const notifier = createRecordingNotifier({ name: 'pager', fail: { times: 2, retryable: true } });
 * const dispatcher = createAlertDispatcher({ store, notifiers: [notifier], groupWaitMs: 0 });
 * await dispatcher.notify(anomaly, null, 'firing');
 * await dispatcher.flush();
 * notifier.attempts.length; // 1 (failed, retried later)
 * ```
 */
export function createRecordingNotifier(options: RecordingNotifierOptions = {}): RecordingNotifier {
  const sent: NotificationPayload[] = [];
  const attempts: RecordedAttempt[] = [];
  let enabled = options.enabled ?? true;
  let failure: Required<RecordingNotifierFailure> | null = null;
  const failNext = (next: RecordingNotifierFailure) => {
    failure =
      next.times > 0
        ? {
            times: next.times,
            retryable: next.retryable ?? true,
            message: next.message ?? 'recording notifier failed on purpose',
          }
        : null;
  };
  if (typeof options.fail === 'number') failNext({ times: options.fail });
  else if (options.fail) failNext(options.fail);
  const name = options.name ?? 'recording';

  return {
    name,
    sent,
    attempts,
    failNext,
    setEnabled(next) {
      enabled = next;
    },
    clear() {
      sent.length = 0;
      attempts.length = 0;
    },
    async send(payload, sendOptions = {}) {
      const { signal, ...recorded } = sendOptions;
      if (options.delayMs) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, options.delayMs);
          signal?.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              reject(signal.reason);
            },
            { once: true },
          );
        });
      }
      const copy = structuredClone(payload);
      if (failure) {
        const current = failure;
        failure = current.times > 1 ? { ...current, times: current.times - 1 } : null;
        attempts.push({ payload: copy, options: recorded, ok: false, error: current.message });
        throw new PromptheusError('notification', current.message, { retryable: current.retryable });
      }
      attempts.push({ payload: copy, options: recorded, ok: true });
      sent.push(copy);
    },
    async status() {
      return enabled
        ? { enabled: true, configured: true, detail: `${name} records notifications` }
        : { enabled: false, configured: true, detail: `${name} is disabled` };
    },
  };
}
