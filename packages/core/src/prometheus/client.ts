import { PromptheusError } from '../errors.js';
import { type ApiRequest, type Connection, createConnection } from './http.js';
import {
  buildInfoSchema,
  decodeQueryData,
  decodeSeriesList,
  decodeStringList,
  decodeWith,
  metadataSchema,
  parseEnvelope,
  type ResponseContext,
  shapeError,
  targetsSchema,
} from './response.js';
import type {
  ApiResult,
  LabelOptions,
  MetricMetadata,
  PrometheusClient,
  PrometheusClientOptions,
  QueryData,
  QueryOptions,
  RangeQueryOptions,
  SeriesOptions,
  TargetsData,
} from './types.js';
import { formatApiTime } from './values.js';

type Params = Array<[string, string]>;

function requireExpression(expr: unknown, option = 'expr'): string {
  if (typeof expr !== 'string' || expr.trim() === '') {
    throw new PromptheusError('invalid_input', `${option} must be a non-empty PromQL expression`);
  }
  return expr;
}

function requireLimit(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new PromptheusError('invalid_input', 'limit must be a non-negative integer');
  }
  return limit === 0 ? undefined : limit;
}

function addRange(params: Params, options: { start?: Date | number; end?: Date | number } | undefined): void {
  if (options?.start !== undefined) params.push(['start', formatApiTime(options.start, 'start')]);
  if (options?.end !== undefined) params.push(['end', formatApiTime(options.end, 'end')]);
}

function addMatchers(params: Params, match: readonly string[] | undefined, option: string): void {
  if (match === undefined) return;
  if (!Array.isArray(match))
    throw new PromptheusError('invalid_input', `${option} must be an array of series selectors`);
  for (const selector of match) params.push(['match[]', requireExpression(selector, `${option}[]`)]);
}

/** Applies `limit` client-side too (older Prometheus versions ignore the parameter). */
function limitQueryData(result: ApiResult<QueryData>, limit: number | undefined): ApiResult<QueryData> {
  if (limit === undefined) return result;
  const { data } = result;
  if ((data.resultType === 'vector' || data.resultType === 'matrix') && data.result.length > limit) {
    const truncated = { ...data, result: data.result.slice(0, limit) } as QueryData;
    return {
      ...result,
      data: truncated,
      warnings: [...result.warnings, `results truncated to ${limit} series (limit)`],
    };
  }
  return result;
}

/**
 * Creates a client of the Prometheus HTTP API. It also works with Thanos, Mimir, Cortex and
 * VictoriaMetrics, which serve the same API.
 *
 * Every call has a deadline (`timeoutMs`, per client and per call) and accepts an AbortSignal.
 * Long queries are sent as form-encoded POST bodies. Errors are `PromptheusError`s:
 * `prometheus` (Prometheus's own message, `details.errorType` and `details.status`),
 * `bad_response` (HTML, empty or truncated JSON, unexpected shapes), `unauthorized` (401/403),
 * `network`, `timeout` and `aborted`. Credentials never appear in messages.
 *
 * @example
 * ```ts
 * const prometheus = createPrometheusClient({
 *   url: 'http://localhost:9090',
 *   auth: { type: 'bearer', token: process.env.PROMETHEUS_TOKEN! },
 *   timeoutMs: 10_000,
 * });
 * const { data } = await prometheus.query('up == 0');
 * if (data.resultType === 'vector') for (const series of data.result) console.log(series.metric.instance);
 * ```
 */
export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const connection: Connection = createConnection(options);

  async function call(
    request: ApiRequest,
  ): Promise<{ result: ApiResult<unknown>; context: ResponseContext }> {
    const answer = await connection.send(request);
    const context: ResponseContext = {
      url: connection.url,
      endpoint: request.endpoint,
      status: answer.status,
      secrets: connection.secrets,
    };
    return { result: parseEnvelope(answer.text, context), context };
  }

  async function runQuery(request: ApiRequest, limit: number | undefined): Promise<ApiResult<QueryData>> {
    const { result, context } = await call(request);
    const { data, omittedHistograms } = decodeQueryData(result.data, context);
    const warnings =
      omittedHistograms > 0
        ? [...result.warnings, `${omittedHistograms} native histogram samples were left out`]
        : result.warnings;
    return limitQueryData({ data, warnings, infos: result.infos }, limit);
  }

  function queryParams(expr: string, options: QueryOptions | undefined): { params: Params; limit?: number } {
    const params: Params = [['query', requireExpression(expr)]];
    if (options?.evaluationTimeout !== undefined) {
      if (
        typeof options.evaluationTimeout !== 'string' ||
        !/^\d+(\.\d+)?(ms|s|m|h)$/.test(options.evaluationTimeout)
      ) {
        throw new PromptheusError(
          'invalid_input',
          'evaluationTimeout must be a duration such as "10s" or "500ms"',
        );
      }
      params.push(['timeout', options.evaluationTimeout]);
    }
    const limit = requireLimit(options?.limit);
    if (limit !== undefined) params.push(['limit', String(limit)]);
    return { params, limit };
  }

  /** A list endpoint (series, label names, label values): matchers, time range and a limit also applied here. */
  async function list<Item>(
    request: Pick<ApiRequest, 'endpoint' | 'method'>,
    match: readonly string[] | undefined,
    options: SeriesOptions | undefined,
    decode: (data: unknown, context: ResponseContext) => Item[],
  ): Promise<Item[]> {
    const params: Params = [];
    addMatchers(params, match, 'match');
    addRange(params, options);
    const limit = requireLimit(options?.limit);
    if (limit !== undefined) params.push(['limit', String(limit)]);
    const { result, context } = await call({
      ...request,
      params,
      timeoutMs: options?.timeoutMs,
      signal: options?.signal,
    });
    const items = decode(result.data, context);
    return limit !== undefined ? items.slice(0, limit) : items;
  }

  return {
    url: connection.url,

    async query(expr, options) {
      const { params, limit } = queryParams(expr, options);
      if (options?.time !== undefined) params.push(['time', formatApiTime(options.time, 'time')]);
      return runQuery(
        { endpoint: '/api/v1/query', params, timeoutMs: options?.timeoutMs, signal: options?.signal },
        limit,
      );
    },

    async queryRange(expr, options: RangeQueryOptions) {
      if (typeof options !== 'object' || options === null) {
        throw new PromptheusError('invalid_input', 'queryRange needs options with start, end and step');
      }
      const { params, limit } = queryParams(expr, options);
      if (options.start === undefined || options.end === undefined) {
        throw new PromptheusError('invalid_input', 'queryRange needs both start and end');
      }
      if (typeof options.step !== 'number' || !Number.isFinite(options.step) || options.step <= 0) {
        throw new PromptheusError('invalid_input', 'step must be a positive number of seconds');
      }
      const start = formatApiTime(options.start, 'start');
      const end = formatApiTime(options.end, 'end');
      if (Number(end) < Number(start))
        throw new PromptheusError('invalid_input', 'end must not be before start');
      params.push(['start', start], ['end', end], ['step', String(options.step)]);
      return runQuery(
        { endpoint: '/api/v1/query_range', params, timeoutMs: options.timeoutMs, signal: options.signal },
        limit,
      );
    },

    async series(match, options?: SeriesOptions) {
      if (!Array.isArray(match) || match.length === 0) {
        throw new PromptheusError('invalid_input', 'series needs at least one series selector in match');
      }
      return list({ endpoint: '/api/v1/series' }, match, options, decodeSeriesList);
    },

    async labelNames(options?: LabelOptions) {
      return list({ endpoint: '/api/v1/labels' }, options?.match, options, decodeStringList);
    },

    async labelValues(name, options?: LabelOptions) {
      if (typeof name !== 'string' || name === '') {
        throw new PromptheusError(
          'invalid_input',
          'labelValues needs a label name, e.g. "job" or "__name__"',
        );
      }
      return list(
        { endpoint: `/api/v1/label/${encodeURIComponent(name)}/values`, method: 'GET' },
        options?.match,
        options,
        decodeStringList,
      );
    },

    async metadata(options) {
      const params: Params = [];
      if (options?.metric !== undefined) params.push(['metric', requireExpression(options.metric, 'metric')]);
      const limit = requireLimit(options?.limit);
      if (limit !== undefined) params.push(['limit', String(limit)]);
      const { result, context } = await call({
        endpoint: '/api/v1/metadata',
        params,
        method: 'GET',
        timeoutMs: options?.timeoutMs,
        signal: options?.signal,
      });
      const metadata: Record<string, MetricMetadata[]> = decodeWith(metadataSchema, result.data, context);
      if (limit === undefined) return metadata;
      return Object.fromEntries(Object.entries(metadata).slice(0, limit));
    },

    async targets(options) {
      const params: Params = [];
      if (options?.state !== undefined) {
        if (!['active', 'dropped', 'any'].includes(options.state)) {
          throw new PromptheusError('invalid_input', 'state must be "active", "dropped" or "any"');
        }
        params.push(['state', options.state]);
      }
      const { result, context } = await call({
        endpoint: '/api/v1/targets',
        params,
        method: 'GET',
        timeoutMs: options?.timeoutMs,
        signal: options?.signal,
      });
      const targets: TargetsData = decodeWith(targetsSchema, result.data, context);
      return targets;
    },

    async formatQuery(expr, options) {
      const { result, context } = await call({
        endpoint: '/api/v1/format_query',
        params: [['query', requireExpression(expr)]],
        timeoutMs: options?.timeoutMs,
        signal: options?.signal,
      });
      if (typeof result.data !== 'string') throw shapeError(context, 'data is not a string');
      return result.data;
    },

    async buildInfo(options) {
      const { result, context } = await call({
        endpoint: '/api/v1/status/buildinfo',
        method: 'GET',
        timeoutMs: options?.timeoutMs,
        signal: options?.signal,
      });
      return decodeWith(buildInfoSchema, result.data, context);
    },
  };
}
