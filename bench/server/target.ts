/**
 * A server under load for bench/server/run.ts: `hello` is a bare Hono hello-world on
 * @hono/node-server; `hello-json <file>` is the same bare app answering the bytes of a file as
 * JSON (to tell the cost of the payload from the cost of the server); `promptheus` is the reference app on a seeded SQLite store, served the way
 * `promptheus serve` serves it (metrics, WebSocket hub, default limits; READ_CACHE_MS=0 turns the
 * read cache off). Prints `READY <url> <pid> [anomaly id]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmitter, createId, type PromptheusEvents } from '../../packages/core/src/index.js';
import { createApp, createLiveHub, createServerMetrics, serve } from '../../packages/server/src/index.js';
import { createSqliteStore } from '../../packages/storage-sqlite/src/index.js';

/** The parts of hono and @hono/node-server the hello-world uses, loaded from the server package. */
interface HelloContext {
  text(body: string): Response;
}
interface HonoModule {
  Hono: new () => {
    get(path: string, handler: (context: HelloContext) => Response): unknown;
    fetch: (request: Request) => Response | Promise<Response>;
  };
}
interface NodeServerModule {
  serve(
    options: { fetch: (request: Request) => Response | Promise<Response>; port: number; hostname: string },
    listening: (info: { port: number }) => void,
  ): { close(callback: () => void): void };
}
const requireFromServer = createRequire(new URL('../../packages/server/package.json', import.meta.url));

const mode = process.argv[2];

if (mode === 'hello' || mode === 'hello-json') {
  const { Hono } = requireFromServer('hono') as HonoModule;
  const { serve: serveNode } = requireFromServer('@hono/node-server') as NodeServerModule;
  const app = new Hono();
  if (mode === 'hello') app.get('/', (c) => c.text('Hello Hono!'));
  else {
    const text = readFileSync(process.argv[3] ?? '', 'utf8');
    app.get('/', () => new Response(text, { headers: { 'Content-Type': 'application/json' } }));
  }
  const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`READY http://127.0.0.1:${info.port} ${process.pid}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (mode === 'promptheus') {
  const directory = mkdtempSync(join(tmpdir(), 'promptheus-bench-server-'));
  const store = createSqliteStore({ path: join(directory, 'bench.db') }, { maxDocs: 1000 });
  const now = Date.now();
  const anomalies = Array.from({ length: 200 }, (_, index) => {
    const startsAt = now - (200 - index) * 60_000;
    return {
      id: createId(startsAt),
      fingerprint: `fingerprint-${index % 40}-${index}`,
      metric: ['cpu_usage', 'memory_usage', 'http_request_duration_seconds', 'up'][index % 4]!,
      labels: { instance: `server${index % 10}`, job: 'node', region: 'eu-west-1' },
      value: 90 + (index % 10),
      score: 0.8,
      severity: (['low', 'medium', 'high', 'critical'] as const)[index % 4]!,
      reason: `value ${90 + (index % 10)} is above the threshold of 80`,
      detector: index % 2 === 0 ? 'threshold' : 'zscore',
      target: 'default',
      status: index % 3 === 0 ? ('firing' as const) : ('resolved' as const),
      evidence: { threshold: 80, value: 90 + (index % 10) },
      startsAt,
      endsAt: index % 3 === 0 ? null : startsAt + 30_000,
      updatedAt: startsAt,
      acknowledgedAt: null,
    };
  });
  await store.anomalies.insert(anomalies);
  for (const anomaly of anomalies.slice(-40)) {
    await store.rca.insert({
      id: createId(anomaly.startsAt + 1),
      anomalyId: anomaly.id,
      fingerprint: anomaly.fingerprint,
      summary: `${anomaly.metric} on ${anomaly.labels.instance} is ${anomaly.value}, above 80`,
      simplified: 'The server is busier than usual.',
      cause: 'A process is using more resources than expected.',
      fix: 'Find the busiest process and restart or scale it.',
      source: 'fallback',
      provider: null,
      model: null,
      usage: null,
      fallbackReason: 'no LLM configured',
      createdAt: anomaly.startsAt + 1,
    });
  }
  for (let index = 0; index < 20; index++) {
    await store.snapshots.insert({
      id: createId(now - index * 30_000),
      timestamp: now - index * 30_000,
      count: 1200,
      metrics: Array.from({ length: 20 }, (_, metric) => ({
        metric: `node_metric_${metric}`,
        labels: { instance: `server${metric % 5}` },
        value: metric * 1.5,
      })),
      targets: ['default'],
      errors: [],
    });
  }
  const events = createEmitter<PromptheusEvents>();
  const metrics = createServerMetrics({ events });
  const readCacheMs = Number(process.env['READ_CACHE_MS'] ?? 1000);
  const app = createApp({ store, events, metrics, config: { readCacheMs } });
  const running = await serve({ app, port: 0, websocket: { hub: createLiveHub({ events }) } });
  process.stdout.write(`READY ${running.url} ${process.pid} ${anomalies.at(-1)!.id}\n`);
  process.on('SIGTERM', async () => {
    await running.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
} else {
  process.stderr.write('usage: target.ts hello | hello-json <file> | promptheus\n');
  process.exit(2);
}
