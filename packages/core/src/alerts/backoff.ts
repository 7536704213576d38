import { PromptheusError } from '../errors.js';

/** Retry delays between delivery attempts: exponential with jitter, in Alertmanager's shape. */
export interface RetryBackoffOptions {
  /** Delay before the second attempt, in ms. @default 500 */
  readonly initialMs?: number;
  /** Each further delay is the previous one times this. @default 1.5 */
  readonly multiplier?: number;
  /** Longest delay, in ms. @default 60000 */
  readonly maxMs?: number;
  /**
   * Randomisation: a delay `d` becomes a random value in `[d × (1 − jitter), d × (1 + jitter)]`
   * (capped at `maxMs`), so retries of many notifications spread out. `0` disables it. @default 0.5
   */
  readonly jitter?: number;
}

/** {@link RetryBackoffOptions} with every default filled in. */
export type ResolvedRetryBackoff = Required<RetryBackoffOptions>;

/** The defaults: 500 ms, ×1.5, capped at 60 s, ±50 % jitter. */
export const DEFAULT_RETRY_BACKOFF: ResolvedRetryBackoff = Object.freeze({
  initialMs: 500,
  multiplier: 1.5,
  maxMs: 60_000,
  jitter: 0.5,
});

/** Fills in defaults and checks the values; fails with code `config` naming the bad option. */
export function resolveRetryBackoff(options: RetryBackoffOptions = {}): ResolvedRetryBackoff {
  const resolved = { ...DEFAULT_RETRY_BACKOFF, ...stripUndefined(options) };
  if (!Number.isFinite(resolved.initialMs) || resolved.initialMs < 0) {
    throw new PromptheusError('config', 'backoff.initialMs must be a non-negative number of milliseconds');
  }
  if (!Number.isFinite(resolved.multiplier) || resolved.multiplier < 1) {
    throw new PromptheusError('config', 'backoff.multiplier must be a number >= 1');
  }
  if (!Number.isFinite(resolved.maxMs) || resolved.maxMs < resolved.initialMs) {
    throw new PromptheusError(
      'config',
      'backoff.maxMs must be a number of milliseconds >= backoff.initialMs',
    );
  }
  if (!Number.isFinite(resolved.jitter) || resolved.jitter < 0 || resolved.jitter > 1) {
    throw new PromptheusError('config', 'backoff.jitter must be between 0 and 1');
  }
  return resolved;
}

function stripUndefined(options: RetryBackoffOptions): RetryBackoffOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/**
 * The delay before the next attempt after `attempt` failed attempts (1 = the first attempt
 * failed): `min(maxMs, initialMs × multiplier^(attempt − 1))`, randomised by ± `jitter` and never
 * above `maxMs`.
 *
 * @param random A source of numbers in [0, 1). @default Math.random
 * @example
 * ```ts
 * retryDelay(1, resolveRetryBackoff(), () => 0.5); // 500
 * retryDelay(3, resolveRetryBackoff(), () => 0.5); // 1125
 * ```
 */
export function retryDelay(
  attempt: number,
  options: ResolvedRetryBackoff = DEFAULT_RETRY_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(options.maxMs, options.initialMs * options.multiplier ** exponent);
  if (options.jitter === 0) return Math.round(base);
  const factor = 1 - options.jitter + 2 * options.jitter * random();
  return Math.round(Math.min(options.maxMs, Math.max(0, base * factor)));
}
