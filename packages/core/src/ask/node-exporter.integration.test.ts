import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockLlmProvider } from '../testing/mock-llm-provider.js';
import { findFreePort, type RunningPrometheus, startPrometheus } from '../testing/prometheus.js';
import { createAsk } from './create-ask.js';

/**
 * The headline questions against a real Prometheus scraping the real node_exporter (Debian's
 * `prometheus-node-exporter`) and itself: one Prometheus where the host is `instance="server1"`
 * (the only host), one where it keeps its address as instance, so no series has "server1".
 */

let nodeExporter: ChildProcess | undefined;
let named: RunningPrometheus;
let unnamed: RunningPrometheus;
let nodeAddress = '';

async function startNodeExporter(): Promise<string> {
  const port = await findFreePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(
    process.env['NODE_EXPORTER_BIN'] ?? 'prometheus-node-exporter',
    [`--web.listen-address=${address}`],
    { stdio: 'ignore' },
  );
  nodeExporter = child;
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(`node_exporter did not start (apt-get install prometheus-node-exporter): ${error.message}`),
      ),
    );
  });
  const started = Date.now();
  while (Date.now() - started < 15_000) {
    const ready = await Promise.race([
      fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(1000) }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.ok;
        },
        () => false,
      ),
      failed,
    ]);
    if (ready) return address;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`node_exporter did not answer on ${address} within 15 s`);
}

/** Starts a Prometheus scraping node_exporter (with `labels`) and itself as job "prometheus". */
async function startScraping(labels: Readonly<Record<string, string>>): Promise<RunningPrometheus> {
  const prometheus = await startPrometheus({ scrapeTargets: [] });
  await prometheus.setScrapeTargets([
    { target: nodeAddress, labels: { job: 'node', ...labels } },
    { target: new URL(prometheus.url).host, labels: { job: 'prometheus' } },
  ]);
  return prometheus;
}

beforeAll(async () => {
  nodeAddress = await startNodeExporter();
  [named, unnamed] = await Promise.all([startScraping({ instance: 'server1' }), startScraping({})]);
  // rates need two samples of every counter the questions read
  await Promise.all(
    [named, unnamed].flatMap((prometheus) => [
      prometheus.waitFor('rate(node_cpu_seconds_total{mode="idle"}[1m])'),
      prometheus.waitFor('rate(node_network_receive_bytes_total[1m])'),
      prometheus.waitFor('rate(process_cpu_seconds_total{job="prometheus"}[1m])'),
      prometheus.waitFor('node_filesystem_avail_bytes'),
    ]),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all([named?.stop(), unnamed?.stop()]);
  nodeExporter?.kill('SIGTERM');
});

const currentValue = async (prometheus: RunningPrometheus, query: string) =>
  (await prometheus.waitFor(query))[0]!.value.value;

describe('Ask on node_exporter and Prometheus itself, no LLM', () => {
  it('answers "show CPU usage" with the busy share of node_cpu_seconds_total, not a load or block gauge', async () => {
    const assistant = createAsk({ prometheus: named.client });
    const result = await assistant.ask('show CPU usage');
    expect(result.promql).toBe('100 * (1 - avg (rate(node_cpu_seconds_total{mode="idle"}[5m])))');
    expect(result.success).toBe(true);
    const value = result.data!.series[0]!.value!;
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(100);
    expect(result.layout).toMatchObject({ unit: '%' });
    expect(result.followups).toHaveLength(3);
    const perInstance = await assistant.ask('CPU usage per instance');
    expect(perInstance.promql).toBe(
      '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
    );
    expect(perInstance.data?.series.map((series) => series.labels['instance'])).toEqual(['server1']);
    assistant.close();
  });

  it('keeps the filter the user named even when server1 is the only instance', async () => {
    const assistant = createAsk({ prometheus: named.client });
    const result = await assistant.ask('Show CPU usage for server1');
    expect(result.promql).toBe(
      '100 * (1 - avg (rate(node_cpu_seconds_total{instance="server1", mode="idle"}[5m])))',
    );
    expect(result.success).toBe(true);
    expect(result.data?.series).toHaveLength(1);
    assistant.close();
  });

  it('answers memory, disk and network use from their used-vs-total gauges and byte counters', async () => {
    const assistant = createAsk({ prometheus: named.client, chartRange: false });
    const memory = await assistant.ask('memory usage');
    expect(memory.promql).toBe('node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes');
    const total = await currentValue(named, 'node_memory_MemTotal_bytes');
    const used = memory.data!.series[0]!.value!;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(total);
    expect(memory.layout).toMatchObject({ unit: 'bytes' });
    const share = await assistant.ask('memory usage in %');
    expect(share.promql).toBe('100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)');
    expect(share.data!.series[0]!.value).toBeCloseTo((100 * used) / total, 0);
    const disk = await assistant.ask('disk usage');
    expect(disk.promql).toBe('100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes)');
    expect(disk.data!.series.length).toBeGreaterThan(0);
    for (const series of disk.data!.series) {
      expect(series.labels['mountpoint']).toBeDefined();
      expect(series.value).toBeLessThanOrEqual(100);
    }
    const network = await assistant.ask('network traffic');
    expect(network.promql).toBe(
      'sum (rate(node_network_receive_bytes_total[5m])) + sum (rate(node_network_transmit_bytes_total[5m]))',
    );
    expect(network.data!.series[0]!.value).toBeGreaterThanOrEqual(0);
    expect(network.layout).toMatchObject({ unit: 'bytes/s' });
    const ownCpu = await assistant.ask('cpu usage of prometheus');
    expect(ownCpu.promql).toBe('sum (rate(process_cpu_seconds_total{job="prometheus"}[5m]))');
    expect(ownCpu.success).toBe(true);
    assistant.close();
  });

  it('answers a host no series has with no query and the known instances, without asking the LLM', async () => {
    const llm = createMockLlmProvider({ responses: [] });
    const assistant = createAsk({ prometheus: unnamed.client, llm });
    const result = await assistant.ask('show CPU usage for server1');
    expect(result.promql).toBeNull();
    expect(result.intent).toBe('unanswerable');
    expect(result.reason).toBe(
      `no series has a label value matching "server1"; known instances are ${nodeAddress}`,
    );
    expect(result.answer).toContain(nodeAddress);
    expect(result.data).toBeNull();
    expect(llm.calls).toEqual([]);
    // the same Prometheus answers for the host it has, named by its address
    const own = await assistant.ask(`memory usage of ${nodeAddress}`);
    expect(own.promql).toBe(
      `node_memory_MemTotal_bytes{instance="${nodeAddress}"} - node_memory_MemAvailable_bytes{instance="${nodeAddress}"}`,
    );
    expect(own.success).toBe(true);
    assistant.close();
  });

  it('answers a second host that does not exist next to server1 the same way', async () => {
    const assistant = createAsk({ prometheus: named.client });
    const result = await assistant.ask('CPU usage for server2');
    expect(result.promql).toBeNull();
    expect(result.reason).toBe('no series has a label value matching "server2"; known instances are server1');
    assistant.close();
  });
});
