import { NETWORK_ERROR_CODES, PromptheusError } from '@promptheus/core';

/**
 * Why an LLM call failed, in `error.details.reason` of the `PromptheusError` the providers throw.
 * `missing_key` and `missing_sdk` come with code `config`; the others with code `llm`.
 */
export type LlmFailureReason =
  /** No API key was given or found in the environment. */
  | 'missing_key'
  /** The SDK package of the provider is not installed. */
  | 'missing_sdk'
  /** The API rejected the key (401/403, or Gemini's 400 `API_KEY_INVALID`). */
  | 'auth'
  /** The model does not exist or is not pulled (404). */
  | 'model_not_found'
  /** The API's rate limit or quota (429). Retryable. */
  | 'rate_limit'
  /** The service failed or is overloaded (408, 5xx, a stream cut short). Retryable. */
  | 'unavailable'
  /** The service could not be reached (refused, reset, DNS). Retryable. */
  | 'network'
  /** The API refused the request as malformed (other 4xx). */
  | 'bad_request'
  /** The model refused to answer (safety block). */
  | 'blocked';

/** Builds the error the providers throw; `secret` is removed from every message. */
export function llmError(
  reason: LlmFailureReason,
  message: string,
  options: {
    readonly provider: string;
    readonly model: string;
    readonly retryable?: boolean;
    readonly status?: number;
    readonly retryAfterMs?: number;
    readonly cause?: unknown;
    readonly secret?: string | undefined;
  },
): PromptheusError {
  const code = reason === 'missing_key' || reason === 'missing_sdk' ? 'config' : 'llm';
  return new PromptheusError(code, redact(message, options.secret), {
    retryable: options.retryable ?? false,
    cause: safeCause(options.cause, options.secret),
    details: {
      reason,
      provider: options.provider,
      model: options.model,
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    },
  });
}

/** Replaces every occurrence of `secret` in `text`. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}

/** The cause to keep on an error: the original one, unless its message mentions the secret. */
function safeCause(cause: unknown, secret: string | undefined): unknown {
  if (cause === undefined || !secret) return cause;
  const text = cause instanceof Error ? `${cause.message} ${String(cause.stack)}` : String(cause);
  if (!text.includes(secret)) return cause;
  const copy = new Error(redact(cause instanceof Error ? cause.message : String(cause), secret));
  copy.name = cause instanceof Error ? cause.name : 'Error';
  return copy;
}

/**
 * The network failure behind an error (`ECONNREFUSED`, `fetch failed`, a socket closed early),
 * or `undefined` when the error is something else.
 */
export function networkFailure(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError && /fetch failed|terminated|network/i.test(error.message))
    return error.message;
  if (error instanceof Error && /other side closed|socket hang up|terminated/i.test(error.message)) {
    return error.message;
  }
  return undefined;
}

/** True when an error is an `AbortError` thrown by fetch or an SDK after an abort. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** The failure reason of an HTTP error answer of an LLM API. */
export function reasonForStatus(status: number): LlmFailureReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'model_not_found';
  if (status === 429) return 'rate_limit';
  if (status === 408 || status >= 500) return 'unavailable';
  return 'bad_request';
}

/** How a provider words a failed call; see {@link toLlmError}. */
export interface FailureWording {
  readonly provider: string;
  readonly model: string;
  /** Removed from every message. */
  readonly secret?: string | undefined;
  /** The HTTP status of the API's error answer; `undefined` when there was no answer. */
  readonly status: number | undefined;
  /** The reason, where the provider knows better than the status. @default reasonForStatus(status) */
  readonly reason?: LlmFailureReason;
  /** The wait the API asked for, put in `details.retryAfterMs`. */
  readonly retryAfterMs?: number | undefined;
  /** The message of an error answer. */
  readonly answered: (reason: LlmFailureReason, status: number) => string;
  /** The message when the API could not be reached; `failure` is the network error, or `aborted`. */
  readonly unreachable: (failure: string) => string;
  /** The message of any other failure, with code `unavailable`. */
  readonly other: string;
  /** Whether any other failure is worth retrying. */
  readonly otherRetryable: boolean;
}

const retryableReasons: ReadonlySet<LlmFailureReason> = new Set(['rate_limit', 'unavailable', 'network']);

/**
 * Maps an SDK's error to the `PromptheusError` the providers throw: an error answer by its status
 * (401/403 `auth`, 404 `model_not_found`, 429 `rate_limit`, 408 and 5xx `unavailable`, other 4xx
 * `bad_request`), a failure to reach the API as `network`, anything else as `unavailable`. Rate
 * limits, outages and network failures are retryable. A `PromptheusError` is returned as it is.
 */
export function toLlmError(error: unknown, wording: FailureWording): PromptheusError {
  if (PromptheusError.isInstance(error)) return error;
  const common = { provider: wording.provider, model: wording.model, secret: wording.secret, cause: error };
  const { status, retryAfterMs } = wording;
  if (status !== undefined) {
    const reason = wording.reason ?? reasonForStatus(status);
    return llmError(reason, wording.answered(reason, status), {
      ...common,
      status,
      retryable: retryableReasons.has(reason),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  const network = networkFailure(error);
  if (network !== undefined || isAbortError(error)) {
    return llmError('network', wording.unreachable(network ?? 'aborted'), { ...common, retryable: true });
  }
  return llmError('unavailable', wording.other, { ...common, retryable: wording.otherRetryable });
}

/** Loads an optional peer dependency, with a clear error naming the package when it is missing. */
export async function importPeer<Module>(
  name: string,
  load: () => Promise<Module>,
  context: { readonly provider: string; readonly model: string },
): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw llmError(
        'missing_sdk',
        `The ${context.provider} provider needs the "${name}" package: install it with "npm install ${name}"`,
        {
          ...context,
          cause: error,
        },
      );
    }
    throw error;
  }
}
