/**
 * A custom notifier in ten lines, plugged into the alert dispatcher.
 *
 * Run: pnpm tsx examples/custom-notifier.ts
 */
import { type Anomaly, createAlertDispatcher, createMemoryStore, type Notifier } from '@promptheus/core';

// The notifier: one attempt per call; throw a PromptheusError with `retryable` to control retries.
const consoleNotifier: Notifier = {
  name: 'console',
  async send(notification) {
    for (const { anomaly, rca } of notification.alerts) {
      process.stdout.write(
        `${notification.kind} ${anomaly.metric} on ${anomaly.target}: ${rca?.summary ?? anomaly.reason}\n`,
      );
    }
  },
};

// Everything below shows it at work: an anomaly goes through the dispatcher's outbox to the notifier.
const store = createMemoryStore();
const dispatcher = createAlertDispatcher({ store, notifiers: [consoleNotifier], groupWaitMs: 0 });
const now = Date.now();
const anomaly: Anomaly = {
  id: 'example-1',
  fingerprint: 'example',
  metric: 'node_cpu_usage',
  labels: { instance: 'web-1:9100' },
  value: 97.5,
  score: 0.98,
  severity: 'critical',
  reason: 'node_cpu_usage is 97.5, above 90',
  detector: 'threshold',
  target: 'prod',
  status: 'firing',
  evidence: { threshold: 90 },
  startsAt: now,
  endsAt: null,
  updatedAt: now,
  acknowledgedAt: null,
};
await dispatcher.notify(anomaly, null, 'firing');
await dispatcher.notify({ ...anomaly, status: 'resolved', endsAt: now + 60_000 }, null, 'resolved');
const result = await dispatcher.flush();
process.stdout.write(`delivered ${result.delivered}, failed ${result.failed}\n`);
await store.close();
