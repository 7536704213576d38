import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { bearerToken, tokenMatches } from './http/auth.js';
import type { LiveHub } from './live.js';
import { type Logger, silentLogger } from './logger.js';

/** Subprotocol clients may ask for; the server selects it when offered. */
export const WEBSOCKET_PROTOCOL = 'promptheus';

/** Options of {@link attachWebSocket}. */
export interface WebSocketOptions {
  /** Where live updates come from. */
  readonly hub: LiveHub;
  /** Path of the endpoint. @default '/ws' */
  readonly path?: string;
  /**
   * When set, clients must present it: `?token=<token>`, `Authorization: Bearer <token>`, or the
   * subprotocol `bearer.<token>` next to `promptheus`. @default null
   */
  readonly apiToken?: string | null;
  /**
   * Browser origins allowed besides the server's own (`Origin` equal to `http(s)://<Host>`);
   * `*` allows any. Clients that send no `Origin` (not browsers) are always allowed. @default []
   */
  readonly allowedOrigins?: readonly string[];
  /** Largest message a client may send, in bytes. @default 65536 */
  readonly maxPayload?: number;
  /** Interval of keepalive pings; a client that misses one pong is dropped. @default 30000 */
  readonly pingIntervalMs?: number;
  /** Most clients at once; more are refused with 503. @default 200 */
  readonly maxClients?: number;
  /** A client whose unsent data exceeds this many bytes is dropped as too slow. @default 4194304 */
  readonly maxBufferedBytes?: number;
  /** Sent in the `hello` message. */
  readonly version?: string;
  /** Called whenever the number of clients changes. */
  readonly onClientCount?: (count: number) => void;
  /** @default a silent logger */
  readonly logger?: Logger;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

/** The WebSocket endpoint attached to a node HTTP server. */
export interface AttachedWebSocket {
  /** Connected clients. */
  readonly clients: number;
  /** Closes every client (code 1001) and stops accepting new ones. */
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}

function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader) return fromHeader;
  const fromProtocol = offeredProtocols(request).find((protocol) => protocol.startsWith('bearer.'));
  return fromProtocol?.slice('bearer.'.length);
}

function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  const host = request.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/**
 * Serves live updates on a WebSocket endpoint of a node HTTP server: handles the server's
 * `upgrade` event, checks the path, the `Origin` and the API token, then streams the hub's
 * batches. Clients may send `{"type":"ping"}` and receive `{"type":"pong"}`; the server pings every
 * client and drops those that stop answering.
 *
 * @example
 * ```ts
 * const socket = attachWebSocket(server, { hub: createLiveHub({ events }), apiToken: process.env.API_TOKEN });
 * // browser: new WebSocket(`ws://host/ws?token=${token}`)
 * ```
 */
export function attachWebSocket(server: Server, options: WebSocketOptions): AttachedWebSocket {
  const path = options.path ?? '/ws';
  const apiToken = options.apiToken ?? null;
  const allowedOrigins = options.allowedOrigins ?? [];
  const maxClients = options.maxClients ?? 200;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const alive = new WeakMap<WebSocket, boolean>();

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? 64 * 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) =>
      protocols.has(WEBSOCKET_PROTOCOL)
        ? WEBSOCKET_PROTOCOL
        : ([...protocols].find((protocol) => !protocol.startsWith('bearer.')) ?? false),
  });
  const countChanged = () => options.onClientCount?.(wss.clients.size);

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      reject(socket, 400, 'invalid_input', 'Bad request URL');
      return;
    }
    if (url.pathname !== path) {
      reject(socket, 404, 'not_found', `No WebSocket endpoint at ${url.pathname}; use ${path}`);
      return;
    }
    if (!originAllowed(request, allowedOrigins)) {
      logger.warn('websocket origin refused', { origin: request.headers.origin });
      reject(socket, 403, 'unauthorized', 'Origin not allowed; add it to CORS_ORIGINS');
      return;
    }
    if (apiToken && !tokenMatches(apiToken, presentedToken(request, url))) {
      reject(socket, 401, 'unauthorized', 'Missing or wrong API token: connect with ?token=<API_TOKEN>');
      return;
    }
    if (wss.clients.size >= maxClients) {
      reject(socket, 503, 'rate_limited', 'Too many WebSocket clients');
      return;
    }
    wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
  };

  wss.on('connection', (client: WebSocket) => {
    alive.set(client, true);
    countChanged();
    const send = (message: string) => {
      if (client.readyState !== client.OPEN) return;
      if (client.bufferedAmount > maxBufferedBytes) {
        logger.warn('websocket client too slow; dropped');
        client.terminate();
        return;
      }
      client.send(message);
    };
    const unsubscribe = options.hub.subscribe(send);
    send(
      JSON.stringify({ type: 'hello', protocol: 1, version: options.version ?? null, serverTime: clock() }),
    );
    client.on('pong', () => alive.set(client, true));
    client.on('message', (data, isBinary) => {
      alive.set(client, true);
      let type: unknown;
      try {
        type = isBinary ? undefined : (JSON.parse(data.toString()) as { type?: unknown } | null)?.type;
      } catch {
        type = undefined;
      }
      if (type === 'ping') send(JSON.stringify({ type: 'pong', serverTime: clock() }));
      else {
        send(
          JSON.stringify({
            type: 'error',
            error: {
              code: 'invalid_input',
              message: 'Unknown message; the only message clients send is {"type":"ping"}',
            },
          }),
        );
      }
    });
    client.on('error', () => client.terminate());
    client.on('close', () => {
      unsubscribe();
      countChanged();
    });
  });

  const pinger = setInterval(() => {
    for (const client of wss.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, options.pingIntervalMs ?? 30_000);
  pinger.unref();

  server.on('upgrade', onUpgrade);

  return {
    get clients() {
      return wss.clients.size;
    },
    close() {
      server.off('upgrade', onUpgrade);
      clearInterval(pinger);
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      return new Promise<void>((resolve) => {
        const deadline = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 1000);
        deadline.unref();
        wss.close(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
    },
  };
}
