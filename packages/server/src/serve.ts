import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { PromptheusError } from '@promptheus/core';
import type { Hono } from 'hono';
import type { LiveHub } from './live.js';
import { type Logger, silentLogger } from './logger.js';
import { type AttachedWebSocket, attachWebSocket, type WebSocketOptions } from './websocket.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The app from `createApp()` (anything with a `fetch` handler works). */
  readonly app: Pick<Hono, 'fetch'>;
  /** Port; 0 picks a free one. @default 8080 */
  readonly port?: number;
  /** Address to bind. @default '127.0.0.1' */
  readonly hostname?: string;
  /** Live updates on `/ws`; without it there is no WebSocket endpoint. */
  readonly websocket?: (Omit<WebSocketOptions, 'hub'> & { readonly hub: LiveHub }) | null;
  /** @default a silent logger */
  readonly logger?: Logger;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly hostname: string;
  /** The node HTTP server. */
  readonly server: Server;
  readonly websocket: AttachedWebSocket | null;
  /** Stops accepting connections, closes WebSocket clients and open connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Binds an app to a port with `@hono/node-server`, and a WebSocket endpoint for live updates.
 *
 * @example
 * ```ts
 * const running = await serve({ app: createApp({ store }), port: 8080, websocket: { hub } });
 * console.log(running.url);
 * await running.close();
 * ```
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const port = options.port ?? 8080;
  const hostname = options.hostname ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const server = createAdaptorServer({ fetch: options.app.fetch, hostname }) as Server;
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 5_000;
  const websocket = options.websocket ? attachWebSocket(server, { logger, ...options.websocket }) : null;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${hostname} is already in use; set PORT to a free port`
          : error.code === 'EACCES'
            ? `no permission to bind port ${port} on ${hostname}; use a port above 1023`
            : error.code === 'EADDRNOTAVAIL'
              ? `address ${hostname} is not available on this machine; check HOST`
              : error.message;
      reject(new PromptheusError('config', `Cannot listen: ${reason}`, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, hostname);
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    hostname,
    server,
    websocket,
    close() {
      closing ??= (async () => {
        await websocket?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
      })();
      return closing;
    },
  };
}
