import type { Store } from '../contracts/store.js';
import { errorMessage, PromptheusError } from '../errors.js';
import { httpUrlSchema, type TargetAuth } from '../model/target.js';

/** A Prometheus server to collect from, as `createPrometheusSource({ targets })` takes it. */
export interface StoreTarget {
  /** Name used as the `target` of samples and anomalies. */
  readonly name: string;
  /** Base URL of the Prometheus HTTP API. */
  readonly url: string;
  /** Authentication, when the stored target has one. */
  readonly auth?: TargetAuth | null;
  /** Series selectors; absent means every series. */
  readonly selectors?: readonly string[];
}

/** Options of {@link createStoreTargets}. */
export interface StoreTargetsOptions {
  /** The store whose enabled `targets` are collected. */
  readonly store: Pick<Store, 'targets'>;
  /** Prometheus to collect from when the store has no enabled target (usually `PROMETHEUS_URL`). @default none */
  readonly fallbackUrl?: string | null;
  /** Name of the fallback target. @default 'default' */
  readonly fallbackName?: string;
  /** Selectors of the fallback target. @default every series */
  readonly fallbackSelectors?: readonly string[];
  /** Called when the store cannot be read; the previous list (or the fallback) is used meanwhile. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Returns a function listing the Prometheus servers to collect from on each tick: the enabled
 * targets saved in the store, or else the configured Prometheus URL. Pass it to
 * `createPrometheusSource({ targets })` so targets added at run time are picked up on the next tick.
 * When the store cannot be read, the last list read successfully is used.
 *
 * @example
 * ```ts
 * const source = createPrometheusSource({
 *   targets: createStoreTargets({ store, fallbackUrl: process.env.PROMETHEUS_URL }),
 * });
 * ```
 */
export function createStoreTargets(options: StoreTargetsOptions): () => Promise<StoreTarget[]> {
  const fallbackName = options.fallbackName ?? 'default';
  let fallback: StoreTarget[] = [];
  if (options.fallbackUrl !== undefined && options.fallbackUrl !== null && options.fallbackUrl !== '') {
    const parsed = httpUrlSchema.safeParse(options.fallbackUrl);
    if (!parsed.success) {
      throw new PromptheusError(
        'config',
        `PROMETHEUS_URL (fallbackUrl) ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
      );
    }
    fallback = [
      {
        name: fallbackName,
        url: parsed.data,
        ...(options.fallbackSelectors ? { selectors: [...options.fallbackSelectors] } : {}),
      },
    ];
  }
  let lastGood: StoreTarget[] | null = null;

  return async () => {
    try {
      const enabled = await options.store.targets.list({ enabled: true });
      const targets: StoreTarget[] = enabled.map((target) => ({
        name: target.name,
        url: target.url,
        auth: target.auth,
        ...(target.selectors.length > 0 ? { selectors: [...target.selectors] } : {}),
      }));
      lastGood = targets;
      return targets.length > 0 ? targets : fallback;
    } catch (error) {
      options.onError?.(
        new PromptheusError('storage', `could not read targets from the store: ${errorMessage(error)}`, {
          cause: error,
        }),
      );
      return lastGood && lastGood.length > 0 ? lastGood : fallback;
    }
  };
}
