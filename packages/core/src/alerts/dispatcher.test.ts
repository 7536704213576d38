import { afterEach, describe, expect, it } from 'vitest';
import type { PromptheusEvents } from '../contracts/events.js';
import type { Store } from '../contracts/store.js';
import { PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { Notification } from '../model/notification.js';
import type { Rca } from '../model/rca.js';
import { createMemoryStore } from '../store/memory-store.js';
import { createRecordingNotifier } from '../testing/recording-notifier.js';
import { createEmitter } from '../util/emitter.js';
import { type AlertDispatcher, type AlertDispatcherOptions, createAlertDispatcher } from './dispatcher.js';

const T0 = Date.UTC(2025, 0, 1);

const anomaly = (overrides: Partial<Anomaly> = {}): Anomaly => ({
  id: 'a1',
  fingerprint: 'f1',
  metric: 'node_cpu_usage',
  labels: { instance: 'web-1' },
  value: 95,
  score: 0.9,
  severity: 'high',
  reason: 'node_cpu_usage is 95, above 80',
  detector: 'threshold',
  target: 'prod',
  status: 'firing',
  evidence: {},
  startsAt: T0,
  endsAt: null,
  updatedAt: T0,
  acknowledgedAt: null,
  ...overrides,
});

const rca = (anomalyId = 'a1'): Rca => ({
  id: `rca-${anomalyId}`,
  anomalyId,
  fingerprint: 'f1',
  summary: 'CPU saturated',
  simplified: 'The server is too busy',
  cause: 'a runaway job',
  fix: 'stop the job',
  source: 'fallback',
  provider: null,
  model: null,
  usage: null,
  fallbackReason: null,
  createdAt: T0,
});

interface Harness {
  readonly store: Store;
  readonly clock: { now: number };
  readonly events: Array<{ name: keyof PromptheusEvents; payload: unknown }>;
  readonly dispatcher: AlertDispatcher;
  make(options?: Partial<AlertDispatcherOptions>): AlertDispatcher;
}

const stores: Store[] = [];
const dispatchers: AlertDispatcher[] = [];
afterEach(async () => {
  for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
  for (const store of stores.splice(0)) await store.close();
});

function harness(options: Partial<AlertDispatcherOptions> = {}, store: Store = createMemoryStore()): Harness {
  stores.push(store);
  const clock = { now: T0 + 1000 };
  const events: Harness['events'] = [];
  const emitter = createEmitter<PromptheusEvents>();
  emitter.onAny((name, payload) => events.push({ name, payload }));
  const make = (overrides: Partial<AlertDispatcherOptions> = {}) => {
    const dispatcher = createAlertDispatcher({
      store,
      notifiers: [],
      events: emitter,
      groupWaitMs: 0,
      clock: () => clock.now,
      random: () => 0.5,
      ...options,
      ...overrides,
    });
    dispatchers.push(dispatcher);
    return dispatcher;
  };
  return { store, clock, events, dispatcher: make(), make };
}

const byStatus = async (store: Store, status: Notification['status']) =>
  store.outbox.list({ status, limit: 100 });

describe('createAlertDispatcher: enqueue and deliver', () => {
  it('puts one notification per enabled channel in the outbox and delivers it on flush', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const slack = createRecordingNotifier({ name: 'slack' });
    const off = createRecordingNotifier({ name: 'off', enabled: false });
    const { store, dispatcher, events } = harness({
      notifiers: [email, slack, off],
      serverUrl: 'http://ui.test/',
    });
    const result = await dispatcher.notify(anomaly(), rca(), 'firing');
    expect(result.enqueued.map((notification) => notification.channel).sort()).toEqual(['email', 'slack']);
    expect(await store.outbox.count({ status: 'pending' })).toBe(2);
    expect(await dispatcher.flush()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(email.sent).toHaveLength(1);
    expect(slack.sent).toHaveLength(1);
    expect(off.attempts).toHaveLength(0);
    const payload = email.sent[0]!;
    expect(payload).toMatchObject({
      kind: 'firing',
      title: '[high] node_cpu_usage on prod',
      severity: 'high',
      url: 'http://ui.test/anomalies/a1',
    });
    expect(payload.alerts[0]?.rca?.summary).toBe('CPU saturated');
    expect(email.attempts[0]?.options.groupKey).toBe('{__name__="node_cpu_usage",target="prod"}');
    expect(email.attempts[0]?.options.notificationId).toBe(
      result.enqueued.find((n) => n.channel === 'email')?.id,
    );
    expect(await store.outbox.count({ status: 'delivered' })).toBe(2);
    const sent = events.filter((event) => event.name === 'notification:sent');
    expect(sent).toHaveLength(2);
    expect((sent[0]!.payload as { notification: Notification }).notification.status).toBe('delivered');
  });

  it('never sends twice for a repeated call, also from a new dispatcher on the same store', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher, make } = harness({ notifiers: [email] });
    await dispatcher.notify(anomaly(), rca(), 'firing');
    const again = await dispatcher.notify(anomaly(), rca(), 'firing');
    expect(again.enqueued).toHaveLength(0);
    expect(again.suppressed).toEqual([
      { anomalyId: 'a1', kind: 'firing', reason: 'duplicate', channel: 'email' },
    ]);
    await dispatcher.flush();
    const restarted = make({ notifiers: [email] });
    const third = await restarted.notify(anomaly(), rca(), 'firing');
    expect(third.suppressed[0]?.reason).toBe('duplicate');
    await restarted.flush();
    expect(email.sent).toHaveLength(1);
  });

  it('groups anomalies of one target and metric that arrive within the group window', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher, clock } = harness({ notifiers: [email], groupWaitMs: 1000 });
    await dispatcher.notify(anomaly(), null, 'firing');
    clock.now += 500;
    await dispatcher.notifyMany([
      {
        anomaly: anomaly({
          id: 'a2',
          fingerprint: 'f2',
          labels: { instance: 'web-2' },
          severity: 'critical',
        }),
        rca: null,
        kind: 'firing',
      },
      { anomaly: anomaly({ id: 'a3', fingerprint: 'f3', metric: 'disk_free' }), rca: null, kind: 'firing' },
    ]);
    clock.now += 100;
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.now += 400;
    // a1's window (opened at +0) closes: a1 and a2 go out together.
    expect(await dispatcher.flush()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(email.sent).toHaveLength(1);
    clock.now += 500;
    // disk_free is another group, whose window opened 500 ms later.
    expect(await dispatcher.flush()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(email.sent).toHaveLength(2);
    const group = email.sent.find((payload) => payload.alerts.length === 2);
    expect(group?.title).toBe('[critical] 2 × node_cpu_usage on prod');
    expect(group?.severity).toBe('critical');
    expect(group?.alerts.map((alert) => alert.anomaly.id)).toEqual(['a2', 'a1']);
    expect(email.sent.find((payload) => payload.alerts.length === 1)?.title).toBe('[high] disk_free on prod');
    // After the window closes, a new anomaly of the same group opens a new window.
    await dispatcher.notify(anomaly({ id: 'a4', fingerprint: 'f4' }), null, 'firing');
    await dispatcher.flush();
    expect(email.sent).toHaveLength(2);
    clock.now += 1000;
    await dispatcher.flush();
    expect(email.sent).toHaveLength(3);
  });

  it('firing and resolved notifications of one group are separate messages', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher } = harness({ notifiers: [email] });
    await dispatcher.notify(anomaly(), null, 'firing');
    await dispatcher.flush();
    await dispatcher.notifyMany([
      { anomaly: anomaly({ status: 'resolved', endsAt: T0 + 900 }), rca: null, kind: 'resolved' },
      { anomaly: anomaly({ id: 'a2', fingerprint: 'f2' }), rca: null, kind: 'firing' },
    ]);
    await dispatcher.flush();
    expect(email.sent).toHaveLength(3);
    expect(email.sent[0]?.kind).toBe('firing');
    expect(
      email.sent
        .slice(1)
        .map((payload) => payload.kind)
        .sort(),
    ).toEqual(['firing', 'resolved']);
    expect(email.sent.find((payload) => payload.kind === 'resolved')?.title).toBe(
      '[resolved] node_cpu_usage on prod',
    );
  });
});

describe('createAlertDispatcher: retries and failures', () => {
  it('retries retryable failures with growing backoff, then delivers exactly once', async () => {
    const pager = createRecordingNotifier({
      name: 'pager',
      fail: { times: 2, retryable: true, message: 'HTTP 503' },
    });
    const { store, dispatcher, clock, events } = harness({ notifiers: [pager] });
    await dispatcher.notify(anomaly(), null, 'firing');
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    let [pending] = await byStatus(store, 'pending');
    expect(pending?.attempts).toBe(1);
    expect(pending?.lastError).toBe('HTTP 503');
    expect(pending?.nextAttemptAt).toBe(clock.now + 500);
    clock.now += 499;
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.now += 1;
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    [pending] = await byStatus(store, 'pending');
    expect(pending?.nextAttemptAt).toBe(clock.now + 750);
    clock.now += 750;
    expect(await dispatcher.flush()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(pager.sent).toHaveLength(1);
    expect(pager.attempts).toHaveLength(3);
    const [delivered] = await byStatus(store, 'delivered');
    expect(delivered?.attempts).toBe(3);
    const failed = events.filter((event) => event.name === 'notification:failed');
    expect(failed.map((event) => (event.payload as { willRetry: boolean }).willRetry)).toEqual([true, true]);
  });

  it('fails a permanent error at once with the reason, without retrying', async () => {
    const slack = createRecordingNotifier({
      name: 'slack',
      fail: { times: 1, retryable: false, message: 'Slack webhook answered HTTP 400: invalid_payload' },
    });
    const { store, dispatcher, clock, events } = harness({ notifiers: [slack] });
    await dispatcher.notify(anomaly(), null, 'firing');
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    clock.now += 3_600_000;
    await dispatcher.flush();
    expect(slack.attempts).toHaveLength(1);
    const [failed] = await byStatus(store, 'failed');
    expect(failed?.lastError).toBe('Slack webhook answered HTTP 400: invalid_payload');
    const event = events.find((candidate) => candidate.name === 'notification:failed')
      ?.payload as PromptheusEvents['notification:failed'];
    expect(event.willRetry).toBe(false);
    expect(event.error).toContain('invalid_payload');
  });

  it('gives up after maxAttempts or maxAgeMs', async () => {
    const flaky = createRecordingNotifier({ name: 'flaky', fail: { times: 100, message: 'down' } });
    const { store, dispatcher, clock } = harness({ notifiers: [flaky], maxAttempts: 3 });
    await dispatcher.notify(anomaly(), null, 'firing');
    for (let round = 0; round < 5; round++) {
      await dispatcher.flush();
      clock.now += 60_000;
    }
    expect(flaky.attempts).toHaveLength(3);
    const [failed] = await byStatus(store, 'failed');
    expect(failed?.lastError).toBe('gave up after 3 attempts: down');

    const aging = createRecordingNotifier({ name: 'aging', fail: { times: 100, message: 'down' } });
    const second = harness({ notifiers: [aging], maxAgeMs: 2000, backoff: { jitter: 0 } });
    await second.dispatcher.notify(anomaly(), null, 'firing');
    for (let round = 0; round < 10; round++) {
      await second.dispatcher.flush();
      second.clock.now += 1000;
    }
    const [aged] = await byStatus(second.store, 'failed');
    expect(aged?.lastError).toMatch(/^gave up after \d attempts: down$/);
    expect(aging.attempts.length).toBeLessThan(6);
  });

  it('honours Retry-After from a rate-limited channel', async () => {
    let calls = 0;
    const limited = {
      name: 'limited',
      async send() {
        calls++;
        if (calls === 1) {
          throw new PromptheusError('notification', 'HTTP 429', {
            retryable: true,
            details: { retryAfterMs: 7000 },
          });
        }
      },
    };
    const { store, dispatcher, clock } = harness({ notifiers: [limited] });
    await dispatcher.notify(anomaly(), null, 'firing');
    await dispatcher.flush();
    const [pending] = await byStatus(store, 'pending');
    expect(pending?.nextAttemptAt).toBe(clock.now + 7000);
  });

  it('times out a hanging send and retries it', async () => {
    const slow = createRecordingNotifier({ name: 'slow', delayMs: 5000 });
    const { store, dispatcher } = harness({ notifiers: [slow], timeoutMs: 50, leaseMs: 1000 });
    await dispatcher.notify(anomaly(), null, 'firing');
    const started = performance.now();
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(performance.now() - started).toBeLessThan(2000);
    const [pending] = await byStatus(store, 'pending');
    expect(pending?.lastError).toBe('slow notification timed out after 50 ms');
  });

  it('a notification for a channel that no longer exists fails with a clear reason', async () => {
    const { store, make } = harness({ notifiers: [createRecordingNotifier({ name: 'pager' })] });
    const first = make({ notifiers: [createRecordingNotifier({ name: 'pager' })] });
    await first.notify(anomaly(), null, 'firing');
    const second = make({ notifiers: [createRecordingNotifier({ name: 'email' })] });
    expect(await second.flush()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const [failed] = await byStatus(store, 'failed');
    expect(failed?.lastError).toBe('no notifier named "pager" is configured');
  });
});

describe('createAlertDispatcher: what is not sent', () => {
  it('silences by label, metric, target, severity or detector; expired silences do not apply', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { store, dispatcher, clock } = harness({ notifiers: [email] });
    await store.silences.create({
      id: 's1',
      matchers: [
        { name: '__name__', value: 'node_.*', isRegex: true, isEqual: true },
        { name: 'instance', value: 'web-1', isRegex: false, isEqual: true },
      ],
      startsAt: T0,
      endsAt: T0 + 10_000,
      createdBy: 'test',
      comment: 'maintenance',
      createdAt: T0,
    });
    const silenced = await dispatcher.notify(anomaly(), null, 'firing');
    expect(silenced.suppressed).toEqual([
      { anomalyId: 'a1', kind: 'firing', reason: 'silenced', silenceId: 's1' },
    ]);
    const other = await dispatcher.notify(
      anomaly({ id: 'a2', fingerprint: 'f2', labels: { instance: 'web-2' } }),
      null,
      'firing',
    );
    expect(other.enqueued).toHaveLength(1);
    // The silenced anomaly's resolution is not sent either: nobody was told it fired.
    clock.now = T0 + 20_000;
    const resolved = await dispatcher.notify(
      anomaly({ status: 'resolved', endsAt: clock.now }),
      null,
      'resolved',
    );
    expect(resolved.suppressed[0]?.reason).toBe('not_notified');
    // After the silence expired, a new anomaly of the same series is sent.
    const later = await dispatcher.notify(anomaly({ id: 'a3', startsAt: clock.now }), null, 'firing');
    expect(later.enqueued).toHaveLength(1);
    await dispatcher.flush();
    expect(email.sent.flatMap((payload) => payload.alerts.map((alert) => alert.anomaly.id)).sort()).toEqual([
      'a2',
      'a3',
    ]);
  });

  it('acknowledged anomalies get no more firing notifications, but their resolution is sent', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher, clock } = harness({ notifiers: [email], repeatIntervalMs: 1000 });
    await dispatcher.notify(anomaly(), null, 'firing');
    clock.now += 5000;
    const acked = await dispatcher.notify(anomaly({ acknowledgedAt: clock.now }), null, 'firing');
    expect(acked.suppressed[0]?.reason).toBe('acknowledged');
    const resolved = await dispatcher.notify(
      anomaly({ acknowledgedAt: clock.now, status: 'resolved', endsAt: clock.now }),
      null,
      'resolved',
    );
    expect(resolved.enqueued).toHaveLength(1);
    await dispatcher.flush();
    expect(email.sent.map((payload) => payload.kind)).toEqual(['firing', 'resolved']);
  });

  it('an acknowledgement saved in the store mutes firing notifications passed with a stale record', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher, store, clock } = harness({ notifiers: [email], repeatIntervalMs: 1000 });
    await store.anomalies.insert([anomaly()]);
    await dispatcher.notify(anomaly(), null, 'firing');
    await store.anomalies.update('a1', { acknowledgedAt: clock.now });
    clock.now += 5000;
    const reminder = await dispatcher.notify(anomaly(), null, 'firing');
    expect(reminder.suppressed[0]?.reason).toBe('acknowledged');
    await dispatcher.flush();
    expect(email.sent).toHaveLength(1);
  });

  it('no resolution is sent for an anomaly whose firing reached no channel', async () => {
    const email = createRecordingNotifier({ name: 'email', enabled: false });
    const { dispatcher } = harness({ notifiers: [email] });
    expect((await dispatcher.notify(anomaly(), null, 'firing')).suppressed[0]?.reason).toBe('no_channel');
    email.setEnabled(true);
    const resolved = await dispatcher.notify(
      anomaly({ status: 'resolved', endsAt: T0 + 500 }),
      null,
      'resolved',
    );
    expect(resolved.suppressed[0]?.reason).toBe('not_notified');
  });

  it('sendResolved: false drops resolutions', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher } = harness({ notifiers: [email], sendResolved: false });
    await dispatcher.notify(anomaly(), null, 'firing');
    const resolved = await dispatcher.notify(
      anomaly({ status: 'resolved', endsAt: T0 + 500 }),
      null,
      'resolved',
    );
    expect(resolved.suppressed[0]?.reason).toBe('resolved_disabled');
  });

  it('repeats a still-firing anomaly once per repeat interval', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher, clock } = harness({ notifiers: [email], repeatIntervalMs: 10_000 });
    clock.now = T0 + 100;
    expect((await dispatcher.notify(anomaly(), null, 'firing')).enqueued).toHaveLength(1);
    await dispatcher.flush();
    clock.now = T0 + 9000;
    expect((await dispatcher.notify(anomaly(), null, 'firing')).suppressed[0]?.reason).toBe('duplicate');
    clock.now = T0 + 10_500;
    expect((await dispatcher.notify(anomaly(), null, 'firing')).enqueued).toHaveLength(1);
    clock.now = T0 + 12_000;
    expect((await dispatcher.notify(anomaly(), null, 'firing')).enqueued).toHaveLength(0);
    await dispatcher.flush();
    expect(email.sent).toHaveLength(2);
  });

  it('cooldown: a fingerprint that fires again soon after is not re-notified, nor its resolution', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const { dispatcher, clock } = harness({ notifiers: [email], cooldownMs: 60_000 });
    await dispatcher.notify(anomaly(), null, 'firing');
    await dispatcher.flush();
    clock.now += 10_000;
    await dispatcher.notify(anomaly({ status: 'resolved', endsAt: clock.now }), null, 'resolved');
    await dispatcher.flush();
    clock.now += 10_000;
    const again = await dispatcher.notify(anomaly({ id: 'a2', startsAt: clock.now }), null, 'firing');
    expect(again.suppressed[0]?.reason).toBe('cooldown');
    const againResolved = await dispatcher.notify(
      anomaly({ id: 'a2', status: 'resolved', endsAt: clock.now }),
      null,
      'resolved',
    );
    expect(againResolved.suppressed[0]?.reason).toBe('not_notified');
    clock.now += 60_000;
    const later = await dispatcher.notify(anomaly({ id: 'a3', startsAt: clock.now }), null, 'firing');
    expect(later.enqueued).toHaveLength(1);
    await dispatcher.flush();
    expect(email.sent.map((payload) => `${payload.kind}:${payload.alerts[0]?.anomaly.id}`)).toEqual([
      'firing:a1',
      'resolved:a1',
      'firing:a3',
    ]);
  });

  it('reports no_channel when every notifier is disabled', async () => {
    const { dispatcher } = harness({
      notifiers: [createRecordingNotifier({ name: 'email', enabled: false })],
    });
    expect((await dispatcher.notify(anomaly(), null, 'firing')).suppressed[0]?.reason).toBe('no_channel');
  });
});

describe('createAlertDispatcher: worker and restarts', () => {
  it('a new dispatcher delivers what a crashed one left pending or in flight (after the lease)', async () => {
    const { store, make, clock } = harness();
    const crashed = make({ notifiers: [createRecordingNotifier({ name: 'email' })] });
    await crashed.notifyMany([
      { anomaly: anomaly(), rca: null, kind: 'firing' },
      { anomaly: anomaly({ id: 'a2', fingerprint: 'f2', target: 'staging' }), rca: null, kind: 'firing' },
    ]);
    // The crashed process had claimed one notification and died mid-send.
    const [inFlight] = await store.outbox.claim({ now: clock.now, limit: 1, leaseMs: 30_000 });
    expect(inFlight).toBeDefined();
    const email = createRecordingNotifier({ name: 'email' });
    const restarted = make({ notifiers: [email] });
    expect(await restarted.flush()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    clock.now += 30_000;
    expect(await restarted.flush()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(email.sent.map((payload) => payload.alerts[0]?.anomaly.target).sort()).toEqual([
      'prod',
      'staging',
    ]);
    expect(await store.outbox.count({ status: 'delivered' })).toBe(2);
  });

  it('start() delivers in the background, including what was pending before it started', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const store = createMemoryStore();
    stores.push(store);
    const emitter = createEmitter<PromptheusEvents>();
    const sent: string[] = [];
    emitter.on('notification:sent', ({ notification }) =>
      sent.push(notification.payload.alerts[0]?.anomaly.id ?? ''),
    );
    const earlier = createAlertDispatcher({ store, notifiers: [email], groupWaitMs: 0 });
    await earlier.notify(anomaly(), null, 'firing');
    const dispatcher = createAlertDispatcher({
      store,
      notifiers: [email],
      events: emitter,
      groupWaitMs: 20,
      pollIntervalMs: 50,
    });
    dispatchers.push(dispatcher);
    dispatcher.start();
    dispatcher.start();
    expect(dispatcher.running).toBe(true);
    await dispatcher.notify(anomaly({ id: 'a2', fingerprint: 'f2', startsAt: Date.now() }), null, 'firing');
    await waitFor(() => sent.length === 2);
    expect(sent.sort()).toEqual(['a1', 'a2']);
    await dispatcher.stop();
    await dispatcher.stop();
    expect(dispatcher.running).toBe(false);
  });
});

describe('createAlertDispatcher: shutdown', () => {
  it('stop() waits for the delivery in progress, so nothing is left in flight', async () => {
    const slow = createRecordingNotifier({ name: 'slow', delayMs: 200 });
    const store = createMemoryStore();
    stores.push(store);
    const dispatcher = createAlertDispatcher({
      store,
      notifiers: [slow],
      groupWaitMs: 0,
      pollIntervalMs: 20,
    });
    dispatchers.push(dispatcher);
    dispatcher.start();
    await dispatcher.notify(anomaly({ startsAt: Date.now() }), null, 'firing');
    await waitFor(async () => (await store.outbox.count({ status: 'in_flight' })) === 1);
    await dispatcher.stop();
    expect(slow.sent).toHaveLength(1);
    expect(await store.outbox.count({ status: 'delivered' })).toBe(1);
    expect(await store.outbox.count({ status: 'in_flight' })).toBe(0);
  });
});

describe('createAlertDispatcher: polling', () => {
  it('polls do not pile up behind a slow delivery', async () => {
    const slow = createRecordingNotifier({ name: 'slow', delayMs: 400 });
    const store = createMemoryStore();
    stores.push(store);
    let claims = 0;
    const claim = store.outbox.claim.bind(store.outbox);
    const counting: Store = {
      ...store,
      outbox: {
        ...store.outbox,
        claim(options) {
          claims++;
          return claim(options);
        },
      },
    };
    const dispatcher = createAlertDispatcher({
      store: counting,
      notifiers: [slow],
      groupWaitMs: 0,
      pollIntervalMs: 10,
    });
    dispatchers.push(dispatcher);
    await dispatcher.notify(anomaly({ startsAt: Date.now() }), null, 'firing');
    dispatcher.start();
    await waitFor(() => slow.sent.length === 1);
    const afterSend = claims;
    await dispatcher.stop();
    // One claim found the notification, at most one more was queued during the 400 ms send.
    expect(afterSend).toBeLessThanOrEqual(3);
    expect(claims - afterSend).toBeLessThanOrEqual(1);
  });
});

describe('createAlertDispatcher: test messages and status', () => {
  it('test(channel) sends a test message and reports ok or the error', async () => {
    const email = createRecordingNotifier({ name: 'email' });
    const slack = createRecordingNotifier({
      name: 'slack',
      fail: { times: 1, retryable: false, message: 'Slack webhook answered HTTP 404: no_service' },
    });
    const { dispatcher, store } = harness({ notifiers: [email, slack], serverUrl: 'http://ui.test' });
    expect(await dispatcher.test('email')).toMatchObject({ ok: true, channel: 'email' });
    expect(email.sent[0]).toMatchObject({ kind: 'test', alerts: [], url: 'http://ui.test' });
    expect(await dispatcher.test('slack')).toMatchObject({
      ok: false,
      channel: 'slack',
      error: 'Slack webhook answered HTTP 404: no_service',
      code: 'notification',
      retryable: false,
    });
    expect(await dispatcher.test('pager')).toMatchObject({
      ok: false,
      code: 'not_found',
      error: 'no notifier named "pager" is configured (configured: email, slack)',
    });
    expect(await store.outbox.count()).toBe(0);
  });

  it('channels() and status() report each notifier without throwing', async () => {
    const broken = {
      name: 'broken',
      async send() {},
      async status(): Promise<never> {
        throw new Error('store is down');
      },
    };
    const plain = { name: 'plain', async send() {} };
    const { dispatcher } = harness({
      notifiers: [createRecordingNotifier({ name: 'email' }), broken, plain],
    });
    expect(await dispatcher.channels()).toEqual([
      { name: 'email', enabled: true, configured: true, detail: 'email records notifications' },
      { name: 'broken', enabled: false, configured: false, detail: 'status unavailable: store is down' },
      { name: 'plain', enabled: true, configured: true },
    ]);
    expect(await dispatcher.status('nope')).toBeNull();
  });

  it('rejects bad options with config errors', () => {
    const store = createMemoryStore();
    stores.push(store);
    const pager = createRecordingNotifier({ name: 'pager' });
    expect(() => createAlertDispatcher({ store, notifiers: [pager, pager] })).toThrow(/unique/);
    expect(() => createAlertDispatcher({ store, notifiers: [], timeoutMs: 5000, leaseMs: 1000 })).toThrow(
      /leaseMs/,
    );
    expect(() => createAlertDispatcher({ store, notifiers: [], groupWaitMs: -1 })).toThrow(/groupWaitMs/);
    expect(() => createAlertDispatcher({ store, notifiers: [], maxAttempts: 1.5 })).toThrow(/maxAttempts/);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
