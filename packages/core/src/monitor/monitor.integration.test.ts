import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertDispatcher } from '../alerts/dispatcher.js';
import type { PromptheusEvents, TickSummary } from '../contracts/events.js';
import { defaultDetectors } from '../detectors/index.js';
import { PromptheusError } from '../errors.js';
import { createPrometheusSource } from '../prometheus/source.js';
import { createAnalyst } from '../rca/analyst.js';
import { createMemoryStore } from '../store/memory-store.js';
import { type Exporter, startExporter } from '../testing/exporter.js';
import { createMockLlmProvider } from '../testing/mock-llm-provider.js';
import { type RunningPrometheus, startPrometheus } from '../testing/prometheus.js';
import { createRecordingNotifier } from '../testing/recording-notifier.js';
import { createEmitter } from '../util/emitter.js';
import { createMonitor } from './monitor.js';

/**
 * The whole watch path against real parts: a controllable exporter, scraped every second by a real
 * Prometheus, collected by the Prometheus source, judged by the default threshold and z-score
 * detectors, analysed by an analyst whose LLM always fails, and notified through the alert
 * dispatcher to a recording notifier.
 */
describe('monitor with a real Prometheus', () => {
  let exporter: Exporter;
  let prometheus: RunningPrometheus;
  const app = { instance: 'app-1' };

  beforeAll(async () => {
    exporter = await startExporter();
    exporter.set('queue_depth', app, 10, { help: 'Jobs waiting' });
    exporter.set('cpu_usage', app, 20, { help: 'CPU busy percent' });
    prometheus = await startPrometheus({
      scrapeTargets: [exporter.host],
      scrapeInterval: '1s',
      jobName: 'exporter',
    });
    await prometheus.waitFor('queue_depth');
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  /** Sets a gauge and waits until Prometheus has scraped the new value. */
  const setAndScrape = async (metric: string, value: number, labels = app) => {
    exporter.set(metric, labels, value);
    await prometheus.waitFor(metric, (series) => series[0]?.value.value === value);
  };

  it('fires once on a spike, explains it with the fallback, resolves it, and rides out a Prometheus outage', async () => {
    const store = createMemoryStore({ maxDocs: 1000 });
    const events = createEmitter<PromptheusEvents>();
    const seen: Array<keyof PromptheusEvents> = [];
    events.onAny((name) => seen.push(name));
    const llm = createMockLlmProvider({
      responses: () => ({ error: new PromptheusError('llm', 'model unavailable (HTTP 404)') }),
    });
    const notifier = createRecordingNotifier({ name: 'pager' });
    const dispatcher = createAlertDispatcher({ store, notifiers: [notifier], groupWaitMs: 0, events });
    const source = createPrometheusSource({
      targets: [{ name: 'local', url: prometheus.url }],
      // Prometheus's own scrape_* series are noise for this test.
      selectors: ['{job="exporter",__name__!~"scrape_.*"}'],
      timeoutMs: 2000,
      backoff: { initialMs: 100, maxMs: 400, jitter: 0 },
    });
    const monitor = createMonitor({
      source,
      detectors: defaultDetectors(),
      store,
      analyst: createAnalyst({ llm, store, events, timeoutMs: 2000 }),
      dispatcher,
      events,
    });
    const tick = async (): Promise<TickSummary> => {
      const summary = await monitor.tick();
      await dispatcher.flush();
      return summary;
    };

    try {
      // Normal operation: the z-score detector learns a queue between 10 and 12.
      for (const value of [10, 11, 12, 10, 11, 12]) {
        await setAndScrape('queue_depth', value);
        const summary = await tick();
        expect(summary).toMatchObject({ fired: 0, resolved: 0, errors: [], failures: [] });
        expect(summary.samples).toBe(3); // queue_depth, cpu_usage, up
      }

      // The queue spikes: exactly one anomaly, one fallback analysis, one notification.
      await setAndScrape('queue_depth', 50);
      const spike = await tick();
      expect(spike).toMatchObject({ fired: 1, resolved: 0, errors: [] });
      const anomalies = await store.anomalies.list();
      expect(anomalies).toHaveLength(1);
      const anomaly = anomalies[0]!;
      expect(anomaly).toMatchObject({
        metric: 'queue_depth',
        labels: { instance: 'app-1', job: 'exporter' },
        value: 50,
        detector: 'zscore',
        target: 'local',
        status: 'firing',
      });
      const analyses = await store.rca.list();
      expect(analyses).toHaveLength(1);
      expect(analyses[0]).toMatchObject({ anomalyId: anomaly.id, source: 'fallback' });
      expect(analyses[0]!.fallbackReason).toMatch(/model unavailable/);
      expect(analyses[0]!.summary).toContain('queue_depth on "app-1" is 50');
      expect(llm.calls).toHaveLength(1);
      expect(notifier.sent).toHaveLength(1);
      expect(notifier.sent[0]).toMatchObject({ kind: 'firing' });
      expect(notifier.sent[0]!.alerts.map((alert) => [alert.anomaly.id, alert.rca?.source])).toEqual([
        [anomaly.id, 'fallback'],
      ]);

      // Back to normal: it resolves, with one resolved notification.
      await setAndScrape('queue_depth', 11);
      const back = await tick();
      expect(back).toMatchObject({ fired: 0, resolved: 1 });
      expect(await store.anomalies.get(anomaly.id)).toMatchObject({ status: 'resolved' });
      expect(notifier.sent.map((payload) => payload.kind)).toEqual(['firing', 'resolved']);
      expect(await store.anomalies.count()).toBe(1);
      expect(await store.rca.count()).toBe(1);

      // A disk fills up (a new series, so only the threshold rule can judge it) and fires.
      await setAndScrape('disk_usage', 95, { instance: 'app-1', mountpoint: '/' } as typeof app);
      const disk = await tick();
      expect(disk).toMatchObject({ fired: 1, resolved: 0 });
      const [diskAnomaly] = await store.anomalies.list({ status: 'firing' });
      expect(diskAnomaly).toMatchObject({
        metric: 'disk_usage',
        detector: 'threshold',
        severity: 'critical',
      });

      // Prometheus dies. Meanwhile the disk recovers and the queue spikes, but nobody can see it:
      // errors are recorded, nothing fires and nothing resolves.
      await prometheus.kill();
      exporter.set('disk_usage', { instance: 'app-1', mountpoint: '/' }, 40);
      exporter.set('queue_depth', app, 80);
      for (let attempt = 0; attempt < 3; attempt++) {
        const down = await tick();
        expect(down).toMatchObject({ fired: 0, resolved: 0, samples: 0, firing: 1 });
        expect(down.errors).toHaveLength(1);
        expect(down.errors[0]!.target).toBe('local');
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      expect(monitor.state().targets.local).toMatchObject({ ok: false });
      expect(monitor.state().targets.local!.consecutiveErrors).toBeGreaterThanOrEqual(1);
      const [lastSnapshot] = await store.snapshots.list({ limit: 1 });
      expect(lastSnapshot!.errors).toEqual([expect.stringMatching(/^local: /)]);
      expect(seen).toContain('source:error');
      expect(await store.anomalies.get(diskAnomaly!.id)).toMatchObject({ status: 'firing' });
      expect(await store.anomalies.count()).toBe(2);

      // Prometheus is back, scrapes the current values, and monitoring resumes from real data.
      exporter.set('queue_depth', app, 11);
      await prometheus.restart();
      await prometheus.waitFor('disk_usage', (series) => series[0]?.value.value === 40);
      await prometheus.waitFor('queue_depth', (series) => series[0]?.value.value === 11);
      let resumed: TickSummary | undefined;
      for (let attempt = 0; attempt < 20 && !resumed; attempt++) {
        const summary = await tick();
        if (summary.errors.length === 0) resumed = summary;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(resumed).toMatchObject({ fired: 0, resolved: 1, samples: 4, firing: 0 });
      expect(seen).toContain('source:recovered');
      expect(monitor.state().targets.local).toMatchObject({ ok: true, consecutiveErrors: 0 });
      expect(await store.anomalies.get(diskAnomaly!.id)).toMatchObject({ status: 'resolved' });
      expect(await store.anomalies.count()).toBe(2);
      expect(notifier.sent.map((payload) => `${payload.kind}:${payload.alerts[0]!.anomaly.metric}`)).toEqual([
        'firing:queue_depth',
        'resolved:queue_depth',
        'firing:disk_usage',
        'resolved:disk_usage',
      ]);
    } finally {
      await monitor.stop();
      await dispatcher.stop();
    }
  }, 60_000);
});
