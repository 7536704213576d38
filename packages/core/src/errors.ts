const marker = Symbol.for('promptheus.error');

/**
 * Machine-readable error codes. Every error Promptheus throws carries one, so callers can branch
 * on `error.code` instead of parsing messages.
 */
export type PromptheusErrorCode =
  /** Input from outside (HTTP body, option, env var, LLM output) failed validation. */
  | 'invalid_input'
  /** Configuration is missing or wrong; the message names the option or env var. */
  | 'config'
  /** A record was not found. */
  | 'not_found'
  /** The operation conflicts with existing state (duplicate id, `next()` called twice, ...). */
  | 'conflict'
  /** A deadline passed before the operation completed. */
  | 'timeout'
  /** The caller aborted the operation through an AbortSignal. */
  | 'aborted'
  /** A network failure: connection refused, reset, DNS. */
  | 'network'
  /** Prometheus answered with an error (`bad_data`, `execution`, 422, 503, ...). */
  | 'prometheus'
  /** Prometheus answered with something that is not a valid API response (HTML, truncated JSON). */
  | 'bad_response'
  /** A PromQL expression failed to parse or references unknown metrics/labels. */
  | 'invalid_promql'
  /** A query was refused because it would be too expensive or touches a forbidden endpoint. */
  | 'query_refused'
  /** An LLM provider failed (bad key, unknown model, rate limit, outage, invalid output). */
  | 'llm'
  /** A notifier failed to deliver. */
  | 'notification'
  /** The store failed (cannot open, corrupt, read-only, driver error). */
  | 'storage'
  /** Authentication is missing or wrong. */
  | 'unauthorized'
  /** A rate limit or budget was exceeded. */
  | 'rate_limited'
  /** Anything else; a bug if you see it. */
  | 'internal';

/** Options of the {@link PromptheusError} constructor. */
export interface PromptheusErrorOptions {
  /** The underlying error, kept for debugging (never rendered into API responses). */
  cause?: unknown;
  /** Whether retrying the same operation later may succeed. @default false */
  retryable?: boolean;
  /** Structured details safe to show to users (never secrets). */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one base error of Promptheus. Subsystems may subclass it, but every error thrown by the SDK
 * is an instance, so `PromptheusError.isInstance(error)` is the only check callers need.
 *
 * @example
 * ```ts
 * try {
 *   await client.query('rate(foo[5m]');
 * } catch (error) {
 *   if (PromptheusError.isInstance(error) && error.code === 'prometheus') console.log(error.message);
 * }
 * ```
 */
export class PromptheusError extends Error {
  readonly [marker] = true;
  readonly code: PromptheusErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /** Creates an error with a code from {@link PromptheusErrorCode}, a message naming what to fix, and options. */
  constructor(code: PromptheusErrorCode, message: string, options: PromptheusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PromptheusError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  /**
   * True for any Promptheus error, also when the error comes from another copy of the package
   * (duplicate installs, CJS and ESM side by side), where `instanceof` fails.
   */
  static isInstance(error: unknown): error is PromptheusError {
    return typeof error === 'object' && error !== null && marker in error && error[marker] === true;
  }

  /** True when `error` is a Promptheus error with the given code. */
  static hasCode(error: unknown, code: PromptheusErrorCode): error is PromptheusError {
    return PromptheusError.isInstance(error) && error.code === code;
  }

  /** A plain object safe to serialise into logs and API responses: no stack, no cause. */
  toJSON(): { code: PromptheusErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Renders any thrown value as a short message, without stack traces. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'unknown error';
}

/**
 * System and undici error codes of a network call that could not reach its server or lost the
 * connection (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, ...): failures worth retrying.
 *
 * @example
 * ```ts
 * const retryable = typeof error.code === 'string' && NETWORK_ERROR_CODES.has(error.code);
 * ```
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
