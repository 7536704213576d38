/**
 * The SDK on MongoDB: one monitor tick and one question, with everything they produce (targets,
 * snapshots, anomalies, root-cause analyses, prompt history, chat sessions) kept in MongoDB, where
 * every replica of your service sees it.
 *
 *   MONGODB_URI=mongodb://localhost:27017 PROMETHEUS_URL=http://localhost:9090 pnpm tsx examples/sdk-mongodb.ts
 *
 * MONGO_DB chooses the database (default `promptheus_example`). Without MONGODB_URI (or MONGO_URI)
 * it says so and exits with code 2.
 */
import {
  createAnalyst,
  createAsk,
  createMonitor,
  createPrometheusClient,
  createPrometheusSource,
  createStoreTargets,
  defaultDetectors,
} from '@promptheus/core';
import { createMongoStore } from '@promptheus/storage-mongo';

const uri = process.env['MONGODB_URI'] ?? process.env['MONGO_URI'];
if (!uri) {
  process.stderr.write('sdk-mongodb: set MONGODB_URI=mongodb://host:27017 to run this example\n');
  process.exit(2);
}
const prometheusUrl = process.env['PROMETHEUS_URL'] ?? 'http://localhost:9090';

// One store for everything; nothing connects until the first operation.
const store = createMongoStore({ uri, dbName: process.env['MONGO_DB'] ?? 'promptheus_example' });
try {
  // Watch: the monitor collects from the targets saved in the store, else from PROMETHEUS_URL.
  const monitor = createMonitor({
    source: createPrometheusSource({
      targets: createStoreTargets({ store, fallbackUrl: prometheusUrl }),
      selectors: ['up'],
    }),
    detectors: defaultDetectors(),
    store,
    analyst: createAnalyst({ llm: null, store }),
  });
  const tick = await monitor.tick();
  const failed = tick.errors.map(({ target, error }) => `${target}: ${error}`).join('; ');
  console.log(
    `tick ${tick.tick}: ${tick.samples} series, ${tick.fired} fired${failed ? ` (${failed})` : ''}`,
  );

  // Ask: the question and its answer go to prompt history and a chat session in MongoDB.
  const assistant = createAsk({ prometheus: createPrometheusClient({ url: prometheusUrl }), store });
  const result = await assistant.ask('which targets are down');
  assistant.close();
  console.log(`asked: ${result.promql ?? '(no query)'} → ${result.answer}`);

  const [snapshots, anomalies, prompts, sessions] = await Promise.all([
    store.snapshots.count(),
    store.anomalies.count(),
    store.promptHistory.count(),
    store.chatSessions.count(),
  ]);
  console.log(
    `in MongoDB: ${snapshots} snapshots, ${anomalies} anomalies, ${prompts} prompts, ${sessions} chat sessions`,
  );
} finally {
  await store.close();
}
