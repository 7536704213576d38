import type { TargetAuth } from '../model/target.js';

/** One point of a series. Values are parsed from Prometheus's strings: `"NaN"`, `"+Inf"`, `"-Inf"` included. */
export interface Point {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly value: number;
}

/** Labels of a series as Prometheus returns them, `__name__` included when present. */
export type SeriesLabels = Readonly<Record<string, string>>;

/** One series of an instant-query (vector) result: its labels and its value at the evaluation time. */
export interface VectorSeries {
  readonly metric: SeriesLabels;
  readonly value: Point;
}

/** One series of a range-query (matrix) result: its labels and its points, oldest first. */
export interface MatrixSeries {
  readonly metric: SeriesLabels;
  readonly values: readonly Point[];
}

/** The `data` of a query response, by result type. */
export type QueryData =
  | { readonly resultType: 'vector'; readonly result: readonly VectorSeries[] }
  | { readonly resultType: 'matrix'; readonly result: readonly MatrixSeries[] }
  | { readonly resultType: 'scalar'; readonly result: Point }
  | {
      readonly resultType: 'string';
      readonly result: { readonly timestamp: number; readonly value: string };
    };

/** A successful API answer: the data plus Prometheus's warnings (and infos, on newer versions). */
export interface ApiResult<Data> {
  readonly data: Data;
  /** Warnings Prometheus attached to the answer (e.g. results truncated by `limit`). */
  readonly warnings: readonly string[];
  /** Informational notes (Prometheus ≥ 2.52), e.g. PromQL hints. */
  readonly infos: readonly string[];
}

/** Options every client call accepts. */
export interface RequestOptions {
  /** Per-call deadline in ms (overrides the client default). */
  readonly timeoutMs?: number;
  /** Aborts the call; it then rejects with a `PromptheusError` of code `aborted`. */
  readonly signal?: AbortSignal;
}

/** Options of {@link PrometheusClient.query}. */
export interface QueryOptions extends RequestOptions {
  /** Evaluation time; defaults to Prometheus's now. */
  readonly time?: Date | number;
  /** Server-side evaluation timeout passed as `timeout=` (e.g. `10s`). */
  readonly evaluationTimeout?: string;
  /** Maximum number of returned series (`limit=`, honoured by Prometheus ≥ 2.54; enforced client-side too). */
  readonly limit?: number;
}

/** Options of {@link PrometheusClient.queryRange}. */
export interface RangeQueryOptions extends QueryOptions {
  /** Start of the range (Date or ms since the epoch). */
  readonly start: Date | number;
  /** End of the range (Date or ms since the epoch), not before `start`. */
  readonly end: Date | number;
  /** Resolution step in seconds. */
  readonly step: number;
}

/** Options of {@link PrometheusClient.series} (and, through {@link LabelOptions}, the label calls). */
export interface SeriesOptions extends RequestOptions {
  /** Only series with samples after this time. @default Prometheus's default (all of the head) */
  readonly start?: Date | number;
  /** Only series with samples before this time. @default now */
  readonly end?: Date | number;
  /** Maximum number of entries returned (sent to Prometheus and enforced client-side). */
  readonly limit?: number;
}

/** Options of {@link PrometheusClient.labelNames} and {@link PrometheusClient.labelValues}. */
export interface LabelOptions extends SeriesOptions {
  /** Series selectors restricting which series' labels are returned (`match[]`). */
  readonly match?: readonly string[];
}

/** A metric's metadata from `/api/v1/metadata`. */
export interface MetricMetadata {
  readonly type:
    | 'counter'
    | 'gauge'
    | 'histogram'
    | 'gaugehistogram'
    | 'summary'
    | 'info'
    | 'stateset'
    | 'unknown';
  /** The `# HELP` text. */
  readonly help: string;
  /** The `# UNIT`, usually empty. */
  readonly unit: string;
}

/** A scrape target Prometheus is currently scraping, from `/api/v1/targets`. */
export interface ActiveTarget {
  readonly labels: SeriesLabels;
  readonly discoveredLabels: SeriesLabels;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  /** Error of the last scrape, empty when it succeeded. */
  readonly lastError: string;
  /** Time of the last scrape (RFC 3339). */
  readonly lastScrape: string;
  /** Duration of the last scrape in seconds. */
  readonly lastScrapeDuration: number;
}

/** The data of `/api/v1/targets`. */
export interface TargetsData {
  readonly activeTargets: readonly ActiveTarget[];
  readonly droppedTargets: ReadonlyArray<{ readonly discoveredLabels: SeriesLabels }>;
}

/** Options of `createPrometheusClient`. */
export interface PrometheusClientOptions {
  /** Base URL of Prometheus, e.g. `http://localhost:9090` (a path prefix such as `/prometheus` is kept). */
  readonly url: string;
  /** Default per-call deadline in ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Bearer or basic authentication. Never logged. */
  readonly auth?: TargetAuth | null;
  /** Extra headers sent with every request (e.g. `X-Scope-OrgID` for Mimir/Cortex). Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch implementation to use. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Ask for gzip-compressed answers. Compression saves bandwidth to a remote Prometheus but costs
   * CPU on both sides; turn it off for a Prometheus on the same machine or network.
   * @default true
   */
  readonly compression?: boolean;
}

/**
 * A client of the Prometheus HTTP API (also Thanos, Mimir, Cortex, VictoriaMetrics). Read
 * endpoints only. Errors are `PromptheusError`s: code `prometheus` with Prometheus's own message
 * and `details.errorType` (`bad_data`, `execution`, ...) and `details.status`; `bad_response` for
 * answers that are not the API's JSON; `timeout`, `aborted` and `network` otherwise.
 */
export interface PrometheusClient {
  /** The base URL (without credentials). */
  readonly url: string;
  /** Instant query (`/api/v1/query`). */
  query(expr: string, options?: QueryOptions): Promise<ApiResult<QueryData>>;
  /** Range query (`/api/v1/query_range`). */
  queryRange(expr: string, options: RangeQueryOptions): Promise<ApiResult<QueryData>>;
  /** Series matching any of the selectors (`/api/v1/series`). */
  series(match: readonly string[], options?: SeriesOptions): Promise<SeriesLabels[]>;
  /** Label names (`/api/v1/labels`). */
  labelNames(options?: LabelOptions): Promise<string[]>;
  /** Values of one label (`/api/v1/label/<name>/values`); `__name__` lists metric names. */
  labelValues(name: string, options?: LabelOptions): Promise<string[]>;
  /** Metric metadata (`/api/v1/metadata`), by metric name. */
  metadata(
    options?: RequestOptions & { readonly metric?: string; readonly limit?: number },
  ): Promise<Record<string, MetricMetadata[]>>;
  /** Scrape targets (`/api/v1/targets`). */
  targets(options?: RequestOptions & { readonly state?: 'active' | 'dropped' | 'any' }): Promise<TargetsData>;
  /** Pretty-prints a PromQL expression (`/api/v1/format_query`); fails with `bad_data` on invalid PromQL. */
  formatQuery(expr: string, options?: RequestOptions): Promise<string>;
  /** Build information (`/api/v1/status/buildinfo`), e.g. `{ version: '2.42.0', ... }`. */
  buildInfo(options?: RequestOptions): Promise<Record<string, string>>;
}
