import type { PromptheusEvents } from '../contracts/events.js';
import type { Notifier, NotifierStatus } from '../contracts/notifier.js';
import type { Store } from '../contracts/store.js';
import { errorMessage, PromptheusError, type PromptheusErrorCode } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { Notification, NotificationPayload } from '../model/notification.js';
import type { Rca } from '../model/rca.js';
import type { Silence } from '../model/silence.js';
import { deadline, raceAbort } from '../util/abort.js';
import type { Emitter } from '../util/emitter.js';
import { createId, stableHash } from '../util/id.js';
import { type RetryBackoffOptions, resolveRetryBackoff, retryDelay } from './backoff.js';
import { DEFAULT_GROUP_BY, dedupeKeyOf, groupKeyOf, mergePayloads, notificationTitle } from './grouping.js';
import { findSilence } from './matchers.js';

/** One anomaly to notify about. */
export interface AlertInput {
  readonly anomaly: Anomaly;
  readonly rca: Rca | null;
  readonly kind: 'firing' | 'resolved';
}

/** Why an alert was not put in the outbox (for one channel, or for all). */
export type SuppressReason =
  /** The anomaly was acknowledged: no more firing notifications until it resolves. */
  | 'acknowledged'
  /** A silence in force matches the anomaly. */
  | 'silenced'
  /** The same fingerprint was notified as firing less than `cooldownMs` ago. */
  | 'cooldown'
  /** `sendResolved` is off. */
  | 'resolved_disabled'
  /** A resolved anomaly whose firing notification was suppressed: nobody was told it fired. */
  | 'not_notified'
  /** The same notification is already in the outbox (a repeated call). */
  | 'duplicate'
  /** No notifier is enabled (a firing anomaly's resolution is then not sent either). */
  | 'no_channel';

/** An alert that was not enqueued, and why. */
export interface SuppressedAlert {
  readonly anomalyId: string;
  readonly kind: 'firing' | 'resolved';
  readonly reason: SuppressReason;
  /** The channel, when the reason applies to one channel only (`duplicate`). */
  readonly channel?: string;
  /** The silence that matched, for `silenced`. */
  readonly silenceId?: string;
}

/** What a `notify` call did. */
export interface NotifyResult {
  /** Notifications put in the outbox (one per anomaly and enabled channel). */
  readonly enqueued: readonly Notification[];
  readonly suppressed: readonly SuppressedAlert[];
}

/** What a `flush` delivered, counted in outbox notifications. */
export interface FlushResult {
  readonly delivered: number;
  /** Failed attempts that will be retried later. */
  readonly retried: number;
  /** Notifications given up on (permanent error, or out of attempts or time). */
  readonly failed: number;
}

/** Outcome of a test message; never contains a secret. */
export type TestDeliveryResult =
  | { readonly ok: true; readonly channel: string; readonly latencyMs: number }
  | {
      readonly ok: false;
      readonly channel: string;
      readonly latencyMs: number;
      /** Why delivery failed, e.g. `Slack webhook answered HTTP 404: no_service`. */
      readonly error: string;
      readonly code: PromptheusErrorCode;
      readonly retryable: boolean;
    };

/** A notifier's status with its name. */
export interface ChannelStatus extends NotifierStatus {
  readonly name: string;
}

/** Options of {@link createAlertDispatcher}. */
export interface AlertDispatcherOptions {
  /** Where the outbox and silences live. */
  readonly store: Store;
  /** The channels. Names must be unique. */
  readonly notifiers: readonly Notifier[];
  /** Receives `notification:sent`, `notification:failed` and `error` events. */
  readonly events?: Pick<Emitter<PromptheusEvents>, 'emit'>;
  /**
   * Attributes whose values form the group key: label names or `__name__`, `target`, `severity`,
   * `detector`. Anomalies with the same key, kind and channel inside the group window go out as one
   * message.
   * @default ['target', '__name__']
   */
  readonly groupBy?: readonly string[];
  /**
   * How long the first notification of a group waits for others to join it, in ms. `0` sends at once
   * (anomalies passed to one `notifyMany` call are still grouped).
   * @default 5000
   */
  readonly groupWaitMs?: number;
  /**
   * A firing anomaly notified again (another `notify` call) after this many ms since it started is
   * sent again as a reminder; within the interval repeated calls are dropped. `Infinity` never repeats.
   * @default 14400000 (4 hours)
   */
  readonly repeatIntervalMs?: number;
  /**
   * After a firing notification for a fingerprint, a new anomaly with the same fingerprint (it
   * resolved and fired again) is not notified for this many ms; its resolution is not sent either.
   * Damps flapping series. `0` disables it. Kept in memory.
   * @default 0
   */
  readonly cooldownMs?: number;
  /** Send a notification when an anomaly resolves. @default true */
  readonly sendResolved?: boolean;
  /** Delay between attempts. @default { initialMs: 500, multiplier: 1.5, maxMs: 60000, jitter: 0.5 } */
  readonly backoff?: RetryBackoffOptions;
  /** Attempts after which a notification is `failed`. @default 50 */
  readonly maxAttempts?: number;
  /** Age (since enqueued) after which a failing notification is `failed`, in ms. @default 3600000 (1 hour) */
  readonly maxAgeMs?: number;
  /** Timeout of one delivery attempt, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * How long a claim on an outbox notification holds, in ms: after it, another worker (or a
   * restarted process) delivers it. Must exceed `timeoutMs`.
   * @default 120000
   */
  readonly leaseMs?: number;
  /** Notifications claimed per round. @default 100 */
  readonly batchSize?: number;
  /** Messages sent at the same time. @default 4 */
  readonly concurrency?: number;
  /** How often the running worker looks for due notifications, in ms. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Public URL of the server; notifications link to `<serverUrl>/anomalies/<id>`. @default null (no links) */
  readonly serverUrl?: string | null;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
  /** Random numbers in [0, 1) for the backoff jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Turns anomalies into notifications and delivers them: grouping, dedupe, silences, acknowledge,
 * cooldown and repeat on the way in; a durable outbox with leases, retries with backoff and
 * at-least-once delivery on the way out.
 */
export interface AlertDispatcher {
  /** Notifies about one anomaly. Same as `notifyMany([{ anomaly, rca, kind }])`. */
  notify(anomaly: Anomaly, rca: Rca | null, kind: 'firing' | 'resolved'): Promise<NotifyResult>;
  /**
   * Puts notifications for the anomalies of one monitor tick in the outbox, one per anomaly and
   * enabled channel, unless suppressed. Calling it again with the same anomalies enqueues nothing.
   * Delivery happens in the worker (`start`) or `flush`.
   */
  notifyMany(alerts: readonly AlertInput[]): Promise<NotifyResult>;
  /** Starts the delivery worker: delivers what is due now (also what a previous process left), then keeps polling. */
  start(): void;
  /** Stops the worker and waits for the round in progress (at most one attempt timeout). Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Delivers everything due now, one attempt each, and returns the counts. Notifications waiting for
   * their group window or a retry delay stay in the outbox.
   */
  flush(): Promise<FlushResult>;
  /**
   * Sends a test message (`kind: "test"`) through one channel right away, outside the outbox, and
   * reports the outcome: `{ ok: true }` or the error message (never a secret). For the server's
   * `POST /agent/test-email` and `POST /agent/test-slack`.
   */
  test(channel: string, options?: { readonly signal?: AbortSignal }): Promise<TestDeliveryResult>;
  /** Status of every channel, for status pages (`GET /agent/slack-status`). */
  channels(): Promise<ChannelStatus[]>;
  /** Status of one channel, or null when no notifier has that name. */
  status(channel: string): Promise<ChannelStatus | null>;
  /** Whether the worker is running. */
  readonly running: boolean;
}

function positive(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  const valid = allowZero ? value >= 0 : value > 0;
  if (typeof value !== 'number' || Number.isNaN(value) || !valid) {
    throw new PromptheusError(
      'config',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`,
    );
  }
  return value;
}

function integer(value: number | undefined, fallback: number, name: string): number {
  const result = positive(value, fallback, name);
  if (Number.isFinite(result) && !Number.isInteger(result)) {
    throw new PromptheusError('config', `${name} must be a positive integer`);
  }
  return result;
}

/** A bounded set that forgets its oldest entries. */
function boundedMap<Value>(limit: number) {
  const map = new Map<string, Value>();
  return {
    get: (key: string) => map.get(key),
    has: (key: string) => map.has(key),
    delete: (key: string) => map.delete(key),
    set(key: string, value: Value) {
      map.delete(key);
      map.set(key, value);
      if (map.size > limit) {
        const oldest = map.keys().next();
        if (!oldest.done) map.delete(oldest.value);
      }
    },
  };
}

function anomalyUrl(serverUrl: string | null, anomalyId: string): string | null {
  if (!serverUrl) return null;
  return `${serverUrl.replace(/\/+$/, '')}/anomalies/${encodeURIComponent(anomalyId)}`;
}

/** The error of a failed attempt as stored and emitted: the message only, one line, bounded. */
function attemptError(error: unknown): {
  message: string;
  retryable: boolean;
  retryAfterMs: number | undefined;
} {
  if (PromptheusError.isInstance(error)) {
    const retryAfter = error.details?.['retryAfterMs'];
    return {
      message: oneLine(error.message),
      retryable: error.retryable,
      retryAfterMs: typeof retryAfter === 'number' && Number.isFinite(retryAfter) ? retryAfter : undefined,
    };
  }
  // Not a PromptheusError: a custom notifier's own failure. Retried, within maxAttempts / maxAgeMs.
  return { message: oneLine(errorMessage(error)), retryable: true, retryAfterMs: undefined };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 499)}…` : flat;
}

/**
 * Creates the alert dispatcher: the step between the monitor and the notifiers.
 *
 * On the way in (`notify`, `notifyMany`), each anomaly becomes one outbox notification per enabled
 * channel, unless it is acknowledged (firing only), silenced, in cooldown or already enqueued. The
 * dedupe key (channel, kind, fingerprint, anomaly id, repeat number) makes repeated calls harmless.
 * Notifications of one group (same `groupBy` values, kind and channel) are due at the end of the
 * group window and go out as one message.
 *
 * On the way out, the worker claims due notifications with a lease, sends each group with a
 * per-attempt timeout, and marks them delivered, retries them with exponential backoff and jitter
 * (retryable errors: 5xx, 429, network, timeouts) or fails them (other errors, or out of attempts
 * or time). A new dispatcher on the same store delivers what a stopped or crashed one left pending
 * or in flight, once its lease expired: delivery is at least once.
 *
 * @example
 * ```ts
 * const dispatcher = createAlertDispatcher({ store, notifiers: [email, slack], events, serverUrl: 'https://promptheus.example.com' });
 * dispatcher.start();
 * await dispatcher.notify(anomaly, rca, 'firing');
 * // at shutdown
 * await dispatcher.stop();
 * ```
 */
export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const { store, events } = options;
  if (!store?.outbox || !store.silences) {
    throw new PromptheusError('config', 'createAlertDispatcher needs a store with an outbox and silences');
  }
  const notifiers = new Map<string, Notifier>();
  for (const notifier of options.notifiers ?? []) {
    if (typeof notifier?.name !== 'string' || notifier.name === '' || typeof notifier.send !== 'function') {
      throw new PromptheusError('config', 'every notifier needs a non-empty name and a send() function');
    }
    if (notifiers.has(notifier.name)) {
      throw new PromptheusError('config', `two notifiers are named "${notifier.name}"; names must be unique`);
    }
    notifiers.set(notifier.name, notifier);
  }
  const groupBy = options.groupBy ?? DEFAULT_GROUP_BY;
  if (!Array.isArray(groupBy) || groupBy.some((name) => typeof name !== 'string' || name === '')) {
    throw new PromptheusError(
      'config',
      'groupBy must be a list of label names or __name__/target/severity/detector',
    );
  }
  const groupWaitMs = positive(options.groupWaitMs, 5000, 'groupWaitMs', true);
  const repeatIntervalMs = positive(options.repeatIntervalMs, 4 * 60 * 60 * 1000, 'repeatIntervalMs');
  const cooldownMs = positive(options.cooldownMs, 0, 'cooldownMs', true);
  const sendResolved = options.sendResolved ?? true;
  const backoff = resolveRetryBackoff(options.backoff);
  const maxAttempts = integer(options.maxAttempts, 50, 'maxAttempts');
  const maxAgeMs = positive(options.maxAgeMs, 60 * 60 * 1000, 'maxAgeMs');
  const timeoutMs = positive(options.timeoutMs, 10_000, 'timeoutMs');
  const leaseMs = positive(options.leaseMs, 120_000, 'leaseMs');
  if (leaseMs <= timeoutMs) throw new PromptheusError('config', 'leaseMs must be greater than timeoutMs');
  const batchSize = integer(options.batchSize, 100, 'batchSize');
  const concurrency = integer(options.concurrency, 4, 'concurrency');
  const pollIntervalMs = positive(options.pollIntervalMs, 1000, 'pollIntervalMs');
  const serverUrl = options.serverUrl ? options.serverUrl : null;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;

  /** Dedupe keys enqueued by this process (the outbox dedupes too, but may have pruned old ones). */
  const recentKeys = boundedMap<true>(20_000);
  /** Anomalies whose firing notification was suppressed, so their resolution is not sent. */
  const untold = boundedMap<true>(20_000);
  /** Last firing notification per fingerprint, for the cooldown. */
  const lastFiring = boundedMap<{ anomalyId: string; at: number }>(20_000);
  /** End of the open group window per channel, group and kind. */
  const windows = new Map<string, number>();

  let running = false;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;
  let chain: Promise<unknown> = Promise.resolve();

  const reportError = (error: unknown) => {
    events?.emit('error', { source: 'alert-dispatcher', error });
  };

  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };

  const channelStatus = async (notifier: Notifier): Promise<ChannelStatus> => {
    if (!notifier.status) return { name: notifier.name, enabled: true, configured: true };
    try {
      return { name: notifier.name, ...(await notifier.status()) };
    } catch (error) {
      return {
        name: notifier.name,
        enabled: false,
        configured: false,
        detail: `status unavailable: ${oneLine(errorMessage(error))}`,
      };
    }
  };

  /** Channels to enqueue for. A status that cannot be read counts as enabled: the send decides. */
  const enabledChannels = async (): Promise<Notifier[]> => {
    const result: Notifier[] = [];
    for (const notifier of notifiers.values()) {
      if (!notifier.status) {
        result.push(notifier);
        continue;
      }
      try {
        if ((await notifier.status()).enabled) result.push(notifier);
      } catch (error) {
        reportError(error);
        result.push(notifier);
      }
    }
    return result;
  };

  /**
   * Whether a person acknowledged the anomaly: on the record passed in, or on the stored one (an
   * acknowledgement made through the API after the caller read the anomaly).
   */
  const isAcknowledged = async (anomaly: Anomaly): Promise<boolean> => {
    if (anomaly.acknowledgedAt !== null && anomaly.acknowledgedAt !== undefined) return true;
    try {
      const stored = await store.anomalies.get(anomaly.id);
      return stored !== null && stored.acknowledgedAt !== null && stored.acknowledgedAt !== undefined;
    } catch (error) {
      reportError(error);
      return false;
    }
  };

  const dueTime = (channel: string, groupKey: string, kind: string, now: number): number => {
    if (groupWaitMs === 0) return now;
    for (const [key, end] of windows) if (end <= now) windows.delete(key);
    const key = `${channel}\u0000${groupKey}\u0000${kind}`;
    const open = windows.get(key);
    if (open !== undefined) return open;
    const end = now + groupWaitMs;
    windows.set(key, end);
    return end;
  };

  const schedule = (at: number) => {
    if (!running || at >= wakeAt) return;
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(
      () => {
        wakeTimer = undefined;
        wakeAt = Number.POSITIVE_INFINITY;
        kick();
      },
      Math.max(0, at - clock()),
    );
    wakeTimer.unref?.();
  };

  const notifyMany = async (alerts: readonly AlertInput[]): Promise<NotifyResult> => {
    const enqueued: Notification[] = [];
    const suppressed: SuppressedAlert[] = [];
    if (alerts.length === 0) return { enqueued, suppressed };
    const now = clock();
    const silences: Silence[] = await store.silences.list({ activeAt: now });
    const channels = await enabledChannels();
    let earliest = Number.POSITIVE_INFINITY;

    for (const { anomaly, rca, kind } of alerts) {
      const skip = (reason: SuppressReason, extra: Partial<SuppressedAlert> = {}) =>
        suppressed.push({ anomalyId: anomaly.id, kind, reason, ...extra });
      if (kind === 'resolved' && !sendResolved) {
        skip('resolved_disabled');
        continue;
      }
      if (kind === 'firing' && (await isAcknowledged(anomaly))) {
        skip('acknowledged');
        continue;
      }
      if (kind === 'resolved' && untold.has(anomaly.id)) {
        untold.delete(anomaly.id);
        skip('not_notified');
        continue;
      }
      const silence = findSilence(anomaly, silences, now, (_silence, error) => reportError(error));
      if (silence) {
        if (kind === 'firing') untold.set(anomaly.id, true);
        skip('silenced', { silenceId: silence.id });
        continue;
      }
      if (kind === 'firing' && cooldownMs > 0) {
        const last = lastFiring.get(anomaly.fingerprint);
        if (last && last.anomalyId !== anomaly.id && now - last.at < cooldownMs) {
          untold.set(anomaly.id, true);
          skip('cooldown');
          continue;
        }
      }
      if (channels.length === 0) {
        if (kind === 'firing') untold.set(anomaly.id, true);
        skip('no_channel');
        continue;
      }
      const repeat =
        kind === 'firing' && Number.isFinite(repeatIntervalMs)
          ? Math.floor(Math.max(0, now - anomaly.startsAt) / repeatIntervalMs)
          : 0;
      const groupKey = groupKeyOf(anomaly, groupBy);
      const payload: NotificationPayload = {
        kind,
        title: notificationTitle(kind, [{ anomaly }]),
        severity: anomaly.severity,
        alerts: [{ anomaly, rca }],
        url: anomalyUrl(serverUrl, anomaly.id),
        createdAt: now,
      };
      let anyEnqueued = false;
      for (const notifier of channels) {
        const dedupeKey = dedupeKeyOf({ channel: notifier.name, kind, anomaly, repeat });
        if (recentKeys.has(dedupeKey)) {
          skip('duplicate', { channel: notifier.name });
          continue;
        }
        const nextAttemptAt = dueTime(notifier.name, groupKey, kind, now);
        const notification: Notification = {
          id: createId(now),
          channel: notifier.name,
          dedupeKey,
          groupKey,
          payload,
          status: 'pending',
          attempts: 0,
          nextAttemptAt,
          leaseUntil: null,
          lastError: null,
          createdAt: now,
          updatedAt: now,
          deliveredAt: null,
        };
        const added = await store.outbox.enqueue(notification);
        recentKeys.set(dedupeKey, true);
        if (!added) {
          skip('duplicate', { channel: notifier.name });
          continue;
        }
        anyEnqueued = true;
        enqueued.push(notification);
        earliest = Math.min(earliest, nextAttemptAt);
      }
      if (anyEnqueued && kind === 'firing')
        lastFiring.set(anomaly.fingerprint, { anomalyId: anomaly.id, at: now });
    }
    if (Number.isFinite(earliest)) schedule(earliest);
    return { enqueued, suppressed };
  };

  /** Sends one group of claimed notifications as one message and records the outcome. */
  const deliverGroup = async (items: readonly Notification[], totals: Counts): Promise<void> => {
    const [first] = items;
    if (!first) return;
    const leaseUntil = Math.min(...items.map((item) => item.leaseUntil ?? Number.POSITIVE_INFINITY));
    if (clock() + timeoutMs > leaseUntil) return; // the lease would run out mid-send: leave it to the next claim
    const notifier = notifiers.get(first.channel);
    let failure: ReturnType<typeof attemptError> | undefined;
    if (!notifier) {
      failure = {
        message: `no notifier named "${first.channel}" is configured`,
        retryable: false,
        retryAfterMs: undefined,
      };
    } else {
      const merged = mergePayloads(items.map((item) => item.payload));
      const payload =
        items.length > 1 && merged.url === null && serverUrl
          ? { ...merged, url: `${serverUrl.replace(/\/+$/, '')}/anomalies` }
          : merged;
      const notificationId =
        items.length === 1 ? first.id : stableHash(...items.map((item) => item.id).sort());
      const attempt = deadline(`${first.channel} notification`, timeoutMs);
      try {
        await raceAbort(
          Promise.resolve().then(() =>
            notifier.send(payload, { signal: attempt.signal, notificationId, groupKey: first.groupKey }),
          ),
          attempt.signal,
        );
      } catch (error) {
        failure = attemptError(error);
      } finally {
        attempt.dispose();
      }
    }
    const at = clock();
    if (!failure) {
      for (const item of items) {
        try {
          await store.outbox.complete(item.id, at);
          totals.delivered++;
          events?.emit('notification:sent', {
            notification: { ...item, status: 'delivered', deliveredAt: at, updatedAt: at, leaseUntil: null },
          });
        } catch (error) {
          reportError(error);
        }
      }
      return;
    }
    const attempts = Math.max(...items.map((item) => item.attempts));
    const oldest = Math.min(...items.map((item) => item.createdAt));
    const delay = Math.max(
      retryDelay(attempts, backoff, random),
      Math.min(failure.retryAfterMs ?? 0, backoff.maxMs),
    );
    const willRetry = failure.retryable && attempts < maxAttempts && at + delay - oldest <= maxAgeMs;
    const error = willRetry
      ? failure.message
      : failure.retryable
        ? `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${failure.message}`
        : failure.message;
    const nextAttemptAt = at + delay;
    for (const item of items) {
      try {
        if (willRetry) {
          await store.outbox.retry(item.id, { nextAttemptAt, error, at });
          totals.retried++;
        } else {
          await store.outbox.fail(item.id, { error, at });
          totals.failed++;
        }
        events?.emit('notification:failed', {
          notification: willRetry
            ? { ...item, status: 'pending', nextAttemptAt, lastError: error, updatedAt: at, leaseUntil: null }
            : { ...item, status: 'failed', lastError: error, updatedAt: at, leaseUntil: null },
          error,
          willRetry,
        });
      } catch (storeError) {
        reportError(storeError);
      }
    }
    if (willRetry) schedule(nextAttemptAt);
  };

  interface Counts {
    delivered: number;
    retried: number;
    failed: number;
  }

  /** Claims one batch of due notifications and delivers it; returns how many were claimed. */
  const round = async (totals: Counts): Promise<number> => {
    const claimed = await store.outbox.claim({ now: clock(), limit: batchSize, leaseMs });
    const groups = new Map<string, Notification[]>();
    for (const notification of claimed) {
      const key = `${notification.channel}\u0000${notification.groupKey}\u0000${notification.payload.kind}`;
      const group = groups.get(key);
      if (group) group.push(notification);
      else groups.set(key, [notification]);
    }
    const queue = [...groups.values()];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) await deliverGroup(group, totals);
    });
    await Promise.all(workers);
    return claimed.length;
  };

  const drain = async (): Promise<FlushResult> => {
    const totals: Counts = { delivered: 0, retried: 0, failed: 0 };
    // A full batch means more may be due; a partial one means the outbox has nothing more due now.
    for (let claimed = batchSize; claimed === batchSize; ) {
      claimed = await round(totals);
    }
    return totals;
  };

  /** True while a background drain waits for its turn: polls and wake-ups never pile up behind a slow one. */
  let drainQueued = false;
  const kick = () => {
    if (!running || drainQueued) return;
    drainQueued = true;
    exclusive(async () => {
      drainQueued = false;
      if (running) await drain();
    }).catch(reportError);
  };

  return {
    notify(anomaly, rca, kind) {
      return notifyMany([{ anomaly, rca, kind }]);
    },
    notifyMany,
    start() {
      if (running) return;
      running = true;
      pollTimer = setInterval(kick, pollIntervalMs);
      pollTimer.unref?.();
      kick();
    },
    async stop() {
      if (!running) {
        await chain;
        return;
      }
      running = false;
      if (pollTimer) clearInterval(pollTimer);
      if (wakeTimer) clearTimeout(wakeTimer);
      pollTimer = undefined;
      wakeTimer = undefined;
      wakeAt = Number.POSITIVE_INFINITY;
      await chain;
    },
    flush() {
      return exclusive(drain);
    },
    async test(channel, testOptions = {}) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const notifier = notifiers.get(channel);
      if (!notifier) {
        const names = [...notifiers.keys()];
        return {
          ok: false,
          channel,
          latencyMs: 0,
          error: `no notifier named "${channel}" is configured${names.length ? ` (configured: ${names.join(', ')})` : ''}`,
          code: 'not_found',
          retryable: false,
        };
      }
      const payload: NotificationPayload = {
        kind: 'test',
        title: notificationTitle('test', []),
        severity: 'low',
        alerts: [],
        url: serverUrl,
        createdAt: clock(),
      };
      const attempt = deadline(`${channel} test notification`, timeoutMs, testOptions.signal);
      try {
        await raceAbort(
          Promise.resolve().then(() => notifier.send(payload, { signal: attempt.signal })),
          attempt.signal,
        );
        return { ok: true, channel, latencyMs: elapsed() };
      } catch (error) {
        const failure = attemptError(error);
        return {
          ok: false,
          channel,
          latencyMs: elapsed(),
          error: failure.message,
          code: PromptheusError.isInstance(error) ? error.code : 'notification',
          retryable: failure.retryable,
        };
      } finally {
        attempt.dispose();
      }
    },
    async channels() {
      return Promise.all([...notifiers.values()].map(channelStatus));
    },
    async status(channel) {
      const notifier = notifiers.get(channel);
      return notifier ? channelStatus(notifier) : null;
    },
    get running() {
      return running;
    },
  };
}
