import { deadline, NETWORK_ERROR_CODES, PromptheusError } from '@promptheus/core';
import { singleLine } from './format.js';

/** The `fetch` function the HTTP notifiers call; the global one unless the user passes their own. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** What an HTTP endpoint answered. */
export interface HttpAnswer {
  readonly status: number;
  /** The response body, cut to a few hundred characters. */
  readonly text: string;
  /** `Retry-After` in ms, when the endpoint sent one. */
  readonly retryAfterMs: number | undefined;
}

export interface PostJsonOptions {
  /** Who is called, for messages (`Slack webhook`, `webhook`). Never the URL: it may hold a secret. */
  readonly service: string;
  readonly url: string;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch: FetchFunction;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * The system error code behind a failed network call (`ECONNREFUSED`, `ECONNRESET`, ...), found on
 * the error or its causes; undefined when there is none. Only the code is ever shown, never the
 * message, which may name a host or a path.
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when a failed call looks like a network failure worth retrying. */
export function isNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  if (code !== undefined) return NETWORK_ERROR_CODES.has(code) || code.startsWith('UND_ERR');
  return error instanceof TypeError;
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into ms from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * POSTs a JSON body and returns the status and a short body. Network failures, timeouts and aborts
 * become `PromptheusError`s of code `notification` whose message names the service and the failure
 * (`ECONNREFUSED`, `timed out after 10000 ms`) but never the URL or the headers.
 */
export async function postJson(options: PostJsonOptions): Promise<HttpAnswer> {
  const { signal, dispose } = deadline(options.service, options.timeoutMs, options.signal);
  try {
    const response = await options.fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body: JSON.stringify(options.body),
      signal,
      redirect: 'error',
    });
    const text = await response.text();
    return {
      status: response.status,
      text: singleLine(text, 300),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  } catch (error) {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      const timedOut = PromptheusError.hasCode(reason, 'timeout');
      throw new PromptheusError(
        'notification',
        timedOut
          ? `${options.service} request timed out after ${options.timeoutMs} ms`
          : `${options.service} request was aborted`,
        { retryable: true, cause: reason, details: { reason: timedOut ? 'timeout' : 'aborted' } },
      );
    }
    const code = networkErrorCode(error);
    throw new PromptheusError(
      'notification',
      `${options.service} request failed${code ? ` (${code})` : ''}: the endpoint could not be reached`,
      {
        retryable: isNetworkError(error),
        details: { reason: 'network', ...(code ? { errorCode: code } : {}) },
      },
    );
  } finally {
    dispose();
  }
}

/**
 * Turns a non-2xx answer into the error a notifier throws: 408, 429 and 5xx are retryable, any
 * other status is not. The message carries the status and the endpoint's own reason text.
 */
export function httpError(service: string, answer: HttpAnswer): PromptheusError {
  const retryable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
  const reason = answer.text ? `: ${answer.text}` : '';
  return new PromptheusError('notification', `${service} answered HTTP ${answer.status}${reason}`, {
    retryable,
    details: {
      status: answer.status,
      ...(answer.text ? { reason: answer.text } : {}),
      ...(answer.retryAfterMs !== undefined ? { retryAfterMs: answer.retryAfterMs } : {}),
    },
  });
}

/** Validates an http(s) URL option, naming the option (and never echoing the value) when it is wrong. */
export function parseHttpUrl(value: unknown, optionName: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PromptheusError('config', `${optionName} is required: an http(s) URL`);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new PromptheusError('config', `${optionName} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PromptheusError('config', `${optionName} must be an http or https URL`);
  }
  return url;
}

/** Validates a timeout option (a positive finite number of ms). */
export function parseTimeout(value: number | undefined, fallback: number, optionName: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new PromptheusError('config', `${optionName} must be a positive number of milliseconds`);
  }
  return value;
}
