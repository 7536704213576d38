import { PromptheusError } from '../errors.js';
import { deadline, raceAbort } from '../util/abort.js';

/**
 * Runs `run` under the caller's timeout and AbortSignal. The signal handed to `run` aborts when
 * either passes, and the returned promise rejects at that moment with a `timeout` or `aborted`
 * `PromptheusError` even if `run` ignores its signal (an SDK's own retry loop, a hung socket).
 *
 * @example
 * ```ts
 * const text = await runWithDeadline('gemini generateText', { timeoutMs: 10_000, signal }, (signal) =>
 *   client.models.generateContent({ model, contents, config: { abortSignal: signal } }),
 * );
 * ```
 */
export async function runWithDeadline<T>(
  what: string,
  limits: { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined },
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (limits.timeoutMs !== undefined && (!Number.isFinite(limits.timeoutMs) || limits.timeoutMs <= 0)) {
    throw new PromptheusError(
      'invalid_input',
      `timeoutMs must be a positive number, got ${limits.timeoutMs}`,
    );
  }
  const scope = deadline(what, limits.timeoutMs, limits.signal);
  const { signal } = scope;
  if (signal.aborted) {
    scope.dispose();
    throw signal.reason;
  }
  try {
    return await raceAbort(run(signal), signal);
  } catch (error) {
    // An SDK that honours the signal rejects with its own AbortError; report the real reason.
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    scope.dispose();
  }
}

/**
 * A rough token count for text (about four characters per token), used when an API reports no
 * usage and to reserve budget before a call.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
