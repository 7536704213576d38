import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options of {@link startSyntheticExporter}. */
export interface SyntheticExporterOptions {
  /** Number of series exposed. @default 100000 */
  readonly series?: number;
  /** Number of distinct metric names the series are spread over. @default 100 */
  readonly metrics?: number;
}

/** A running synthetic exporter. */
export interface SyntheticExporter {
  /** `127.0.0.1:port`, for a Prometheus scrape config. */
  readonly address: string;
  readonly series: number;
  /** Scrapes served so far. */
  readonly scrapes: number;
  /** Mean milliseconds spent rendering one scrape. */
  readonly renderMs: number;
  close(): Promise<void>;
}

/**
 * Serves `series` gauges in the Prometheus text format, fast enough to be scraped every few
 * seconds: the page is rendered once, and each scrape only rewrites the values, which change from
 * scrape to scrape (drawn from a pool of pre-formatted random numbers).
 * Series look like a fleet of node exporters: `synthetic_metric_017{instance="host-0042:9100",job="synthetic",cpu="3",mode="user"}`.
 */
export async function startSyntheticExporter(
  options: SyntheticExporterOptions = {},
): Promise<SyntheticExporter> {
  const seriesCount = options.series ?? 100_000;
  const metricCount = options.metrics ?? 100;
  const perMetric = Math.ceil(seriesCount / metricCount);
  const modes = ['user', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'nice'];

  const blocks: Array<{ header: string; prefixes: string[] }> = [];
  let made = 0;
  for (let metric = 0; metric < metricCount && made < seriesCount; metric++) {
    const name = `synthetic_metric_${String(metric).padStart(3, '0')}`;
    const prefixes: string[] = [];
    for (let index = 0; index < perMetric && made < seriesCount; index++, made++) {
      const host = Math.floor(index / 8);
      const cpu = Math.floor(index / 8) % 16;
      const mode = modes[index % 8]!;
      prefixes.push(
        `${name}{instance="host-${String(host).padStart(4, '0')}:9100",job="synthetic",cpu="${cpu}",mode="${mode}"} `,
      );
    }
    blocks.push({ header: `# HELP ${name} Synthetic gauge ${metric}.\n# TYPE ${name} gauge\n`, prefixes });
  }

  // The whole page is rendered once with fixed-width value slots; a scrape only rewrites the
  // six value bytes of every line from a pool of pre-formatted random numbers (20.000–29.999).
  const valueWidth = 6;
  let text = '';
  const slots: number[] = [];
  for (const block of blocks) {
    text += block.header;
    for (const prefix of block.prefixes) {
      text += prefix;
      slots.push(text.length); // the page is ASCII: characters are bytes
      text += '00.000\n';
    }
  }
  const page = Buffer.from(text);
  const offsets = Int32Array.from(slots);
  const poolSize = 4096;
  const pool = Buffer.alloc(poolSize * valueWidth);
  for (let index = 0; index < poolSize; index++) {
    pool.write((20 + Math.random() * 10).toFixed(3), index * valueWidth, 'latin1');
  }

  let scrapes = 0;
  let renderTotal = 0;
  const render = (): Buffer => {
    const started = performance.now();
    const shift = (scrapes * 977) % poolSize;
    for (let line = 0; line < offsets.length; line++) {
      const from = ((line * 31 + shift) & (poolSize - 1)) * valueWidth;
      const to = offsets[line]!;
      for (let byte = 0; byte < valueWidth; byte++) page[to + byte] = pool[from + byte]!;
    }
    renderTotal += performance.now() - started;
    scrapes++;
    return page;
  };

  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/metrics')) {
      const body = render();
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(body);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    series: made,
    get scrapes() {
      return scrapes;
    },
    get renderMs() {
      return scrapes === 0 ? 0 : renderTotal / scrapes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
