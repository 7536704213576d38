import { z } from 'zod';
import { PromptheusError } from '../errors.js';
import type {
  ApiResult,
  MatrixSeries,
  MetricMetadata,
  Point,
  QueryData,
  SeriesLabels,
  TargetsData,
  VectorSeries,
} from './types.js';
import { parseSampleValue, secondsToMilliseconds } from './values.js';

/** Where an answer came from, for error messages. Never holds credentials. */
export interface ResponseContext {
  /** Base URL of the server, without credentials. */
  readonly url: string;
  /** API path, e.g. `/api/v1/query`. */
  readonly endpoint: string;
  /** HTTP status of the answer. */
  readonly status: number;
  /** Values that must never appear in an error (tokens, passwords, header values). */
  readonly secrets?: readonly string[];
}

const excerptLength = 160;

/** A short, single-line, secret-free excerpt of an answer body for error messages. */
export function excerpt(text: string, secrets: readonly string[] = []): string {
  let short = text.slice(0, excerptLength * 2);
  for (const secret of secrets) {
    if (secret.length >= 3) short = short.split(secret).join('[redacted]');
  }
  short = short.replace(/\s+/g, ' ').trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips control characters from the excerpt
  short = short.replace(/[\u0000-\u001f\u007f]/g, '');
  return short.length > excerptLength ? `${short.slice(0, excerptLength)}…` : short;
}

function badResponse(
  context: ResponseContext,
  problem: string,
  text: string,
  cause?: unknown,
): PromptheusError {
  const sample = excerpt(text, context.secrets);
  return new PromptheusError(
    'bad_response',
    `Prometheus at ${context.url} answered ${context.endpoint} with HTTP ${context.status} and ${problem}` +
      (sample ? `: "${sample}"` : ''),
    {
      cause,
      retryable: context.status >= 500 || context.status === 429,
      details: { status: context.status, endpoint: context.endpoint, excerpt: sample },
    },
  );
}

const retryableErrorTypes = new Set(['timeout', 'canceled', 'unavailable', 'internal']);

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/**
 * Parses the API envelope `{"status":"success","data":...,"warnings":[...]}` of a Prometheus
 * answer. Error envelopes become `prometheus` errors with Prometheus's message; anything that is
 * not the API's JSON becomes `bad_response` (or `unauthorized` for 401/403).
 */
export function parseEnvelope(text: string, context: ResponseContext): ApiResult<unknown> {
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch (error) {
    if (context.status === 401 || context.status === 403) throw unauthorized(context);
    const problem =
      context.status >= 400
        ? 'a body that is not the API JSON'
        : /^\s*</.test(text)
          ? 'an HTML page instead of JSON'
          : 'invalid or truncated JSON';
    throw badResponse(context, problem, text, error);
  }
  if (body === undefined) {
    if (context.status === 401 || context.status === 403) throw unauthorized(context);
    throw badResponse(context, 'an empty body', text);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badResponse(context, 'JSON that is not an API envelope', text);
  }
  const envelope = body as Record<string, unknown>;
  if (envelope.status === 'error') {
    const errorType = typeof envelope.errorType === 'string' ? envelope.errorType : 'unknown';
    const message = typeof envelope.error === 'string' ? envelope.error : 'no message';
    return throwPrometheusError(context, errorType, message);
  }
  if (context.status === 401 || context.status === 403) throw unauthorized(context);
  if (envelope.status !== 'success' || !('data' in envelope)) {
    throw badResponse(context, 'JSON that is not an API envelope', text);
  }
  if (context.status >= 300) throw badResponse(context, 'a success body on an error status', text);
  const warnings = envelope.warnings ?? [];
  const infos = envelope.infos ?? [];
  if (!isStringArray(warnings) || !isStringArray(infos)) {
    throw badResponse(context, 'malformed warnings', text);
  }
  return { data: envelope.data, warnings, infos };
}

function throwPrometheusError(context: ResponseContext, errorType: string, message: string): never {
  let safeMessage = message;
  for (const secret of context.secrets ?? []) {
    if (secret.length >= 3) safeMessage = safeMessage.split(secret).join('[redacted]');
  }
  throw new PromptheusError('prometheus', `Prometheus ${errorType}: ${safeMessage}`, {
    retryable: context.status >= 500 || retryableErrorTypes.has(errorType),
    details: { status: context.status, errorType, endpoint: context.endpoint },
  });
}

function unauthorized(context: ResponseContext): PromptheusError {
  return new PromptheusError(
    'unauthorized',
    `Prometheus at ${context.url} refused the request to ${context.endpoint} with HTTP ${context.status}; ` +
      'check the auth and headers options',
    { details: { status: context.status, endpoint: context.endpoint } },
  );
}

/** Throws `bad_response` describing a data shape problem. */
export function shapeError(context: ResponseContext, problem: string): PromptheusError {
  return new PromptheusError(
    'bad_response',
    `Prometheus at ${context.url} answered ${context.endpoint} with an unexpected shape: ${problem}`,
    { details: { status: context.status, endpoint: context.endpoint } },
  );
}

function decodeLabels(value: unknown, context: ResponseContext, where: string): SeriesLabels {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw shapeError(context, `${where} is not a label object`);
  }
  const labels = value as Record<string, unknown>;
  for (const name in labels) {
    if (typeof labels[name] !== 'string') throw shapeError(context, `${where}.${name} is not a string`);
  }
  return labels as SeriesLabels;
}

function decodePoint(value: unknown, context: ResponseContext, where: string): Point {
  if (!Array.isArray(value) || value.length !== 2) throw shapeError(context, `${where} is not [time, value]`);
  const [time, text] = value as [unknown, unknown];
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw shapeError(context, `${where} has a time that is not a number`);
  }
  if (typeof text !== 'string') throw shapeError(context, `${where} has a value that is not a string`);
  const parsed = parseSampleValue(text);
  if (parsed === undefined)
    throw shapeError(context, `${where} has an unparsable value "${text.slice(0, 40)}"`);
  return { timestamp: secondsToMilliseconds(time), value: parsed };
}

/**
 * Validates and converts the `data` of a query answer. Native-histogram samples, which the
 * {@link QueryData} types do not model, are left out and counted in a warning.
 */
export function decodeQueryData(
  data: unknown,
  context: ResponseContext,
): { data: QueryData; omittedHistograms: number } {
  if (typeof data !== 'object' || data === null) throw shapeError(context, 'data is not an object');
  const { resultType, result } = data as { resultType?: unknown; result?: unknown };
  let omittedHistograms = 0;
  switch (resultType) {
    case 'vector': {
      if (!Array.isArray(result)) throw shapeError(context, 'vector result is not an array');
      const series: VectorSeries[] = [];
      for (let index = 0; index < result.length; index++) {
        const item = result[index] as { metric?: unknown; value?: unknown; histogram?: unknown } | null;
        if (typeof item !== 'object' || item === null)
          throw shapeError(context, `result[${index}] is not an object`);
        const metric = decodeLabels(item.metric ?? {}, context, `result[${index}].metric`);
        if (item.value === undefined && item.histogram !== undefined) {
          omittedHistograms++;
          continue;
        }
        series.push({ metric, value: decodePoint(item.value, context, `result[${index}].value`) });
      }
      return { data: { resultType, result: series }, omittedHistograms };
    }
    case 'matrix': {
      if (!Array.isArray(result)) throw shapeError(context, 'matrix result is not an array');
      const series: MatrixSeries[] = [];
      for (let index = 0; index < result.length; index++) {
        const item = result[index] as { metric?: unknown; values?: unknown; histograms?: unknown } | null;
        if (typeof item !== 'object' || item === null)
          throw shapeError(context, `result[${index}] is not an object`);
        const metric = decodeLabels(item.metric ?? {}, context, `result[${index}].metric`);
        if (item.histograms !== undefined) {
          omittedHistograms += Array.isArray(item.histograms) ? item.histograms.length : 1;
        }
        if (item.values === undefined && item.histograms !== undefined) continue;
        if (!Array.isArray(item.values)) throw shapeError(context, `result[${index}].values is not an array`);
        const values: Point[] = new Array(item.values.length);
        for (let point = 0; point < item.values.length; point++) {
          values[point] = decodePoint(item.values[point], context, `result[${index}].values[${point}]`);
        }
        series.push({ metric, values });
      }
      return { data: { resultType, result: series }, omittedHistograms };
    }
    case 'scalar':
      return {
        data: { resultType, result: decodePoint(result, context, 'scalar result') },
        omittedHistograms,
      };
    case 'string': {
      if (!Array.isArray(result) || result.length !== 2 || typeof result[0] !== 'number') {
        throw shapeError(context, 'string result is not [time, "text"]');
      }
      const [time, text] = result as [number, unknown];
      if (typeof text !== 'string') throw shapeError(context, 'string result is not [time, "text"]');
      return {
        data: { resultType, result: { timestamp: secondsToMilliseconds(time), value: text } },
        omittedHistograms,
      };
    }
    default:
      throw shapeError(context, `unknown resultType ${JSON.stringify(resultType)?.slice(0, 40)}`);
  }
}

/** Parses any JSON value with a zod schema, turning failures into `bad_response`. */
export function decodeWith<Output>(
  schema: z.ZodType<Output>,
  data: unknown,
  context: ResponseContext,
): Output {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? issue.path.join('.') : 'data';
    throw shapeError(context, `${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Decodes the array of label sets `/api/v1/series` returns. */
export function decodeSeriesList(data: unknown, context: ResponseContext): SeriesLabels[] {
  if (!Array.isArray(data)) throw shapeError(context, 'data is not an array of label sets');
  for (let index = 0; index < data.length; index++) decodeLabels(data[index], context, `data[${index}]`);
  return data as SeriesLabels[];
}

/** Decodes a list of strings (label names or values). */
export function decodeStringList(data: unknown, context: ResponseContext): string[] {
  if (!isStringArray(data)) throw shapeError(context, 'data is not an array of strings');
  return data;
}

const labelsSchema = z.record(z.string(), z.string());

const metadataTypes = [
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
] as const;

/** Schema of `/api/v1/metadata` data; unknown metric types are reported as `unknown`. */
export const metadataSchema: z.ZodType<Record<string, MetricMetadata[]>> = z.record(
  z.string(),
  z.array(
    z.object({
      type: z
        .string()
        .transform((type): MetricMetadata['type'] =>
          (metadataTypes as readonly string[]).includes(type) ? (type as MetricMetadata['type']) : 'unknown',
        ),
      help: z.string().default(''),
      unit: z.string().default(''),
    }),
  ),
);

/** Schema of `/api/v1/targets` data. */
export const targetsSchema: z.ZodType<TargetsData> = z.object({
  activeTargets: z
    .array(
      z.object({
        labels: labelsSchema.default({}),
        discoveredLabels: labelsSchema.default({}),
        scrapePool: z.string().default(''),
        scrapeUrl: z.string().default(''),
        health: z
          .string()
          .transform((health): 'up' | 'down' | 'unknown' =>
            health === 'up' || health === 'down' ? health : 'unknown',
          ),
        lastError: z.string().default(''),
        lastScrape: z.string().default(''),
        lastScrapeDuration: z.number().default(0),
      }),
    )
    .default([]),
  droppedTargets: z.array(z.object({ discoveredLabels: labelsSchema.default({}) })).default([]),
});

/** Schema of `/api/v1/status/buildinfo` data. */
export const buildInfoSchema: z.ZodType<Record<string, string>> = z.record(
  z.string(),
  z.unknown().transform((value) => (typeof value === 'string' ? value : JSON.stringify(value))),
);
