/**
 * The dispatcher delivering through the real notifiers to real peers (an SMTP server, HTTP
 * endpoints), with faults: refusals that pass, permanent errors, and a restart with a pending outbox.
 */
import {
  type AlertDispatcher,
  createAlertDispatcher,
  createEmitter,
  createMemoryStore,
  type PromptheusEvents,
  type Store,
} from '@promptheus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailNotifier } from './email-notifier.js';
import { createSlackNotifier } from './slack-notifier.js';
import { anomalyFixture, rcaFixture } from './test-fixtures.js';
import { type HttpPeer, type SmtpPeer, startHttpPeer, startSmtpPeer } from './test-peers.js';
import { createWebhookNotifier, type WebhookMessage } from './webhook-notifier.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function smtp(options: Parameters<typeof startSmtpPeer>[0] = {}): Promise<SmtpPeer> {
  const peer = await startSmtpPeer(options);
  cleanups.push(() => peer.close());
  return peer;
}

async function http(handler?: Parameters<typeof startHttpPeer>[0]): Promise<HttpPeer> {
  const peer = await startHttpPeer(handler);
  cleanups.push(() => peer.close());
  return peer;
}

async function memoryStore(): Promise<Store> {
  const store = createMemoryStore();
  await store.emailConfig.set({ enabled: true, recipients: ['oncall@example.com'], updatedAt: 1 });
  cleanups.push(() => store.close());
  return store;
}

function dispatcherFor(store: Store, options: Omit<Parameters<typeof createAlertDispatcher>[0], 'store'>) {
  const dispatcher = createAlertDispatcher({
    store,
    groupWaitMs: 0,
    backoff: { initialMs: 20, multiplier: 1.5, maxMs: 100, jitter: 0 },
    timeoutMs: 3000,
    ...options,
  });
  cleanups.push(() => dispatcher.stop());
  return dispatcher;
}

function emailFor(store: Store, peer: SmtpPeer) {
  return createEmailNotifier({
    smtp: { host: peer.host, port: peer.port, timeoutMs: 3000 },
    from: 'alerts@example.com',
    recipients: store,
    serverUrl: 'http://promptheus.test',
  });
}

/** Flushes until `done()` or the time runs out, sleeping a little between rounds (retries wait for their backoff). */
async function flushUntil(dispatcher: AlertDispatcher, done: () => boolean, timeoutMs = 8000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error('not delivered in time');
    await dispatcher.flush();
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

const threeAlerts = () => [
  {
    anomaly: anomalyFixture({ id: 'cpu-1', fingerprint: 'fp-1' }),
    rca: rcaFixture({ anomalyId: 'cpu-1' }),
    kind: 'firing' as const,
  },
  {
    anomaly: anomalyFixture({
      id: 'disk-1',
      fingerprint: 'fp-2',
      metric: 'disk_free_bytes',
      severity: 'high',
    }),
    rca: null,
    kind: 'firing' as const,
  },
  {
    anomaly: anomalyFixture({ id: 'mem-1', fingerprint: 'fp-3', metric: 'memory_used', target: 'staging' }),
    rca: null,
    kind: 'firing' as const,
  },
];

describe('dispatcher + email notifier + real SMTP server', () => {
  it('SMTP refusing with 451 for a while, then recovering: each alert is delivered exactly once', async () => {
    let refusals = 0;
    const peer = await smtp({
      onRcptTo: () => {
        if (refusals < 4) {
          refusals++;
          return { code: 451, message: '4.3.2 system busy, try again later' };
        }
        return undefined;
      },
    });
    const store = await memoryStore();
    const emitter = createEmitter<PromptheusEvents>();
    const failures: string[] = [];
    emitter.on('notification:failed', ({ error, willRetry }) => failures.push(`${willRetry}:${error}`));
    const dispatcher = dispatcherFor(store, { notifiers: [emailFor(store, peer)], events: emitter });
    await dispatcher.notifyMany(threeAlerts());
    await dispatcher.notifyMany(threeAlerts()); // a repeated tick changes nothing
    await flushUntil(dispatcher, () => peer.messages.length >= 3);
    await dispatcher.flush();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await dispatcher.flush();

    expect(peer.messages).toHaveLength(3);
    expect(peer.messages.map((mail) => mail.subject).sort()).toEqual([
      '[Promptheus] FIRING: [critical] memory_used on staging',
      '[Promptheus] FIRING: [critical] node_cpu_usage on prod',
      '[Promptheus] FIRING: [high] disk_free_bytes on prod',
    ]);
    expect(peer.messages.every((mail) => mail.envelopeTo.join() === 'oncall@example.com')).toBe(true);
    const cpu = peer.messages.find((mail) => mail.subject.includes('node_cpu_usage'));
    expect(cpu?.text).toContain('Likely cause: A batch job started at 03:00 pins every core.');
    expect(cpu?.html).toContain('http://promptheus.test/anomalies/cpu-1');
    expect(failures.length).toBe(4);
    expect(failures.every((failure) => failure.startsWith('true:') && failure.includes('451'))).toBe(true);
    expect(await store.outbox.count({ status: 'delivered' })).toBe(3);
    expect(await store.outbox.count({ status: 'pending' })).toBe(0);
  });

  it('a permanent 550 refusal fails the notification without retrying', async () => {
    const peer = await smtp({ onRcptTo: () => ({ code: 550, message: '5.1.1 mailbox unavailable' }) });
    const store = await memoryStore();
    const dispatcher = dispatcherFor(store, { notifiers: [emailFor(store, peer)] });
    await dispatcher.notify(anomalyFixture(), rcaFixture(), 'firing');
    expect(await dispatcher.flush()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await dispatcher.flush();
    expect(peer.counts.rcptTo).toBe(1);
    const [failed] = await store.outbox.list({ status: 'failed' });
    expect(failed?.lastError).toContain('550');
  });

  it('test("email") sends a test message to the configured recipients', async () => {
    const peer = await smtp();
    const store = await memoryStore();
    await store.emailConfig.set({
      enabled: false,
      recipients: ['a@example.com', 'b@example.com'],
      updatedAt: 2,
    });
    const dispatcher = dispatcherFor(store, { notifiers: [emailFor(store, peer)] });
    expect(await dispatcher.status('email')).toMatchObject({ enabled: false, configured: true });
    expect(await dispatcher.test('email')).toMatchObject({ ok: true, channel: 'email' });
    expect(peer.messages[0]?.envelopeTo).toEqual(['a@example.com', 'b@example.com']);
    expect(peer.messages[0]?.subject).toBe('[Promptheus] TEST: Promptheus test notification');
    // While disabled, alerts are not even enqueued for email.
    const result = await dispatcher.notify(anomalyFixture(), null, 'firing');
    expect(result.suppressed[0]?.reason).toBe('no_channel');
  });
});

describe('dispatcher + Slack and webhook notifiers + local HTTP endpoints', () => {
  it('Slack answering 400 invalid_payload: not retried, recorded failed with the reason', async () => {
    const peer = await http(() => ({ status: 400, body: 'invalid_payload' }));
    const store = await memoryStore();
    const emitter = createEmitter<PromptheusEvents>();
    const failed: Array<PromptheusEvents['notification:failed']> = [];
    emitter.on('notification:failed', (event) => failed.push(event));
    const slack = createSlackNotifier({ webhookUrl: `${peer.url}/services/T1/B1/secretTOKEN` });
    const dispatcher = dispatcherFor(store, { notifiers: [slack], events: emitter });
    await dispatcher.notify(anomalyFixture(), rcaFixture(), 'firing');
    await dispatcher.flush();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await dispatcher.flush();
    expect(peer.requests).toHaveLength(1);
    const [notification] = await store.outbox.list({ status: 'failed' });
    expect(notification?.lastError).toBe('Slack webhook answered HTTP 400: invalid_payload');
    expect(notification?.attempts).toBe(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.willRetry).toBe(false);
    expect(JSON.stringify(failed)).not.toContain('secretTOKEN');

    const test = await dispatcher.test('slack');
    expect(test).toMatchObject({ ok: false, error: 'Slack webhook answered HTTP 400: invalid_payload' });
    expect(JSON.stringify(test)).not.toContain('secretTOKEN');
  });

  it('a webhook answering 503 then 200 gets the message once more, with the same idempotency key', async () => {
    const peer = await http((_request, index) =>
      index < 2 ? { status: 503, body: 'busy' } : { status: 200 },
    );
    const store = await memoryStore();
    const webhook = createWebhookNotifier({ url: `${peer.url}/hook` });
    const dispatcher = dispatcherFor(store, { notifiers: [webhook] });
    await dispatcher.notifyMany([
      { anomaly: anomalyFixture(), rca: rcaFixture(), kind: 'firing' },
      {
        anomaly: anomalyFixture({ id: 'anomaly-2', fingerprint: 'fp-2', labels: { instance: 'web-2' } }),
        rca: null,
        kind: 'firing',
      },
    ]);
    await flushUntil(dispatcher, () => peer.requests.length >= 3);
    await dispatcher.flush();
    expect(peer.requests).toHaveLength(3);
    const keys = new Set(peer.requests.map((request) => request.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    const body = peer.requests[2]?.json as WebhookMessage;
    expect(body.alerts.map((alert) => alert.anomalyId).sort()).toEqual(['anomaly-1', 'anomaly-2']);
    expect(body.groupKey).toBe('{__name__="node_cpu_usage",target="prod"}');
    expect(await store.outbox.count({ status: 'delivered' })).toBe(2);
  });

  it('a restarted process delivers the pending outbox of the one before it', async () => {
    const smtpPeer = await smtp();
    const hookPeer = await http();
    const store = await memoryStore();
    const before = dispatcherFor(store, {
      notifiers: [emailFor(store, smtpPeer), createWebhookNotifier({ url: hookPeer.url })],
    });
    await before.notifyMany(threeAlerts());
    await before.stop(); // never delivered: the process stops here
    expect(await store.outbox.count({ status: 'pending' })).toBe(6);
    expect(smtpPeer.messages).toHaveLength(0);

    const emitter = createEmitter<PromptheusEvents>();
    let sent = 0;
    emitter.on('notification:sent', () => {
      sent++;
    });
    const after = dispatcherFor(store, {
      notifiers: [emailFor(store, smtpPeer), createWebhookNotifier({ url: hookPeer.url })],
      events: emitter,
      pollIntervalMs: 50,
    });
    after.start();
    const started = Date.now();
    while (sent < 6 && Date.now() - started < 8000) await new Promise((resolve) => setTimeout(resolve, 20));
    await after.stop();
    expect(sent).toBe(6);
    expect(smtpPeer.messages).toHaveLength(3);
    expect(hookPeer.requests).toHaveLength(3);
    expect(await store.outbox.count({ status: 'delivered' })).toBe(6);
  });
});
