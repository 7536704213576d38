import { PromptheusError } from '../errors.js';
import type { TargetAuth } from '../model/target.js';
import { deadline } from '../util/abort.js';
import type { PrometheusClientOptions } from './types.js';

/** Query strings longer than this are sent as a form-encoded POST body (when the endpoint allows it). */
export const maxGetQueryLength = 4096;

/** Default per-call deadline of the client and the source. */
export const defaultTimeoutMs = 30_000;

/**
 * Options shared by everything that talks to a Prometheus server: those of the client (the source
 * passes each target's own).
 */
export type ConnectionOptions = PrometheusClientOptions;

/** One HTTP call to the API. */
export interface ApiRequest {
  /** Path below the base URL, e.g. `/api/v1/query`. */
  readonly endpoint: string;
  readonly params?: ReadonlyArray<readonly [string, string]>;
  /** `auto` switches to POST for long query strings; `GET` always uses GET. @default 'auto' */
  readonly method?: 'auto' | 'GET';
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly accept?: string;
}

/** The raw answer of an API call. */
export interface ApiAnswer {
  readonly status: number;
  readonly text: string;
}

/** A configured connection to one Prometheus server. Holds credentials; never log it. */
export interface Connection {
  /** Base URL without credentials and without a trailing slash. */
  readonly url: string;
  readonly timeoutMs: number;
  /** Values that must be redacted from anything shown to users. */
  readonly secrets: readonly string[];
  send(request: ApiRequest): Promise<ApiAnswer>;
}

const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Validates a base URL: http(s), no credentials, no query or fragment. Returns it without a
 * trailing slash (a path prefix such as `/prometheus` is kept).
 */
export function normaliseBaseUrl(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PromptheusError(
      'config',
      `${option} is required: the base URL of Prometheus, e.g. http://localhost:9090`,
    );
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new PromptheusError('config', `${option} is not a valid URL; expected e.g. http://localhost:9090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PromptheusError('config', `${option} must use http:// or https://, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new PromptheusError(
      'config',
      `${option} must not contain user:password; pass credentials in the auth option instead`,
    );
  }
  if (url.search || url.hash) {
    throw new PromptheusError('config', `${option} must not contain a query string or fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function validateTimeout(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new PromptheusError('config', `${option} must be a positive number of milliseconds`);
  }
  return value;
}

/** Builds the request headers (auth + extra) and the list of secrets to redact. */
function buildHeaders(
  auth: TargetAuth | null | undefined,
  extra: Readonly<Record<string, string>> | undefined,
  option: string,
): { headers: Record<string, string>; secrets: string[] } {
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null)
      throw new PromptheusError('config', `${option}.headers must be an object`);
    for (const [name, value] of Object.entries(extra)) {
      if (!headerNamePattern.test(name)) {
        throw new PromptheusError(
          'config',
          `${option}.headers has an invalid header name "${name.slice(0, 64)}"`,
        );
      }
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
        throw new PromptheusError(
          'config',
          `${option}.headers["${name}"] must be a string without line breaks`,
        );
      }
      headers[name] = value;
      secrets.push(value);
    }
  }
  if (auth) {
    if (auth.type === 'bearer') {
      if (typeof auth.token !== 'string' || auth.token === '' || /[\r\n\0]/.test(auth.token)) {
        throw new PromptheusError(
          'config',
          `${option}.auth.token must be a non-empty string without line breaks`,
        );
      }
      headers.authorization = `Bearer ${auth.token}`;
      secrets.push(auth.token);
    } else if (auth.type === 'basic') {
      if (
        typeof auth.username !== 'string' ||
        typeof auth.password !== 'string' ||
        auth.username.includes(':')
      ) {
        throw new PromptheusError(
          'config',
          `${option}.auth needs a username (without ":") and a password for basic authentication`,
        );
      }
      const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      headers.authorization = `Basic ${encoded}`;
      secrets.push(auth.password, encoded);
    } else {
      throw new PromptheusError('config', `${option}.auth.type must be "bearer" or "basic"`);
    }
  }
  return { headers, secrets: secrets.filter((secret) => secret.length > 0) };
}

/** Short reason of a failed fetch (`ECONNREFUSED`, `socket hang up`, ...), without URLs or headers. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  const message = (cause as { message?: unknown })?.message ?? (error as { message?: unknown })?.message;
  return typeof message === 'string' ? message.slice(0, 120) : 'network error';
}

const staleConnectionCodes = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** True when a request failed because its (reused) connection was closed under it. */
function isStaleConnection(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && staleConnectionCodes.has(code);
}

/**
 * Creates a connection to one Prometheus server: URL validation, auth and headers, per-call
 * deadlines, GET or form-encoded POST, and typed errors for network failures. Answers are
 * returned raw; see `response.ts` for their parsing.
 */
export function createConnection(options: ConnectionOptions, option = 'PrometheusClientOptions'): Connection {
  if (typeof options !== 'object' || options === null) {
    throw new PromptheusError('config', `${option} must be an object with at least a url`);
  }
  const url = normaliseBaseUrl(options.url, `${option}.url`);
  const timeoutMs = validateTimeout(options.timeoutMs, `${option}.timeoutMs`) ?? defaultTimeoutMs;
  const { headers, secrets } = buildHeaders(options.auth, options.headers, option);
  const encoding: Record<string, string> =
    options.compression === false ? { 'accept-encoding': 'identity' } : {};
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  if (typeof fetchImplementation !== 'function') {
    throw new PromptheusError(
      'config',
      `${option}.fetch must be a fetch function (none is available globally)`,
    );
  }

  return {
    url,
    timeoutMs,
    secrets,
    async send(request) {
      const query = new URLSearchParams(request.params as Array<[string, string]> | undefined).toString();
      const usePost = request.method !== 'GET' && query.length > maxGetQueryLength;
      const callTimeout = validateTimeout(request.timeoutMs, 'timeoutMs') ?? timeoutMs;
      const target = `${url}${request.endpoint}`;
      const { signal, dispose } = deadline(`Prometheus request ${target}`, callTimeout, request.signal);
      const init: RequestInit = {
        method: usePost ? 'POST' : 'GET',
        headers: {
          accept: request.accept ?? 'application/json',
          ...(usePost ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...encoding,
          ...headers,
        },
        body: usePost ? query : undefined,
        signal,
      };
      const address = usePost || !query ? target : `${target}?${query}`;
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            const response = await fetchImplementation(address, init);
            const text = await response.text();
            return { status: response.status, text };
          } catch (error) {
            // Every API call is a read, so one immediate retry is safe when a kept-alive
            // connection was closed by the server just as the request went out.
            if (attempt === 1 && !signal.aborted && isStaleConnection(error)) continue;
            throw error;
          }
        }
      } catch (error) {
        if (signal.aborted && PromptheusError.isInstance(signal.reason)) throw signal.reason;
        throw new PromptheusError(
          'network',
          `Cannot reach Prometheus at ${url} (${request.endpoint}): ${networkReason(error)}`,
          { cause: error, retryable: true, details: { endpoint: request.endpoint } },
        );
      } finally {
        dispose();
      }
    },
  };
}
