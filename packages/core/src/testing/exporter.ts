import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PromptheusError } from '../errors.js';

/** Metric types the exporter writes in `# TYPE` lines. */
export type ExporterMetricType = 'counter' | 'gauge' | 'untyped';

/** Options of one metric family in {@link Exporter.set}. */
export interface ExporterMetricOptions {
  /** `# TYPE` of the family; fixed by the first `set` of a name. @default 'gauge' */
  readonly type?: ExporterMetricType;
  /** `# HELP` text of the family. @default none */
  readonly help?: string;
}

/** A histogram's state for {@link Exporter.setHistogram}: cumulative bucket counts by upper bound. */
export interface ExporterHistogram {
  /** Cumulative counts by upper bound (`le`), e.g. `{ 0.1: 3, 0.5: 9, 1: 10 }`; `+Inf` is added from `count`. */
  readonly buckets: Readonly<Record<string, number>>;
  readonly sum: number;
  readonly count: number;
}

/** Options of {@link startExporter}. */
export interface StartExporterOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Path that serves the metrics; every other path answers 404. @default '/metrics' */
  readonly path?: string;
}

/** A controllable Prometheus exporter serving the text exposition format on 127.0.0.1. */
export interface Exporter {
  /** Full URL of the metrics page, e.g. `http://127.0.0.1:43123/metrics`. */
  readonly url: string;
  /** `127.0.0.1:<port>`, the form Prometheus's `static_configs` takes. */
  readonly host: string;
  readonly port: number;
  /** How many times the metrics page was served. */
  readonly scrapes: number;
  /**
   * Sets the value of one series (creating the family on first use). `NaN` and `±Infinity` are
   * allowed and written as `NaN`, `+Inf` and `-Inf`.
   *
   * @example
   * ```ts
   * exporter.set('cpu_usage', { instance: 'server1' }, 93.5, { help: 'CPU busy percent' });
   * ```
   */
  set(
    name: string,
    labels: Readonly<Record<string, string>>,
    value: number,
    options?: ExporterMetricOptions,
  ): void;
  /** Sets a histogram series: `<name>_bucket{le=...}`, `<name>_sum` and `<name>_count`. */
  setHistogram(
    name: string,
    labels: Readonly<Record<string, string>>,
    histogram: ExporterHistogram,
    options?: { readonly help?: string },
  ): void;
  /** Removes one series (with `labels`) or the whole family (without). Returns whether anything was removed. */
  remove(name: string, labels?: Readonly<Record<string, string>>): boolean;
  /** Removes every metric. */
  clear(): void;
  /** Serves `text` verbatim instead of the rendered metrics (`null` goes back to rendering). */
  setBody(text: string | null): void;
  /** Answers scrapes with HTTP `status` (e.g. 503) until called with `null`. */
  setFailure(status: number | null): void;
  /** The text the next scrape would get. */
  render(): string;
  /** Stops the server. Safe to call twice. */
  close(): Promise<void>;
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface SeriesState {
  readonly labels: Readonly<Record<string, string>>;
  value: number | ExporterHistogram;
}

interface Family {
  readonly type: ExporterMetricType | 'histogram';
  help: string | undefined;
  readonly series: Map<string, SeriesState>;
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (character) => (character === '\n' ? '\\n' : `\\${character}`));
}

function escapeHelp(value: string): string {
  return value.replace(/[\\\n]/g, (character) => (character === '\n' ? '\\n' : '\\\\'));
}

/** Writes a float the way the text format expects it. */
export function formatExpositionValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]]),
  );
}

function renderLabels(labels: Readonly<Record<string, string>>, extra?: readonly [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}="${escapeLabelValue(labels[name]!)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function validateLabels(labels: unknown, reserved?: string): Readonly<Record<string, string>> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new PromptheusError('invalid_input', 'labels must be an object of label names to string values');
  }
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!labelNamePattern.test(name) || name.startsWith('__') || name === reserved) {
      throw new PromptheusError('invalid_input', `invalid label name "${name}"`);
    }
    if (typeof value !== 'string')
      throw new PromptheusError('invalid_input', `label ${name} must be a string`);
    copy[name] = value;
  }
  return copy;
}

/**
 * Starts a Prometheus exporter on 127.0.0.1 whose metrics the test controls. Point a real
 * Prometheus at `exporter.host` (see `startPrometheus`) and change values with `set`.
 *
 * @example
 * ```ts
 * const exporter = await startExporter();
 * exporter.set('up_checks_total', { job: 'checkout' }, 1, { type: 'counter' });
 * const prometheus = await startPrometheus({ scrapeTargets: [exporter.host] });
 * // ...
 * await prometheus.stop();
 * await exporter.close();
 * ```
 */
export async function startExporter(options: StartExporterOptions = {}): Promise<Exporter> {
  const path = options.path ?? '/metrics';
  const families = new Map<string, Family>();
  let body: string | null = null;
  let failure: number | null = null;
  let scrapes = 0;

  function family(name: string, type: Family['type'], help: string | undefined): Family {
    if (typeof name !== 'string' || !metricNamePattern.test(name)) {
      throw new PromptheusError('invalid_input', `invalid metric name "${String(name)}"`);
    }
    if (!['counter', 'gauge', 'untyped', 'histogram'].includes(type)) {
      throw new PromptheusError('invalid_input', `type of ${name} must be "counter", "gauge" or "untyped"`);
    }
    let existing = families.get(name);
    if (!existing) {
      existing = { type, help, series: new Map() };
      families.set(name, existing);
    } else if (existing.type !== type) {
      throw new PromptheusError('conflict', `metric ${name} is a ${existing.type}, not a ${type}`);
    }
    if (help !== undefined) existing.help = help;
    return existing;
  }

  function render(): string {
    if (body !== null) return body;
    let text = '';
    for (const [name, { type, help, series }] of families) {
      if (series.size === 0) continue;
      if (help !== undefined) text += `# HELP ${name} ${escapeHelp(help)}\n`;
      text += `# TYPE ${name} ${type}\n`;
      for (const { labels, value } of series.values()) {
        if (typeof value === 'number') {
          text += `${name}${renderLabels(labels)} ${formatExpositionValue(value)}\n`;
          continue;
        }
        const bounds = Object.keys(value.buckets)
          .map((bound) => ({ bound, number: Number(bound) }))
          .sort((a, b) => a.number - b.number);
        for (const { bound, number } of bounds) {
          const le = formatExpositionValue(number);
          text += `${name}_bucket${renderLabels(labels, ['le', le])} ${formatExpositionValue(value.buckets[bound]!)}\n`;
        }
        text += `${name}_bucket${renderLabels(labels, ['le', '+Inf'])} ${formatExpositionValue(value.count)}\n`;
        text += `${name}_sum${renderLabels(labels)} ${formatExpositionValue(value.sum)}\n`;
        text += `${name}_count${renderLabels(labels)} ${formatExpositionValue(value.count)}\n`;
      }
    }
    return text;
  }

  const server: Server = createServer((request, response) => {
    const requestPath = (request.url ?? '/').split('?')[0];
    if (requestPath !== path) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    scrapes++;
    if (failure !== null) {
      response.writeHead(failure, { 'content-type': 'text/plain' }).end('exporter failing on purpose\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(render());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    host: `127.0.0.1:${port}`,
    port,
    get scrapes() {
      return scrapes;
    },
    set(name, labels, value, metricOptions = {}) {
      if (typeof value !== 'number')
        throw new PromptheusError('invalid_input', `value of ${name} must be a number`);
      const copy = validateLabels(labels);
      const target = family(name, metricOptions.type ?? 'gauge', metricOptions.help);
      target.series.set(labelKey(copy), { labels: copy, value });
    },
    setHistogram(name, labels, histogram, metricOptions = {}) {
      const numbers = [histogram.sum, histogram.count, ...Object.values(histogram.buckets ?? {})];
      if (numbers.some((number) => typeof number !== 'number')) {
        throw new PromptheusError('invalid_input', `histogram ${name} needs numeric buckets, sum and count`);
      }
      for (const bound of Object.keys(histogram.buckets)) {
        if (Number.isNaN(Number(bound)))
          throw new PromptheusError('invalid_input', `invalid bucket bound "${bound}"`);
      }
      const copy = validateLabels(labels, 'le');
      const target = family(name, 'histogram', metricOptions.help);
      target.series.set(labelKey(copy), {
        labels: copy,
        value: { ...histogram, buckets: { ...histogram.buckets } },
      });
    },
    remove(name, labels) {
      const target = families.get(name);
      if (!target) return false;
      if (labels === undefined) return families.delete(name);
      return target.series.delete(labelKey(validateLabels(labels)));
    },
    clear() {
      families.clear();
    },
    setBody(text) {
      body = text;
    },
    setFailure(status) {
      if (status !== null && (!Number.isInteger(status) || status < 400 || status > 599)) {
        throw new PromptheusError('invalid_input', 'setFailure takes an HTTP error status (400-599) or null');
      }
      failure = status;
    },
    render,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
