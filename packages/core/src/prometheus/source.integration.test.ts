import { createServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesId } from '../model/sample.js';
import { type Exporter, startExporter } from '../testing/exporter.js';
import { type RunningPrometheus, startPrometheus } from '../testing/prometheus.js';
import { createPrometheusSource } from './source.js';

/** A TCP relay to Prometheus that can be taken down and brought back on the same port. */
interface Relay {
  readonly url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = new NetSocket();
      sockets.add(client).add(upstream);
      const forget = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', forget).on('close', forget);
      upstream.on('error', forget).on('close', forget);
      upstream.connect(targetPort, '127.0.0.1', () => {
        client.pipe(upstream).pipe(client);
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const down = async () => {
    if (!server) return;
    const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closing;
    server = undefined;
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, down, up: listen, close: down };
}

let exporter: Exporter;
let prometheus: RunningPrometheus;
let relay: Relay;

beforeAll(async () => {
  exporter = await startExporter();
  exporter.set('cpu_usage', { instance: 'server1' }, 40);
  exporter.set('cpu_usage', { instance: 'server2' }, 55);
  exporter.set('queue_depth', { queue: 'mail "priority"' }, Number.POSITIVE_INFINITY);
  prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
  relay = await startRelay(prometheus.port);
  await prometheus.waitFor('queue_depth');
});

afterAll(async () => {
  await relay?.close();
  await prometheus?.stop();
  await exporter?.close();
});

describe('createPrometheusSource against a real Prometheus', () => {
  it('collects the newest sample of every series from every target', async () => {
    const source = createPrometheusSource({
      targets: [
        { name: 'primary', url: prometheus.url },
        {
          name: 'secondary',
          url: relay.url,
          selectors: ['cpu_usage', '{__name__="cpu_usage",instance="server1"}'],
        },
      ],
    });
    const before = Date.now();
    const { samples, targets, timestamp } = await source.collect();
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(targets.map((target) => [target.target, target.ok])).toEqual([
      ['primary', true],
      ['secondary', true],
    ]);
    const primary = samples.filter((sample) => sample.target === 'primary');
    const secondary = samples.filter((sample) => sample.target === 'secondary');
    expect(targets[0]!.sampleCount).toBe(primary.length);
    // Every series: the exporter's three, plus Prometheus's own up and scrape_* series.
    expect(primary.map((sample) => sample.metric)).toEqual(
      expect.arrayContaining(['cpu_usage', 'queue_depth', 'up', 'scrape_duration_seconds']),
    );
    expect(secondary.map((sample) => sample.labels.instance).sort()).toEqual(['server1', 'server2']);
    for (const sample of samples) {
      expect(sample.seriesId).toBe(seriesId(sample.metric, sample.labels, sample.target));
      expect(Math.abs(sample.timestamp - before)).toBeLessThan(10_000);
    }
    const queue = primary.find((sample) => sample.metric === 'queue_depth');
    expect(queue).toMatchObject({ value: Number.POSITIVE_INFINITY, labels: { queue: 'mail "priority"' } });
    expect(queue!.seriesId).toBe(
      `primary|queue_depth{instance="${exporter.host}",job="test",queue="mail \\"priority\\""}`,
    );
  });

  it('follows the exporter from one collection to the next', async () => {
    const source = createPrometheusSource({
      targets: [{ name: 'main', url: prometheus.url, selectors: ['cpu_usage'] }],
    });
    const first = await source.collect();
    expect(first.samples.map((sample) => sample.value).sort()).toEqual([40, 55]);
    exporter.set('cpu_usage', { instance: 'server1' }, 97);
    exporter.set('cpu_usage', { instance: 'server3' }, 5);
    await prometheus.waitFor(
      'cpu_usage',
      (series) => series.length === 3 && series.some((s) => s.value.value === 97),
    );
    const second = await source.collect();
    const values = Object.fromEntries(second.samples.map((sample) => [sample.labels.instance, sample.value]));
    expect(values).toEqual({ server1: 97, server2: 55, server3: 5 });
    const ids = second.samples.map((sample) => sample.seriesId);
    expect(ids).toContain(`main|cpu_usage{instance="server3",job="test"}`);
    expect(ids).toContain(first.samples.find((sample) => sample.labels.instance === 'server1')!.seriesId);
  });

  it('keeps collecting the live target while the other is down, backs off, and recovers when it is back', async () => {
    const source = createPrometheusSource({
      targets: [
        { name: 'live', url: prometheus.url, selectors: ['cpu_usage'] },
        { name: 'flaky', url: relay.url, selectors: ['cpu_usage'], timeoutMs: 2000 },
      ],
      backoff: { initialMs: 300, maxMs: 1000, jitter: 0 },
    });
    expect((await source.collect()).targets.every((target) => target.ok)).toBe(true);

    await relay.down();
    const failed = await source.collect();
    expect(failed.targets[0]).toMatchObject({ target: 'live', ok: true });
    expect(failed.samples.length).toBeGreaterThan(0);
    expect(failed.samples.every((sample) => sample.target === 'live')).toBe(true);
    expect(failed.targets[1]).toMatchObject({ target: 'flaky', ok: false, consecutiveFailures: 1 });
    expect(failed.targets[1]!.error).toMatch(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/);
    expect(failed.targets[1]!.retryAt).toBeGreaterThan(Date.now());

    const skipped = await source.collect();
    expect(skipped.targets[1]).toMatchObject({ ok: false, skipped: true, consecutiveFailures: 1 });
    expect(skipped.targets[0]!.ok).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, failed.targets[1]!.retryAt! - Date.now() + 20));
    const again = await source.collect();
    expect(again.targets[1]).toMatchObject({ ok: false, consecutiveFailures: 2 });
    expect(again.targets[1]!.skipped).toBeUndefined();

    await relay.up();
    await new Promise((resolve) => setTimeout(resolve, again.targets[1]!.retryAt! - Date.now() + 20));
    const recovered = await source.collect();
    expect(recovered.targets[1]).toMatchObject({ target: 'flaky', ok: true, consecutiveFailures: 0 });
    expect(recovered.samples.filter((sample) => sample.target === 'flaky').length).toBe(
      recovered.samples.filter((sample) => sample.target === 'live').length,
    );
  });

  it('reports a killed Prometheus as a failing target and collects again after a restart', async () => {
    const source = createPrometheusSource({
      targets: [{ name: 'main', url: prometheus.url, selectors: ['cpu_usage'] }],
      backoff: false,
    });
    await prometheus.kill();
    const down = await source.collect();
    expect(down.targets[0]).toMatchObject({ ok: false, consecutiveFailures: 1 });
    expect(down.samples).toEqual([]);
    await prometheus.restart();
    await prometheus.waitFor('cpu_usage');
    const up = await source.collect();
    expect(up.targets[0]).toMatchObject({ ok: true, consecutiveFailures: 0 });
    expect(up.samples.length).toBeGreaterThan(0);
  });
});
