import { PromptheusError } from '../errors.js';

/**
 * Combines a caller's AbortSignal with a timeout. The returned signal aborts with a
 * `PromptheusError` of code `timeout` (naming `what`) when the deadline passes, or with code
 * `aborted` when the caller aborts. Call `dispose()` when done to clear the timer.
 */
export function deadline(
  what: string,
  timeoutMs: number | undefined,
  signal?: AbortSignal,
): {
  /** Aborts at the deadline or when `signal` aborts. */
  signal: AbortSignal;
  /** Clears the timer and the listener on `signal`. */
  dispose: () => void;
} {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () =>
    controller.abort(new PromptheusError('aborted', `${what} was aborted`, { cause: signal?.reason }));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && !controller.signal.aborted) {
    timer = setTimeout(
      () =>
        controller.abort(
          new PromptheusError('timeout', `${what} timed out after ${timeoutMs} ms`, { retryable: true }),
        ),
      timeoutMs,
    );
    timer.unref?.();
  }
  return {
    signal: controller.signal,
    dispose() {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Resolves after `ms`, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, but rejects with `signal.reason` as soon as `signal` aborts, even when
 * the work behind `promise` ignores the signal (an SDK's own retry loop, a hung socket).
 *
 * @example
 * ```ts
 * const answer = await raceAbort(notifier.send(notification), signal);
 * ```
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
