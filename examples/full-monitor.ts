/**
 * A complete monitor: collects from Prometheus (or the targets saved in the store), detects
 * anomalies with the default detectors, explains them (with an LLM when GEMINI_API_KEY or
 * LLM_URL is set, otherwise with the deterministic fallback), keeps everything in SQLite and
 * prints alerts. Stop it with Ctrl-C.
 *
 * Run: PROMETHEUS_URL=http://localhost:9090 pnpm tsx examples/full-monitor.ts
 * (MONITOR_INTERVAL=10 for a tick every 10 s; SQLITE_PATH to choose the database file)
 */
import {
  createAlertDispatcher,
  createAnalyst,
  createEmitter,
  createMonitor,
  createPrometheusSource,
  createStoreTargets,
  defaultDetectors,
  type Notifier,
  type PromptheusEvents,
} from '@promptheus/core';
import { createProviderFromEnv } from '@promptheus/llm';
import { createSqliteStore } from '@promptheus/storage-sqlite';

const store = createSqliteStore({ path: process.env.SQLITE_PATH ?? 'promptheus-example.sqlite' });
const events = createEmitter<PromptheusEvents>();
const printer: Notifier = {
  name: 'console',
  async send({ kind, alerts }) {
    for (const { anomaly, rca } of alerts)
      console.log(`[${kind}] ${anomaly.reason}\n  ${rca?.summary ?? ''}`);
  },
};
const dispatcher = createAlertDispatcher({ store, notifiers: [printer], events });
const monitor = createMonitor({
  source: createPrometheusSource({
    targets: createStoreTargets({
      store,
      fallbackUrl: process.env.PROMETHEUS_URL ?? 'http://localhost:9090',
    }),
  }),
  detectors: defaultDetectors(),
  store,
  analyst: createAnalyst({ llm: createProviderFromEnv(process.env), store, events }),
  dispatcher,
  interval: Number(process.env.MONITOR_INTERVAL ?? 30),
  events,
});

events.on('tick:complete', ({ tick, samples, fired, resolved, errors }) =>
  console.log(
    `tick ${tick}: ${samples} series, ${fired} fired, ${resolved} resolved${errors.map((e) => `, ${e.target}: ${e.error}`).join('')}`,
  ),
);
dispatcher.start();
monitor.start();
process.once('SIGINT', async () => {
  await monitor.stop();
  await dispatcher.stop();
  await store.close();
});
