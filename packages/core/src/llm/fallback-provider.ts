import type {
  EmbedRequest,
  GenerateObjectRequest,
  GenerateObjectResult,
  GenerateTextRequest,
  GenerateTextResult,
  LlmProvider,
} from '../contracts/llm-provider.js';
import { errorMessage, PromptheusError } from '../errors.js';
import { deadline } from '../util/abort.js';
import { isInvalidOutputError } from './structured-output.js';

/** `details.reason` of the error a fallback chain with no providers throws. */
export const NO_PROVIDER_REASON = 'no_provider';

/** `details.reason` of the error thrown when every provider's circuit is open. */
export const CIRCUIT_OPEN_REASON = 'circuit_open';

/** Options of the circuit breaker kept for each provider of a fallback chain. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures (outages, timeouts, auth errors) after which the provider is skipped.
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * How long a provider is skipped before one trial call is let through (half-open); success
   * closes the circuit, failure skips it for another cool-down.
   * @default 30_000
   */
  readonly cooldownMs?: number;
}

/** The state of one provider's circuit breaker. */
export interface CircuitState {
  readonly provider: string;
  readonly model: string;
  /** `closed`: called normally; `open`: skipped; `half-open`: the next call is a trial. */
  readonly state: 'closed' | 'open' | 'half-open';
  readonly consecutiveFailures: number;
  /** When an open circuit lets a trial call through (ms since epoch), else `null`. */
  readonly retryAt: number | null;
}

/** One provider tried (or skipped) by a fallback chain. */
export interface FallbackAttempt {
  readonly provider: string;
  readonly model: string;
  /** `ok`: it answered; `failed`: it threw; `skipped`: its circuit was open. */
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly latencyMs: number;
  /** Why it failed (a `PromptheusError` from a well-behaved provider). */
  readonly error?: unknown;
}

/** Options of {@link fallbackProvider}. */
export interface FallbackProviderOptions {
  /** Name reported by the chain itself (results carry the name of the provider that answered). @default 'fallback' */
  readonly name?: string;
  /** Circuit breaker settings, the same for every provider. */
  readonly breaker?: CircuitBreakerOptions;
  /**
   * Upper bound on output tokens applied to requests that set none.
   * @default undefined (each provider's own default)
   */
  readonly maxOutputTokens?: number;
  /**
   * Deadline for each provider's attempt, so a hanging provider leaves time for the next one.
   * The request's own `timeoutMs` still bounds the whole chain.
   * @default undefined (only the request's timeout)
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Whether a failure moves on to the next provider. The default moves on for every failure of
   * the provider (outage, timeout, rate limit, bad key, unknown model, invalid output after the
   * repair round) and stops for problems of the request itself (code `invalid_input`) and for
   * the caller's abort.
   */
  readonly shouldFallback?: (error: unknown) => boolean;
  /** Called after each provider is tried or skipped, e.g. to log or count calls. */
  readonly onAttempt?: (attempt: FallbackAttempt) => void;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** A provider that tries several providers in order. */
export interface FallbackLlmProvider extends LlmProvider {
  /** The providers, in the order they are tried. */
  readonly providers: readonly LlmProvider[];
  /** Circuit breaker state of every provider. */
  circuits(): readonly CircuitState[];
}

interface Circuit {
  consecutiveFailures: number;
  openUntil: number | null;
  probing: boolean;
}

/**
 * Chains providers: each call goes to the first provider whose circuit is closed; when it fails
 * (outage, timeout, rate limit, invalid output after repair) the next one is tried. A provider
 * that fails `failureThreshold` times in a row is skipped for `cooldownMs`, then gets one trial
 * call. Results name the provider that answered (`result.provider`).
 *
 * With no providers (`fallbackProvider([])`, or only `null`/`undefined` entries) every call
 * rejects at once with code `config` and `details.reason === 'no_provider'`, without any network
 * call, so callers can take their deterministic path.
 *
 * @example
 * ```ts
 * const llm = fallbackProvider([createGeminiProvider(), createOllamaProvider()], {
 *   breaker: { failureThreshold: 3, cooldownMs: 60_000 },
 * });
 * const { text, provider } = await llm.generateText({ prompt: 'Explain this spike', timeoutMs: 15_000 });
 * ```
 */
export function fallbackProvider(
  providers: ReadonlyArray<LlmProvider | null | undefined | false>,
  options: FallbackProviderOptions = {},
): FallbackLlmProvider {
  const chain = providers.filter((provider): provider is LlmProvider => Boolean(provider));
  const name = options.name ?? 'fallback';
  const failureThreshold = positiveInteger('breaker.failureThreshold', options.breaker?.failureThreshold, 3);
  const cooldownMs = positiveInteger('breaker.cooldownMs', options.breaker?.cooldownMs, 30_000);
  if (options.maxOutputTokens !== undefined) positiveInteger('maxOutputTokens', options.maxOutputTokens, 1);
  if (options.attemptTimeoutMs !== undefined)
    positiveInteger('attemptTimeoutMs', options.attemptTimeoutMs, 1);
  const now = options.now ?? Date.now;
  const shouldFallback = options.shouldFallback ?? defaultShouldFallback;
  const circuits = chain.map((): Circuit => ({ consecutiveFailures: 0, openUntil: null, probing: false }));

  const noProvider = () =>
    new PromptheusError(
      'config',
      'No LLM provider is configured: set GEMINI_API_KEY, or LLM_URL and LLM_MODEL for Ollama, ' +
        'or pass providers to fallbackProvider()',
      { details: { reason: NO_PROVIDER_REASON } },
    );

  /** Whether the circuit lets a call through now; marks a half-open trial as in flight. */
  const admit = (circuit: Circuit): boolean => {
    if (circuit.openUntil === null) return true;
    if (now() < circuit.openUntil || circuit.probing) return false;
    circuit.probing = true;
    return true;
  };

  const recordSuccess = (circuit: Circuit) => {
    circuit.consecutiveFailures = 0;
    circuit.openUntil = null;
    circuit.probing = false;
  };

  const recordFailure = (circuit: Circuit, error: unknown) => {
    const wasProbe = circuit.probing;
    circuit.probing = false;
    // A model that answers with bad JSON, or a local budget, says nothing about an outage.
    if (isInvalidOutputError(error) || PromptheusError.hasCode(error, 'rate_limited')) {
      if (wasProbe) circuit.openUntil = null;
      return;
    }
    circuit.consecutiveFailures++;
    if (wasProbe || circuit.consecutiveFailures >= failureThreshold) circuit.openUntil = now() + cooldownMs;
  };

  async function run<R>(
    what: string,
    request: { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined },
    call: (
      provider: LlmProvider,
      limits: { signal: AbortSignal; timeoutMs?: number },
    ) => Promise<R> | undefined,
  ): Promise<R> {
    if (chain.length === 0) throw noProvider();
    const scope = deadline(`${name} ${what}`, request.timeoutMs, request.signal);
    const failures: { provider: LlmProvider; error: unknown }[] = [];
    let skipped = 0;
    let supported = 0;
    try {
      for (const [index, provider] of chain.entries()) {
        if (scope.signal.aborted) throw scope.signal.reason;
        const circuit = circuits[index]!;
        const startedAt = now();
        if (!admit(circuit)) {
          skipped++;
          options.onAttempt?.({
            provider: provider.name,
            model: provider.model,
            outcome: 'skipped',
            latencyMs: 0,
          });
          continue;
        }
        const limits =
          options.attemptTimeoutMs === undefined
            ? { signal: scope.signal }
            : { signal: scope.signal, timeoutMs: options.attemptTimeoutMs };
        try {
          const pending = call(provider, limits);
          if (pending === undefined) {
            circuit.probing = false;
            continue;
          }
          supported++;
          const result = await pending;
          recordSuccess(circuit);
          options.onAttempt?.({
            provider: provider.name,
            model: provider.model,
            outcome: 'ok',
            latencyMs: now() - startedAt,
          });
          return result;
        } catch (error) {
          // The caller's own deadline or abort ends the whole chain, and says nothing about the provider.
          if (scope.signal.aborted) {
            circuit.probing = false;
            throw scope.signal.reason;
          }
          options.onAttempt?.({
            provider: provider.name,
            model: provider.model,
            outcome: 'failed',
            latencyMs: now() - startedAt,
            error,
          });
          if (!shouldFallback(error)) {
            circuit.probing = false;
            throw error;
          }
          recordFailure(circuit, error);
          failures.push({ provider, error });
        }
      }
    } finally {
      scope.dispose();
    }
    if (supported === 0 && skipped === 0) {
      throw new PromptheusError('config', `No provider of ${name} supports ${what}`, {
        details: { providers: chain.map((provider) => provider.name) },
      });
    }
    if (failures.length === 0) {
      const retryAt = Math.min(...circuits.map((circuit) => circuit.openUntil ?? Number.POSITIVE_INFINITY));
      throw new PromptheusError(
        'llm',
        `Every LLM provider is skipped after repeated failures (${chain.map((provider) => provider.name).join(', ')}); ` +
          `the next trial call is allowed in ${Math.max(0, Math.ceil((retryAt - now()) / 1000))} s`,
        { retryable: true, details: { reason: CIRCUIT_OPEN_REASON, retryAt } },
      );
    }
    if (failures.length === 1 && skipped === 0) throw failures[0]!.error;
    const last = failures[failures.length - 1]!;
    throw new PromptheusError(
      'llm',
      `All LLM providers failed: ${failures.map(({ provider, error }) => `${provider.name}: ${errorMessage(error)}`).join('; ')}`,
      {
        cause: last.error,
        retryable: failures.some(({ error }) => PromptheusError.isInstance(error) && error.retryable),
        details: {
          failures: failures.map(({ provider, error }) => ({
            provider: provider.name,
            code: PromptheusError.isInstance(error) ? error.code : 'internal',
            message: errorMessage(error),
          })),
        },
      },
    );
  }

  const withDefaults = <Request extends GenerateTextRequest>(
    request: Request,
    limits: { signal: AbortSignal; timeoutMs?: number },
  ): Request => {
    const { timeoutMs: _timeout, signal: _signal, ...rest } = request;
    return {
      ...rest,
      ...(rest.maxOutputTokens === undefined && options.maxOutputTokens !== undefined
        ? { maxOutputTokens: options.maxOutputTokens }
        : {}),
      ...limits,
    } as Request;
  };

  return {
    name,
    model: chain[0]?.model ?? 'none',
    providers: chain,
    circuits() {
      return chain.map((provider, index) => {
        const circuit = circuits[index]!;
        const open = circuit.openUntil !== null;
        return {
          provider: provider.name,
          model: provider.model,
          state: !open ? 'closed' : now() >= (circuit.openUntil ?? 0) ? 'half-open' : 'open',
          consecutiveFailures: circuit.consecutiveFailures,
          retryAt: circuit.openUntil,
        };
      });
    },
    generateText(request: GenerateTextRequest): Promise<GenerateTextResult> {
      return run('generateText', request, (provider, limits) =>
        provider.generateText(withDefaults(request, limits)),
      );
    },
    generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
      return run('generateObject', request, (provider, limits) =>
        provider.generateObject(withDefaults(request, limits)),
      );
    },
    embed(request: EmbedRequest): Promise<number[][]> {
      return run('embed', request, (provider, limits) => {
        const { timeoutMs: _timeout, signal: _signal, ...rest } = request;
        return provider.embed?.({ ...rest, ...limits });
      });
    },
  };
}

function defaultShouldFallback(error: unknown): boolean {
  return !PromptheusError.hasCode(error, 'invalid_input') && !PromptheusError.hasCode(error, 'aborted');
}

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new PromptheusError('config', `${option} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
