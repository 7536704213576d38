import { onTestFinished } from 'vitest';
import type { LocalServer } from './testing/http.js';

/** Closes the servers when the running test finishes, whether it passed or failed. */
export function closeAfterTest(...servers: readonly LocalServer[]): void {
  onTestFinished(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });
}

/** The error `promise` rejects with, or `undefined` when it resolves. */
export const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );
